// API keys as stored (SPEC §13): digests only; revocation is a timestamp, so history keeps the key.

import type { EntityManager } from "typeorm";
import { ApiKeyEntity } from "./entities";

export type StoredApiKey = ApiKeyEntity;

export type NewApiKey = Omit<StoredApiKey, "createdAt" | "revokedAt" | "lastUsedAt">;

export class ApiKeyRepository {
  constructor(private readonly em: EntityManager) {}

  async insert(key: NewApiKey): Promise<StoredApiKey> {
    await this.em.insert(ApiKeyEntity, key);
    return (await this.find(key.id))!;
  }

  find(id: string): Promise<StoredApiKey | null> {
    return this.em.findOne(ApiKeyEntity, { where: { id } });
  }

  /** Every key, revoked ones too (a revoked key is refused as revoked, not as unknown), oldest first. */
  all(): Promise<StoredApiKey[]> {
    return this.em.find(ApiKeyEntity, { order: { createdAt: "ASC", id: "ASC" } });
  }

  /** Every key ever stored, revoked and expired ones included. */
  async count(): Promise<number> {
    const rows: Array<{ n: string }> = await this.em.query(`SELECT count(*) AS n FROM api_keys`);
    return Number(rows[0]!.n);
  }

  async revoke(id: string): Promise<void> {
    await this.em.query(`UPDATE api_keys SET revoked_at = clock_timestamp() WHERE id = $1 AND revoked_at IS NULL`, [id]);
  }

  /** Moves `last_used_at` forward only (instances flush independently). */
  /** `used`: key id → epoch milliseconds. */
  async markUsed(used: ReadonlyMap<string, number>): Promise<void> {
    if (used.size === 0) return;
    await this.em.query(
      `UPDATE api_keys k SET last_used_at = greatest(k.last_used_at, u.at)
         FROM unnest($1::text[], $2::timestamptz[]) AS u(id, at) WHERE k.id = u.id`,
      [[...used.keys()], [...used.values()].map((at) => new Date(at).toISOString())],
    );
  }
}
