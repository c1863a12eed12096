// Guards: schema.graphql is what the code emits; the migrations leave no diff against the entities.

import fs from "node:fs";
import path from "node:path";
import { printAppSchema } from "../../src/api/schema";
import { createDataSource } from "../../src/persistence/data-source";
import { createTestDatabase } from "../helpers/test-database";

it("schema.graphql equals the schema the code emits (run `npm run schema` after an API change)", () => {
  const committed = fs.readFileSync(path.resolve(__dirname, "../../schema.graphql"), "utf8");
  expect(committed).toBe(printAppSchema());
});

it("schema.graphql keeps the public names of SPEC §7", () => {
  const schema = printAppSchema();
  for (const name of [
    "createExperiment(input: CreateExperimentInput!): Experiment!",
    "updateExperiment(", "startExperiment(key: String!): Experiment!", "concludeExperiment(", "archiveExperiment(key: String!): Experiment!",
    "setWeights(", "setOverride(", "clearOverride(", "assign(", "experiment(key: String!): Experiment",
    "experiments(", "history(", "assignment(", "exposureCounts(experiment: String!): [VariantCount!]!", "configVersion: Int!",
    "scalar JSON", "scalar DateTime", "enum ExperimentState",
  ]) {
    expect(schema).toContain(name);
  }
});

it("schema.graphql keeps the public names of SPEC §16 (flags)", () => {
  const schema = printAppSchema();
  for (const name of [
    "enum FlagRuleType", "type Flag {", "type FlagRule {", "type ForcedDecision {", "input FlagRuleInput {", "input CreateFlagInput {", "input UpdateFlagInput {",
    "flag(key: String!): Flag\n", "flags(service: String): [Flag!]!", "createFlag(input: CreateFlagInput!): Flag!", "archiveFlag(key: String!): Flag!",
    "updateFlag(", "setFlagRules(", "setFlagEnabled(", "): ForcedDecision!", "clearForcedDecision(",
    "traffic: Int = 10000", "enabled: Boolean = true", `hashKey: String = "user_id"`, "rules: [FlagRuleInput!] = []",
    "enum FlagSource {", "type FlagDecision {", "type FlagsDecision {", "flags: [FlagDecision!]!", "source: FlagSource!",
    "decideFlags(explain: Boolean = false, requestId: String, context: JSON!, keys: [String!]): FlagsDecision!",
  ]) {
    expect(schema).toContain(name);
  }
});

it("the migrations leave no pending schema change against the entities", async () => {
  const database = await createTestDatabase();
  const dataSource = createDataSource(database.config);
  await dataSource.initialize();
  try {
    await dataSource.runMigrations();
    const pending = await dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
    // And they undo cleanly, newest first.
    for (let i = 0; i < dataSource.migrations.length; i++) await dataSource.undoLastMigration();
    const tables: Array<{ n: number }> = await dataSource.query(
      `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations'`,
    );
    expect(tables[0]!.n).toBe(0);
  } finally {
    await dataSource.destroy();
    await database.drop();
  }
});
