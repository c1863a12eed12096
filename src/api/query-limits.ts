// The limits every operation meets before it runs (SPEC §13, hardening): depth, aliases, directives and
// cost as validation rules, tokens as a parser option; shared by Apollo, the compiled fast path and graphql-ws.

import { costLimitRule } from "@escape.tech/graphql-armor-cost-limit";
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesRule } from "@escape.tech/graphql-armor-max-directives";
import type { GraphQLError, ParseOptions, ValidationContext, ValidationRule } from "graphql";

/*
 * graphql-armor rather than graphql-query-complexity: one maintained family covers depth, aliases,
 * directives and cost as plain graphql-js validation rules (usable by Apollo, graphql-jit's path and
 * graphql-ws alike), where graphql-query-complexity measures cost only. Tokens use graphql-js's own
 * `maxTokens` parser option: Apollo passes `parseOptions` to its parse, which armor's token plugin
 * (an Envelop parse hook) cannot reach.
 *
 * The bounds, measured: GraphiQL's introspection query (graphql-js `getIntrospectionQuery()`) has a
 * depth of 21 and an armor cost of about 87,400, with introspection counted (SPEC: "introspection
 * included"); a `decideBatch` of 1,000 requests has depth 4 and cost 43 whether the requests come as
 * variables or as a literal list (about 13 tokens per request). Application queries stay far below.
 */
export const QUERY_LIMITS = {
  depth: 25,
  aliases: 100,
  directives: 50,
  cost: 100_000,
  tokens: 15_000,
} as const;

/** Reported as validation errors, not thrown: armor throws by default, which graphql-js would rethrow as a crash. */
const report = { propagateOnRejection: false, onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)] };

export const queryLimitRules: readonly ValidationRule[] = [
  maxDepthRule({ ...report, n: QUERY_LIMITS.depth, ignoreIntrospection: false }),
  maxAliasesRule({ ...report, n: QUERY_LIMITS.aliases }),
  maxDirectivesRule({ ...report, n: QUERY_LIMITS.directives }),
  costLimitRule({ ...report, maxCost: QUERY_LIMITS.cost, ignoreIntrospection: false }),
] as unknown as ValidationRule[];

export const queryParseOptions: ParseOptions = { maxTokens: QUERY_LIMITS.tokens };
