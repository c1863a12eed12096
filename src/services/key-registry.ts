// KeyRegistry: every API key by digest, in memory, so authenticating a request never reads the
// database (SPEC §13); reloaded whenever a change event of kind api_key arrives on this instance.

import type { Logger } from "../logger";
import { ApiKeyRepository, type StoredApiKey } from "../persistence/api-key.repository";
import type { Database } from "../persistence/database";
import type { ConfigChangeEvent } from "../persistence/config-change.repository";
import { type AccessKey, type Role, ROLES } from "./access-key";
import { digestOf, shownPrefix } from "./api-key-secret";

export type KeyVerdict =
  | { readonly status: "valid"; readonly key: AccessKey }
  | { readonly status: "unknown" | "revoked" | "expired" };

const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 30_000;

/** The key TESSERA_ADMIN_KEY names: an ADMIN for as long as the variable is set, never stored. */
export const BOOTSTRAP_KEY_ID = "bootstrap";

interface Entry {
  readonly key: AccessKey;
  readonly revoked: boolean;
}

/** What a change listener needs of the ConfigFollower. */
export interface ChangeSource {
  onChange(listener: (events: readonly ConfigChangeEvent[]) => void): () => void;
}

export interface KeyRegistryOptions {
  /** TESSERA_ADMIN_KEY; null when unset. */
  readonly bootstrap: BootstrapSecret | null;
  /** How often `last_used_at` is written (it is never written on the request path). */
  readonly usageFlushMs: number;
}

const toAccessKey = (row: StoredApiKey): AccessKey => ({
  id: row.id,
  name: row.name,
  role: (ROLES as readonly string[]).includes(row.role) ? (row.role as Role) : "SDK",
  services: row.services === null ? null : new Set(row.services),
  rateLimit: row.rateLimit,
  expiresAt: row.expiresAt === null ? null : row.expiresAt.getTime(),
});

/** TESSERA_ADMIN_KEY and its rate (TESSERA_ADMIN_KEY_RATE_LIMIT, an ADMIN's default otherwise). */
export interface BootstrapSecret {
  readonly secret: string;
  readonly rateLimit: number;
}

export function bootstrapKey(bootstrap: BootstrapSecret): AccessKey & { readonly prefix: string } {
  return { id: BOOTSTRAP_KEY_ID, name: BOOTSTRAP_KEY_ID, role: "ADMIN", services: null, rateLimit: bootstrap.rateLimit, expiresAt: null, prefix: shownPrefix(bootstrap.secret) };
}

export class KeyRegistry {
  private byDigest = new Map<string, Entry>();
  private readonly bootstrap: { readonly digest: string; readonly entry: Entry } | null;
  private readonly revokedListeners = new Set<(keyId: string) => void>();
  /** Key id → when it was last used (epoch ms: no Date made per request). */
  private used = new Map<string, number>();
  private reloading: Promise<void> | null = null;
  private reloadAgain = false;
  private flushTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly options: KeyRegistryOptions,
  ) {
    const { bootstrap } = options;
    this.bootstrap = bootstrap === null ? null : { digest: digestOf(bootstrap.secret), entry: { key: bootstrapKey(bootstrap), revoked: false } };
  }

  /** Follows key changes from now on, and writes `last_used_at` now and then. */
  follow(changes: ChangeSource): void {
    changes.onChange((events) => {
      if (events.some((e) => e.kind === "api_key")) this.reloadUntilDone(RETRY_FIRST_MS);
    });
    this.flushTimer ??= setInterval(() => void this.flushUsage(), this.options.usageFlushMs);
    this.flushTimer.unref();
  }

  /** Who a secret belongs to, from memory: one digest and one map lookup. */
  identify(secret: string): KeyVerdict {
    const digest = digestOf(secret);
    const entry = this.bootstrap?.digest === digest ? this.bootstrap.entry : this.byDigest.get(digest);
    if (entry === undefined) return { status: "unknown" };
    if (entry.revoked) return { status: "revoked" };
    const { key } = entry;
    if (key.expiresAt !== null && key.expiresAt <= Date.now()) return { status: "expired" };
    this.used.set(key.id, Date.now());
    return { status: "valid", key };
  }

  /** Calls `listener` with the id of every key found revoked by a reload. */
  onRevoked(listener: (keyId: string) => void): () => void {
    this.revokedListeners.add(listener);
    return () => this.revokedListeners.delete(listener);
  }

  /** Reads every key again; concurrent callers share a read that starts after their call. */
  reload(): Promise<void> {
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      do {
        this.reloadAgain = false;
        const rows = await this.db.read((em) => new ApiKeyRepository(em).all());
        this.replace(rows);
      } while (this.reloadAgain);
    })().finally(() => {
      this.reloading = null;
    });
    return this.reloading;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.flushTimer = null;
    await this.flushUsage();
  }

  /** A revocation must not wait for the next key change: a failed reload is tried again, backing off to 30 s. */
  private reloadUntilDone(delayMs: number): void {
    this.reload().catch((error: unknown) => {
      if (this.closed) return;
      this.logger.warn({ err: error, retryInMs: delayMs }, "reloading API keys failed; retrying");
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.reloadUntilDone(Math.min(delayMs * 2, RETRY_MAX_MS)), delayMs);
      this.retryTimer.unref();
    });
  }

  private replace(rows: readonly StoredApiKey[]): void {
    const next = new Map<string, Entry>();
    const revokedNow: string[] = [];
    for (const row of rows) {
      const revoked = row.revokedAt !== null;
      if (revoked && this.byDigest.get(row.digest)?.revoked === false) revokedNow.push(row.id);
      next.set(row.digest, { key: toAccessKey(row), revoked });
    }
    this.byDigest = next;
    for (const id of revokedNow) {
      for (const listener of this.revokedListeners) listener(id);
    }
  }

  private async flushUsage(): Promise<void> {
    const used = this.used;
    used.delete(BOOTSTRAP_KEY_ID);
    if (used.size === 0) return;
    this.used = new Map();
    try {
      await this.db.read((em) => new ApiKeyRepository(em).markUsed(used));
    } catch (error) {
      this.logger.debug({ err: error }, "writing when API keys were last used failed; the next flush tries again");
      for (const [id, at] of used) if (!this.used.has(id)) this.used.set(id, at);
    }
  }
}
