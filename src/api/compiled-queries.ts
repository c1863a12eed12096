// CompiledQueries: read-only operations parsed, validated and compiled once by graphql-jit, then reused.

import { setFlagsFromString } from "node:v8";
import {
  type DocumentNode,
  type GraphQLFieldResolver,
  GraphQLObjectType,
  GraphQLScalarType,
  type GraphQLSchema,
  Kind,
  NoSchemaIntrospectionCustomRule,
  type OperationDefinitionNode,
  parse,
  specifiedRules,
  validate,
} from "graphql";
import { type CompiledQuery, compileQuery, isCompiledQuery } from "graphql-jit";
import { getMetadataStorage } from "type-graphql";
import { queryLimitRules, queryParseOptions } from "./query-limits";
import { compileResultJson, type ResultJson } from "./result-json";

const MAX_ENTRIES = 500;
const MAX_QUERY_LENGTH = 20_000;

/** Unless the process was started without it. */
const EVAL_CACHE_AT_START = !process.execArgv.some((arg) => /^--no[-_]compilation[-_]cache$/.test(arg));

/**
 * graphql-jit and the result writer make their code with `new Function`, and V8 keeps what `new Function`
 * compiles in its eval cache, found by a hash of the source. The hash of a source over 16,383 characters
 * is its length alone, so of two generated sources of one length (two texts whose aliases differ by a
 * letter, say) the second is cached for good: top-level code is never flushed, and the entry holds the
 * source, its functions and their feedback until a GC at the heap's limit. Measured: 100 distinct queries
 * of 20 written-out roots, compiled and dropped, still held 55 MB after gc; compiled with the cache off,
 * 1 MB. So a text dropped from the memo would stay in memory: the cache is off while they compile (the
 * flag is read at each lookup), and on again for all other code. A text is compiled once anyway (then kept here).
 */
function outsideEvalCache<T>(compile: () => T): T {
  if (!EVAL_CACHE_AT_START) return compile();
  setFlagsFromString("--no-compilation-cache");
  try {
    return compile();
  } finally {
    setFlagsFromString("--compilation-cache");
  }
}

/**
 * type-graphql gives every object field a resolver that runs the (here empty) middleware
 * chain before reading the property; without it graphql-jit inlines the property read,
 * which is most of a decide answer's fields. Only done when no @FieldResolver exists,
 * so nothing but property reads is removed.
 */
function readPropertiesDirectly(schema: GraphQLSchema): void {
  if (getMetadataStorage().fieldResolvers.length > 0) return;
  const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]);
  for (const type of Object.values(schema.getTypeMap())) {
    if (!(type instanceof GraphQLObjectType) || roots.has(type) || type.name.startsWith("__")) continue;
    for (const field of Object.values(type.getFields())) field.resolve = undefined;
  }
}

/** The parts of type-graphql's resolver metadata `callQueriesDirectly` reads. */
interface QueryMetadata {
  readonly schemaName: string;
  readonly methodName: string;
  readonly target: Function;
  readonly params?: ReadonlyArray<{ kind: string; index: number; name?: string; propertyName?: string; getType?: () => unknown }>;
  readonly middlewares?: readonly unknown[];
  readonly roles?: readonly unknown[];
}

/** An argument type-graphql would pass through unchanged: a scalar, or a list of them. */
const isScalarType = (type: unknown): boolean => type instanceof GraphQLScalarType || type === String || type === Boolean || type === Number;

/**
 * type-graphql runs every root field through its pipeline: a container lookup, the middleware
 * chain, and the arguments sorted, converted and (validation being off) passed through an async
 * validator, a promise per argument. For a query without middleware or roles whose parameters are
 * scalar @Args and the @Ctx, all of that hands the values over unchanged, so here the resolver's
 * method is called with them directly: decide is such a query.
 */
