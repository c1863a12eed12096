// buildAppSchema(): the type-graphql schema, and its printed form checked in as schema.graphql.

import { type GraphQLSchema, printSchema } from "graphql";
import { type PubSub, buildSchemaSync, getMetadataStorage } from "type-graphql";
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

interface ParamMetadata {
  readonly target: object;
  readonly methodName: string;
  readonly index: number;
}

/**
 * TypeScript applies parameter decorators last parameter first, type-graphql keeps them in that order,
 * and the schema listed every field's arguments backwards (`assign(requestId, context, actor, experiment)`),
 * which generated clients and readers inherit. Ordering each method's parameters by position before the
 * schema is built makes schema.graphql list arguments as declared; type-graphql places the values by
 * position at run time whatever this order is.
 */
function argumentsInDeclaredOrder(): void {
  const storage = getMetadataStorage() as unknown as { params: ParamMetadata[] };
  const methods = new Map<object, Map<string, ParamMetadata[]>>();
  for (const param of storage.params) {
    const byMethod = methods.get(param.target) ?? new Map<string, ParamMetadata[]>();
    methods.set(param.target, byMethod);
    byMethod.set(param.methodName, [...(byMethod.get(param.methodName) ?? []), param]);
  }
  storage.params = [...methods.values()].flatMap((byMethod) => [...byMethod.values()].flatMap((params) => params.sort((a, b) => a.index - b.index)));
}

export function buildAppSchema(): GraphQLSchema {
  argumentsInDeclaredOrder();
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
