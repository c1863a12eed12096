// API keys (SPEC §13): secrets are stored only as SHA-256 digests; change records and change
// events name the key a change was made with. Never edit once merged: add a migration.
import type { MigrationInterface, QueryRunner } from "typeorm";

export class ApiKeys1764600000000 implements MigrationInterface {
  name = "ApiKeys1764600000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "api_keys" (
      "id" text NOT NULL,
      "name" text NOT NULL,
      "role" text NOT NULL,
      "services" text array,
      "prefix" text NOT NULL,
      "digest" text NOT NULL,
      "rate_limit" integer NOT NULL,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "expires_at" TIMESTAMP WITH TIME ZONE,
      "revoked_at" TIMESTAMP WITH TIME ZONE,
      "last_used_at" TIMESTAMP WITH TIME ZONE,
      CONSTRAINT "pk_api_keys" PRIMARY KEY ("id"),
      CONSTRAINT "uq_api_keys_digest" UNIQUE ("digest"),
      CONSTRAINT "ck_api_keys_role" CHECK ("role" IN ('ADMIN', 'DEVELOPER', 'VIEWER', 'SDK')),
      CONSTRAINT "ck_api_keys_digest" CHECK ("digest" ~ '^[0-9a-f]{64}$'),
      CONSTRAINT "ck_api_keys_rate_limit" CHECK ("rate_limit" > 0))`);
    await q.query(`ALTER TABLE "change_records" ADD COLUMN "api_key" text`);
    await q.query(`ALTER TABLE "config_changes" ADD COLUMN "api_key" text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "config_changes" DROP COLUMN "api_key"`);
    await q.query(`ALTER TABLE "change_records" DROP COLUMN "api_key"`);
    await q.query(`DROP TABLE "api_keys"`);
  }
}
