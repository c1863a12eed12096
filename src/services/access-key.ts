// Who a request acts as (SPEC §13): an API key's role, the services it may decide for, its limit.

export const ROLES = ["ADMIN", "DEVELOPER", "VIEWER", "SDK"] as const;
export type Role = (typeof ROLES)[number];

export interface AccessKey {
  /** The stored key's id, or `bootstrap` for TESSERA_ADMIN_KEY. */
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  /** The services an SDK key is limited to; null: every service. */
  readonly services: ReadonlySet<string> | null;
  /** Requests (decisions, for a batch) per second on this instance. */
  readonly rateLimit: number;
  /** Epoch milliseconds; null: never. */
  readonly expiresAt: number | null;
}

/** SPEC §13: SDK keys serve traffic, the others people and tooling. */
export const defaultRateLimit = (role: Role): number => (role === "SDK" ? 10_000 : 100);
