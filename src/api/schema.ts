// buildAppSchema(): the type-graphql schema, and its printed form checked in as schema.graphql.

import { type GraphQLSchema, printSchema } from "graphql";
import { buildSchemaSync } from "type-graphql";
import { AssignmentResolver } from "./resolvers/assignment.resolver";
import { DecisionResolver } from "./resolvers/decision.resolver";
import { ExperimentResolver } from "./resolvers/experiment.resolver";
import { LayerResolver } from "./resolvers/layer.resolver";
import { DateTimeScalar } from "./types/scalars";

export function buildAppSchema(): GraphQLSchema {
  return buildSchemaSync({
    resolvers: [DecisionResolver, ExperimentResolver, LayerResolver, AssignmentResolver],
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    // Domain rules are validated once, in the engine, with field paths (see engine/definition.ts).
    validate: false,
  });
}

export function printAppSchema(schema: GraphQLSchema = buildAppSchema()): string {
  return `${printSchema(schema)}\n`;
}
