// Change events: one row per configuration version, read by every instance's follower and by
// configChanged subscribers (SPEC §10). Never edit once merged: add a migration.
import type { MigrationInterface, QueryRunner } from "typeorm";

export class ConfigChanges1764400000000 implements MigrationInterface {
  name = "ConfigChanges1764400000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "config_changes" (
      "version" integer NOT NULL,
      "kind" text NOT NULL,
      "keys" text array NOT NULL DEFAULT '{}',
      "services" text array NOT NULL DEFAULT '{}',
      "layers" text array NOT NULL DEFAULT '{}',
      "mutation" text NOT NULL,
      "actor" text,
      "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "pk_config_changes" PRIMARY KEY ("version"))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "config_changes"`);
  }
}