function callQueriesDirectly(schema: GraphQLSchema): void {
  const fields = schema.getQueryType()?.getFields() ?? {};
  for (const query of getMetadataStorage().queries as unknown as QueryMetadata[]) {
    const field = fields[query.schemaName];
    if (field === undefined || query.params === undefined || query.middlewares?.length || query.roles !== undefined) continue;
    const params = [...query.params].sort((a, b) => a.index - b.index);
    const plain = params.every((p) => (p.kind === "context" && !p.propertyName) || (p.kind === "arg" && isScalarType(p.getType?.())));
    if (!plain) continue;
    const instance = new (query.target as new () => Record<string, (...values: unknown[]) => unknown>)();
    const method = instance[query.methodName]!;
    const names = params.map((p) => (p.kind === "arg" ? p.name! : null));
    const resolve: GraphQLFieldResolver<unknown, unknown> = (_root, args, context) =>
      method.apply(instance, names.map((name) => (name === null ? context : (args as Record<string, unknown>)[name])));
    field.resolve = resolve;
  }
}

/** A query ready to run: graphql-jit's executor, and the writer of its result's JSON text. */
export interface ReadyQuery {
  readonly run: CompiledQuery["query"];
  readonly json: ResultJson;
}

/**
 * Clients send the same few query texts again and again (generated clients), so the
 * decide path pays for parsing, validation and planning once per text instead of once
 * per request. Only queries that parse and validate are compiled; anything else
 * (mutations, subscriptions, invalid documents) returns null and goes through Apollo,
 * which owns every error answer.
 */
export class CompiledQueries {
  private readonly entries = new Map<string, ReadyQuery | null>();
  private readonly rules: ReadonlyArray<(typeof specifiedRules)[number]>;

  /** `schema` must be an instance of its own: its resolvers are replaced (see `readPropertiesDirectly`, `callQueriesDirectly`). */
  constructor(
    private readonly schema: GraphQLSchema,
    allowIntrospection: boolean,
  ) {
    // Apollo's rules and limits, checked once per text: an over-limit text is remembered as null and
    // every request of it goes to Apollo, which gives the one refusal.
    this.rules = [...specifiedRules, ...queryLimitRules, ...(allowIntrospection ? [] : [NoSchemaIntrospectionCustomRule])];
    readPropertiesDirectly(schema);
    callQueriesDirectly(schema);
  }

  get(query: string, operationName: string | undefined): ReadyQuery | null {
    if (query.length > MAX_QUERY_LENGTH) return null;
    const key = operationName === undefined ? query : `${operationName}\n${query}`;
    const known = this.entries.get(key);
    if (known !== undefined) return known;
    const compiled = this.compile(query, operationName);
    // A bounded memo: a client that sends ever new texts only costs a reset now and then.
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(key, compiled);
    return compiled;
  }

  private compile(query: string, operationName: string | undefined): ReadyQuery | null {
    let document: DocumentNode;
    try {
      document = parse(query, queryParseOptions);
    } catch {
      return null;
    }
    const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    const operation = operationName === undefined ? (operations.length === 1 ? operations[0] : undefined) : operations.find((o) => o.name?.value === operationName);
    if (operation?.operation !== "query") return null;
    if (validate(this.schema, document, this.rules).length > 0) return null;
    // Leaves of GraphQL's own scalars and of enums are not re-serialized: the resolvers hand over typed
    // domain values (enum values are their names), and graphql-jit's checks allocate a location and a
    // path array per leaf per row, the most of a decide answer's garbage. Null checks stay; custom
    // scalars (JSON, DateTime) are still serialized.
    const compiled = outsideEvalCache(() => compileQuery(this.schema, document, operationName, { disableLeafSerialization: true }));
    if (!isCompiledQuery(compiled)) return null;
    const json = outsideEvalCache(() => compileResultJson(this.schema, operation)) ?? ((result) => JSON.stringify(result));
    return { run: compiled.query, json };
  }
}
