// Feature flags (SPEC §16): a flag with its ordered rules (jsonb: a flag's rules are always read
// and written whole) and the forced decisions per flag, rule and actor. Never edit once merged: add a migration.
import type { MigrationInterface, QueryRunner } from "typeorm";

export class Flags1764700000000 implements MigrationInterface {
  name = "Flags1764700000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "flags" (
      "key" text NOT NULL,
      "description" text,
      "services" text array NOT NULL DEFAULT '{}',
      "enabled" boolean NOT NULL DEFAULT true,
      "hash_key" text NOT NULL DEFAULT 'user_id',
      "variables" jsonb NOT NULL DEFAULT '{}',
      "rules" jsonb NOT NULL DEFAULT '[]',
      "archived" boolean NOT NULL DEFAULT false,
      "version" integer NOT NULL DEFAULT '1',
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "pk_flags" PRIMARY KEY ("key"),
      CONSTRAINT "ck_flags_variables" CHECK (jsonb_typeof("variables") = 'object'),
      CONSTRAINT "ck_flags_rules" CHECK (jsonb_typeof("rules") = 'array'),
      CONSTRAINT "ck_flags_version" CHECK ("version" > 0))`);
    await q.query(`CREATE TABLE "forced_decisions" (
      "flag_key" text NOT NULL,
      "rule_key" text NOT NULL,
      "actor" text NOT NULL,
      "variation" text NOT NULL,
      CONSTRAINT "pk_forced_decisions" PRIMARY KEY ("flag_key", "rule_key", "actor"),
      CONSTRAINT "fk_forced_decisions_flag" FOREIGN KEY ("flag_key") REFERENCES "flags"("key") ON DELETE CASCADE ON UPDATE NO ACTION)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "forced_decisions"`);
    await q.query(`DROP TABLE "flags"`);
  }
}
