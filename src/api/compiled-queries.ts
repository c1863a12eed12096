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
import { estimateCompiledBytes, textBytes } from "./compiled-weight";
import { queryLimitRules, queryParseOptions } from "./query-limits";
import { compileResultJson, type ResultJson } from "./result-json";

const MAX_QUERY_LENGTH = 20_000;

/**
 * The memo's bounds, in entries and in the bytes its entries hold as estimated before compiling
 * (compiled-weight.ts: above every measure, by 1.3 to 2.6 times). graphql-jit makes a lot of code: a
 * query of 100 written-out roots (16.6 KB of text) holds 12 MB, so with a bound in entries alone 500
 * distinct texts took the server from 95 MB to 4 GB. 64 MiB holds some 270 of the usual decide query
 * (241 KB estimated, 148 KB held) or 8 of the heaviest kept; a query estimated above an eighth of it
 * (some 850 fields written out; GraphiQL's introspection query is 3.7 MB) is not kept, and Apollo answers
 * it each time, so that a few such texts cannot push out all others.
 */
export const COMPILED_QUERIES_BOUNDS = { entries: 500, bytes: 64 * 1024 * 1024, entryBytes: 8 * 1024 * 1024 } as const;

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

interface Entry {
  /** Null: Apollo answers this text (invalid, not a query, refused by a limit, or too heavy to keep). */
  readonly ready: ReadyQuery | null;
  /** Estimated. */
  readonly bytes: number;
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
  /** What the AccessGate reads: the document and the operation it runs. */
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
}

/**
 * Clients send the same few query texts again and again (generated clients), so the
 * decide path pays for parsing, validation and planning once per text instead of once
 * per request. Only queries that parse and validate are compiled; anything else
 * (mutations, subscriptions, invalid documents, queries too heavy to keep) returns null
 * and goes through Apollo, which owns every error answer.
 */
export class CompiledQueries {
  /** In order of last use, the least recent first. */
  private readonly entries = new Map<string, Entry>();
  private newest: Entry | undefined;
  private heldBytes = 0;
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

  /** Texts remembered, compiled or not. */
  get size(): number {
    return this.entries.size;
  }

  /** What the remembered texts hold, estimated (see compiled-weight.ts). */
  get bytes(): number {
    return this.heldBytes;
  }

  get(query: string, operationName: string | undefined): ReadyQuery | null {
    if (query.length > MAX_QUERY_LENGTH) return null;
    const key = operationName === undefined ? query : `${operationName}\n${query}`;
    const known = this.entries.get(key);
    if (known !== undefined) {
      // Moved to the young end; a text asked again and again (the usual client) is there already.
      if (known !== this.newest) {
        this.entries.delete(key);
        this.entries.set(key, known);
        this.newest = known;
      }
      return known.ready;
    }
    const entry = this.compile(query, operationName, key);
    this.remember(key, entry);
    return entry.ready;
  }

  /** Keeps `entry`, the least recently used going first while either bound would be passed. */
  private remember(key: string, entry: Entry): void {
    // Only a refused text with an enormous operationName could weigh this much: it is parsed again if sent again.
    if (entry.bytes > COMPILED_QUERIES_BOUNDS.entryBytes) return;
    for (const [oldKey, old] of this.entries) {
      if (this.entries.size < COMPILED_QUERIES_BOUNDS.entries && this.heldBytes + entry.bytes <= COMPILED_QUERIES_BOUNDS.bytes) break;
      this.entries.delete(oldKey);
      this.heldBytes -= old.bytes;
    }
    this.entries.set(key, entry);
    this.heldBytes += entry.bytes;
    this.newest = entry;
  }

  private compile(query: string, operationName: string | undefined, key: string): Entry {
    const refused: Entry = { ready: null, bytes: textBytes(key) };
    let document: DocumentNode;
    try {
      document = parse(query, queryParseOptions);
    } catch {
      return refused;
    }
    const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    const operation = operationName === undefined ? (operations.length === 1 ? operations[0] : undefined) : operations.find((o) => o.name?.value === operationName);
    if (operation?.operation !== "query") return refused;
    if (validate(this.schema, document, this.rules).length > 0) return refused;
    // Weighed before compiling: a query too heavy to keep is not compiled at all.
    const bytes = estimateCompiledBytes(this.schema, document, operation);
    if (bytes > COMPILED_QUERIES_BOUNDS.entryBytes) return refused;
    // Leaves of GraphQL's own scalars and of enums are not re-serialized: the resolvers hand over typed
    // domain values (enum values are their names), and graphql-jit's checks allocate a location and a
    // path array per leaf per row, the most of a decide answer's garbage. Null checks stay; custom
    // scalars (JSON, DateTime) are still serialized.
    const compiled = outsideEvalCache(() => compileQuery(this.schema, document, operationName, { disableLeafSerialization: true }));
    if (!isCompiledQuery(compiled)) return refused;
    const json = outsideEvalCache(() => compileResultJson(this.schema, operation)) ?? ((result) => JSON.stringify(result));
    return { ready: { run: compiled.query, json, document, operation }, bytes };
  }
}
