// Guards: schema.graphql is what the code emits; the migrations leave no diff against the entities.

import fs from "node:fs";
import path from "node:path";
import { getMetadataStorage } from "type-graphql";
import { buildAppSchema, printAppSchema } from "../../src/api/schema";
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
    "decideFlags(keys: [String!], context: JSON!, requestId: String, explain: Boolean = false): FlagsDecision!",
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

it("schema.graphql keeps the names of SPEC §15 (configuration as code)", () => {
  const schema = printAppSchema();
  for (const name of [
    "exportConfig: JSON!",
    "importConfig(document: JSON!, dryRun: Boolean = false, prune: Boolean = false): ConfigPlan!",
    "type ConfigPlan {", "type PlannedChange {",
  ]) {
    expect(schema).toContain(name);
  }
});

it("lists every field's arguments in the order its resolver declares them (not the order decorators run)", () => {
  const schema = buildAppSchema();
  const storage = getMetadataStorage() as unknown as { queries: Handler[]; mutations: Handler[]; subscriptions: Handler[] };
  const roots = { Query: schema.getQueryType()!, Mutation: schema.getMutationType()!, Subscription: schema.getSubscriptionType()! };
  const handlers: Array<[keyof typeof roots, Handler]> = [
    ...storage.queries.map((h): [keyof typeof roots, Handler] => ["Query", h]),
    ...storage.mutations.map((h): [keyof typeof roots, Handler] => ["Mutation", h]),
    ...storage.subscriptions.map((h): [keyof typeof roots, Handler] => ["Subscription", h]),
  ];
  let checked = 0;
  for (const [root, handler] of handlers) {
    const declared = [...(handler.params ?? [])].filter((p) => p.kind === "arg").sort((a, b) => a.index - b.index).map((p) => p.name);
    expect([root, handler.schemaName, roots[root].getFields()[handler.schemaName]!.args.map((a) => a.name)]).toEqual([root, handler.schemaName, declared]);
    if (declared.length > 1) checked++;
  }
  expect(checked).toBeGreaterThan(10);
  // SPEC §7's own spelling of two of them.
  expect(printAppSchema()).toContain("assign(experiment: String!, actor: String!, context: JSON, requestId: String): Assignment");
  expect(printAppSchema()).toContain("decide(services: [String!]!, context: JSON!, requestId: String, explain: Boolean = false): Decision!");
});

interface Handler {
  readonly schemaName: string;
  readonly params?: Array<{ kind: string; index: number; name?: string }>;
}
