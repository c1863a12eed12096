// buildAppSchema(): the type-graphql schema, and its printed form checked in as schema.graphql.

import { type GraphQLSchema, printSchema } from "graphql";
import { type PubSub, buildSchemaSync } from "type-graphql";
import { ApiKeyResolver } from "./resolvers/api-key.resolver";
import { AssignmentResolver } from "./resolvers/assignment.resolver";
import { ConfigChangeResolver } from "./resolvers/config-change.resolver";
import { ConfigDocumentResolver } from "./resolvers/config-document.resolver";
import { DecisionResolver } from "./resolvers/decision.resolver";
import { ExperimentResolver } from "./resolvers/experiment.resolver";
import { FlagResolver } from "./resolvers/flag.resolver";
import { FlagDecisionResolver } from "./resolvers/flag-decision.resolver";
import { LayerResolver } from "./resolvers/layer.resolver";
import { DateTimeScalar } from "./types/scalars";

/**
 * type-graphql wants a PubSub even when every subscription brings its own `subscribe`; here none
 * uses topics (changes come from the ConfigFollower's one stream), so one that refuses them.
 */
const NO_TOPICS: PubSub = {
  publish: () => {
    throw new Error("subscriptions use the ConfigChangeFeed, not type-graphql topics");
  },
  subscribe: () => {
    throw new Error("subscriptions use the ConfigChangeFeed, not type-graphql topics");
  },
};

export function buildAppSchema(): GraphQLSchema {
  return buildSchemaSync({
    resolvers: [DecisionResolver, ExperimentResolver, LayerResolver, AssignmentResolver, ConfigChangeResolver, ApiKeyResolver, FlagResolver, FlagDecisionResolver, ConfigDocumentResolver],
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    pubSub: NO_TOPICS,
    // Domain rules are validated once, in the engine, with field paths (see engine/definition.ts).
    validate: false,
  });
}

export function printAppSchema(schema: GraphQLSchema = buildAppSchema()): string {
  return `${printSchema(schema)}\n`;
}
