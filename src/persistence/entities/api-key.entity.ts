// Table `api_keys` (SPEC §13): who may call, with which role; the secret only as its SHA-256 digest.

import { Check, Column, Entity, PrimaryColumn, Unique } from "typeorm";

@Entity({ name: "api_keys" })
@Unique("uq_api_keys_digest", ["digest"])
@Check("ck_api_keys_role", `"role" IN ('ADMIN', 'DEVELOPER', 'VIEWER', 'SDK')`)
@Check("ck_api_keys_digest", `"digest" ~ '^[0-9a-f]{64}$'`)
@Check("ck_api_keys_rate_limit", `"rate_limit" > 0`)
export class ApiKeyEntity {
  @PrimaryColumn({ type: "text", primaryKeyConstraintName: "pk_api_keys" })
  id!: string;

  @Column({ type: "text" })
  name!: string;

  /** ADMIN, DEVELOPER, VIEWER or SDK. */
  @Column({ type: "text" })
  role!: string;

  /** The services an SDK key may decide for; null: every service. */
  @Column({ type: "text", array: true, nullable: true })
  services!: string[] | null;

  /** The secret's first characters, to tell keys apart in lists; never enough to use. */
  @Column({ type: "text" })
  prefix!: string;

  /** SHA-256 of the secret, hex. */
  @Column({ type: "text" })
  digest!: string;

  /** Requests per second, per instance. */
  @Column({ name: "rate_limit", type: "integer" })
  rateLimit!: number;

  @Column({ name: "created_at", type: "timestamptz", default: () => "now()" })
  createdAt!: Date;

  @Column({ name: "expires_at", type: "timestamptz", nullable: true })
  expiresAt!: Date | null;

  @Column({ name: "revoked_at", type: "timestamptz", nullable: true })
  revokedAt!: Date | null;

  /** Written at most once a minute per instance: not on the request path. */
  @Column({ name: "last_used_at", type: "timestamptz", nullable: true })
  lastUsedAt!: Date | null;
}
