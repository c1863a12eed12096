// CompiledQueries: read-only operations parsed, validated and compiled once by graphql-jit, then reused.

import {
  type DocumentNode,
  GraphQLObjectType,
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

const MAX_ENTRIES = 500;
const MAX_QUERY_LENGTH = 20_000;

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

/**
 * Clients send the same few query texts again and again (generated clients), so the
 * decide path pays for parsing, validation and planning once per text instead of once
 * per request. Only queries that parse and validate are compiled; anything else
 * (mutations, subscriptions, invalid documents) returns null and goes through Apollo,
 * which owns every error answer.
 */
export class CompiledQueries {
  private readonly entries = new Map<string, CompiledQuery | null>();
  private readonly rules: typeof specifiedRules;

  /** `schema` must be an instance of its own: its plain fields lose their resolvers (see `readPropertiesDirectly`). */
  constructor(
    private readonly schema: GraphQLSchema,
    allowIntrospection: boolean,
  ) {
    this.rules = allowIntrospection ? specifiedRules : [...specifiedRules, NoSchemaIntrospectionCustomRule];
    readPropertiesDirectly(schema);
  }

  get(query: string, operationName: string | undefined): CompiledQuery | null {
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

  private compile(query: string, operationName: string | undefined): CompiledQuery | null {
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch {
      return null;
    }
    const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    const operation = operationName === undefined ? (operations.length === 1 ? operations[0] : undefined) : operations.find((o) => o.name?.value === operationName);
    if (operation?.operation !== "query") return null;
    if (validate(this.schema, document, this.rules).length > 0) return null;
    const compiled = compileQuery(this.schema, document, operationName);
    return isCompiledQuery(compiled) ? compiled : null;
  }
}
