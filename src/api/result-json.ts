// compileResultJson: the JSON text of an operation's result, written by code made from its selection set.
//
// Why: Node 20's JSON.stringify discovers every object's shape and escapes every key at run time,
// and on a decide answer (about 120 values) that cost more than the decision itself. The shape of a
// result is known from the query: keys are constants written once into the generated code, each
// leaf is written by its GraphQL type, and a deeply frozen JSON value (merged parameters, shared by
// every actor with the same variants) is serialized once and then reused.

import {
  type GraphQLField,
  GraphQLEnumType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  type GraphQLOutputType,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";

/** A result without errors (`{ data }`) to its JSON text, exactly as JSON.stringify would write it. */
export type ResultJson = (result: { readonly data?: unknown }) => string;

/** Characters a JSON string must escape: quote, backslash, controls; surrogates (a lone one is escaped). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

export function quoteString(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

const frozenText = new WeakMap<object, string>();

/** Plain JSON data frozen at every depth: its text can never change, so it is kept. */
function isFrozenJson(value: unknown): boolean {
  // A function (an own toJSON, say) may answer differently each time.
  if (typeof value === "function") return false;
  if (typeof value !== "object" || value === null) return true;
  if (!Object.isFrozen(value)) return false;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) return false;
  for (const descriptor of Object.values(Object.getOwnPropertyDescriptors(value))) {
    if (!("value" in descriptor) || !isFrozenJson(descriptor.value)) return false;
  }
  return true;
}

/** A custom scalar's serialized value (JSON, DateTime): anything JSON.stringify takes. */
export function writeAny(value: unknown): string {
  if (typeof value === "string") return quoteString(value);
  if (typeof value !== "object" || value === null) return JSON.stringify(value) ?? "null";
  const known = frozenText.get(value);
  if (known !== undefined) return known;
  const text = JSON.stringify(value);
  if (isFrozenJson(value)) frozenText.set(value, text);
  return text;
}

const writeNumber = (value: unknown): string => (typeof value === "number" && Number.isFinite(value) ? `${value}` : (JSON.stringify(value) ?? "null"));
const writeString = (value: unknown): string => (typeof value === "string" ? quoteString(value) : (JSON.stringify(value) ?? "null"));
const writeBoolean = (value: unknown): string => (value === true ? "true" : value === false ? "false" : (JSON.stringify(value) ?? "null"));

const RUNTIME = { writeAny, writeNumber, writeString, writeBoolean };

/** Which runtime writer a leaf type takes. */
function pickLeafWriter(type: GraphQLScalarType | GraphQLEnumType): keyof typeof RUNTIME {
  if (type instanceof GraphQLEnumType) return "writeString";
  switch (type.name) {
    case "String":
      return "writeString";
    case "Int":
    case "Float":
      return "writeNumber";
    case "Boolean":
      return "writeBoolean";
    default:
      // ID may be a number, custom scalars anything: written as JSON.stringify would.
      return "writeAny";
  }
}

/** Thrown while generating: the selection uses something this writer leaves to JSON.stringify. */
class Unsupported extends Error {}

class Generator {
  private vars = 0;

  constructor(private readonly schema: GraphQLSchema) {}

  /** Code appending `value`'s JSON (a variable holding a result value of `type`) to `out`. */
  value(type: GraphQLOutputType, value: string, selection: SelectionSetNode | undefined): string {
    if (type instanceof GraphQLNonNull) return this.value(type.ofType, value, selection);
    if (type instanceof GraphQLList) {
      const item = this.var();
      const i = this.var();
      return `if (${value} == null) out += "null"; else { out += "["; for (let ${i} = 0; ${i} < ${value}.length; ${i}++) {
        if (${i} > 0) out += ","; const ${item} = ${value}[${i}]; ${this.value(type.ofType, item, selection)} } out += "]"; }`;
    }
    if (type instanceof GraphQLScalarType || type instanceof GraphQLEnumType) {
      return `out += ${value} == null ? "null" : rt.${pickLeafWriter(type)}(${value});`;
    }
    if (type instanceof GraphQLObjectType && selection) return `if (${value} == null) out += "null"; else { ${this.object(type, value, selection)} }`;
    // Interfaces and unions: the fields depend on the runtime type.
    throw new Unsupported(`type ${String(type)}`);
  }

  object(type: GraphQLObjectType, value: string, selection: SelectionSetNode): string {
    const keys = new Set<string>();
    let code = "";
    for (const node of selection.selections) {
      // Fragments and @include/@skip decide per request which keys exist: JSON.stringify knows, this does not.
      if (node.kind !== Kind.FIELD || node.directives?.length) throw new Unsupported(node.kind);
      const key = node.alias?.value ?? node.name.value;
      if (keys.has(key)) throw new Unsupported(`repeated key ${key}`);
      // An object's own "__proto__" key is moved last by the executor's object, so the order would differ.
      if (key === "__proto__") throw new Unsupported(key);
      const field = this.field(type, node.name.value);
      const child = this.var();
      code += `out += ${JSON.stringify(`${keys.size === 0 ? "{" : ","}${JSON.stringify(key)}:`)}; const ${child} = ${value}[${JSON.stringify(key)}]; `;
      code += this.value(field.type, child, node.selectionSet);
      keys.add(key);
    }
    return `${code} out += ${keys.size === 0 ? '"{}"' : '"}"'};`;
  }

  private field(type: GraphQLObjectType, name: string): Pick<GraphQLField<unknown, unknown>, "type"> {
    if (name === "__typename") return { type: new GraphQLNonNull(this.schema.getType("String") as GraphQLScalarType) };
    const field = type.getFields()[name];
    if (field === undefined) throw new Unsupported(`field ${name}`);
    return field;
  }

  private var(): string {
    return `v${this.vars++}`;
  }
}

/**
 * The writer for one validated operation, or null when its selections use what
 * only run time knows (fragments, directives, interfaces, unions, introspection).
 */
export function compileResultJson(schema: GraphQLSchema, operation: OperationDefinitionNode): ResultJson | null {
  const root = schema.getRootType(operation.operation);
  if (!root) return null;
  try {
    const generator = new Generator(schema);
    const body = `let out = '{"data":'; const v = result.data;
      if (v == null) out += "null"; else { ${generator.object(root, "v", operation.selectionSet)} } return out + "}";`;
    // The generated code embeds names only through JSON.stringify, and GraphQL names are [_A-Za-z0-9]+.
    const write = new Function("rt", "result", body) as (rt: typeof RUNTIME, result: { readonly data?: unknown }) => string;
    return (result) => write(RUNTIME, result);
  } catch (error) {
    if (error instanceof Unsupported) return null;
    throw error;
  }
}
