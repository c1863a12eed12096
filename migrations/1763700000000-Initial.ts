// The first schema: layers, experiments, variants, overrides, assignments, exposures,
// change records and the configuration version. Never edit once merged: add a migration.
import type { MigrationInterface, QueryRunner } from "typeorm";

export class Initial1763700000000 implements MigrationInterface {
  name = "Initial1763700000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TYPE "public"."experiment_state" AS ENUM('DRAFT', 'RUNNING', 'CONCLUDED', 'ARCHIVED')`);
    await q.query(`CREATE TABLE "layers" (
      "key" text NOT NULL,
      "description" text,
      "priority" integer NOT NULL DEFAULT '0',
      "services" text array NOT NULL DEFAULT '{}',
      "hash_key" text NOT NULL DEFAULT 'user_id',
      "salt" text NOT NULL,
      "hash_version" integer NOT NULL DEFAULT '1',
      "enabled" boolean NOT NULL DEFAULT true,
      "default_params" jsonb NOT NULL DEFAULT '{}',
      "implicit" boolean NOT NULL DEFAULT false,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "pk_layers" PRIMARY KEY ("key"))`);
    await q.query(`CREATE TABLE "experiments" (
      "key" text NOT NULL,
      "layer_key" text NOT NULL,
      "description" text,
      "services" text array NOT NULL DEFAULT '{}',
      "state" "public"."experiment_state" NOT NULL DEFAULT 'DRAFT',
      "winner" text,
      "exclusion_group" text,
      "rule" jsonb,
      "slots" jsonb NOT NULL DEFAULT '[]',
      "ranges" jsonb NOT NULL DEFAULT '[]',
      "version" integer NOT NULL DEFAULT '1',
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "pk_experiments" PRIMARY KEY ("key"),
      CONSTRAINT "fk_experiments_layer" FOREIGN KEY ("layer_key") REFERENCES "layers"("key") ON DELETE RESTRICT ON UPDATE NO ACTION)`);
    await q.query(`CREATE INDEX "idx_experiments_layer" ON "experiments" ("layer_key")`);
    await q.query(`CREATE INDEX "idx_experiments_exclusion_group" ON "experiments" ("exclusion_group")`);
    await q.query(`CREATE TABLE "variants" (
      "vid" integer NOT NULL,
      "experiment_key" text NOT NULL,
      "key" text NOT NULL,
      "weight" integer NOT NULL,
      "params" jsonb NOT NULL DEFAULT '{}',
      "position" integer NOT NULL,
      CONSTRAINT "pk_variants" PRIMARY KEY ("vid"),
      CONSTRAINT "uq_variants_experiment_key" UNIQUE ("experiment_key", "key"),
      CONSTRAINT "fk_variants_experiment" FOREIGN KEY ("experiment_key") REFERENCES "experiments"("key") ON DELETE CASCADE ON UPDATE NO ACTION)`);
    await q.query(`CREATE TABLE "overrides" (
      "experiment_key" text NOT NULL,
      "actor" text NOT NULL,
      "variant_key" text NOT NULL,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "pk_overrides" PRIMARY KEY ("experiment_key", "actor"),
      CONSTRAINT "fk_overrides_experiment" FOREIGN KEY ("experiment_key") REFERENCES "experiments"("key") ON DELETE CASCADE ON UPDATE NO ACTION)`);
    await q.query(`CREATE TABLE "assignments" (
      "experiment_key" text NOT NULL,
      "actor" text NOT NULL,
      "variant_key" text NOT NULL,
      "vid" integer NOT NULL,
      "assigned_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "pk_assignments" PRIMARY KEY ("experiment_key", "actor"),
      CONSTRAINT "fk_assignments_experiment" FOREIGN KEY ("experiment_key") REFERENCES "experiments"("key") ON DELETE CASCADE ON UPDATE NO ACTION)`);
    await q.query(`CREATE INDEX "idx_assignments_actor" ON "assignments" ("actor")`);
    // Exposures outlive their experiment's rows on purpose: they are the analysis record.
    await q.query(`CREATE TABLE "exposures" (
      "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
      "experiment_key" text NOT NULL,
      "variant_key" text NOT NULL,
      "vid" integer NOT NULL,
      "actor" text NOT NULL,
      "request_id" text,
      "is_override" boolean NOT NULL DEFAULT false,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "pk_exposures" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "idx_exposures_experiment" ON "exposures" ("experiment_key", "variant_key")`);
    await q.query(`CREATE TABLE "change_records" (
      "id" integer GENERATED ALWAYS AS IDENTITY NOT NULL,
      "subject_key" text NOT NULL,
      "mutation" text NOT NULL,
      "actor" text,
      "config_version" integer NOT NULL,
      "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "pk_change_records" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "idx_change_records_subject" ON "change_records" ("subject_key", "id")`);
    await q.query(`CREATE TABLE "config_version" (
      "id" integer NOT NULL DEFAULT '1',
      "version" integer NOT NULL DEFAULT '0',
      CONSTRAINT "pk_config_version" PRIMARY KEY ("id"),
      CONSTRAINT "ck_config_version_single_row" CHECK ("id" = 1))`);
    await q.query(`INSERT INTO "config_version" ("id", "version") VALUES (1, 0)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "config_version"`);
    await q.query(`DROP TABLE "change_records"`);
    await q.query(`DROP TABLE "exposures"`);
    await q.query(`DROP TABLE "assignments"`);
    await q.query(`DROP TABLE "overrides"`);
    await q.query(`DROP TABLE "variants"`);
    await q.query(`DROP TABLE "experiments"`);
    await q.query(`DROP TABLE "layers"`);
    await q.query(`DROP TYPE "public"."experiment_state"`);
  }
}
