// OperationAccess: what an operation asks for, worked out once per parsed operation: its root fields
// (through fragments), the fields each role may not use, and which arguments the gate must read.

import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
  valueFromAST,
  visit,
} from "graphql";
import { ROLES, type Role } from "../services/access-key";
import { ACCESS_RULES, META_FIELDS, SERVICE_SCOPED_FIELDS } from "./access-rules";

export interface RootField {
  readonly name: string;
  readonly node: FieldNode;
  readonly definition: GraphQLField<unknown, unknown>;
  /**
   * The field's argument values without coercing all the variables, when that gives what execution
   * will see: arguments written as literals (worked out once) or as a whole variable without a
   * default (the client's value, which execution coerces as it is). Null: coerce (AccessGate does).
   */
  readonly readArguments: ((variables: Readonly<Record<string, unknown>>) => Record<string, unknown>) | null;
  /** True when the `services` argument is written as a literal (or absent): the services asked never change. */
  readonly constantServices: boolean;
}

export interface OperationAccess {
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  /** The root fields' names, as written (meta fields aside). */
  readonly names: readonly string[];
  /** Root field names by response key (alias or name), meta fields too: whose an error at `path[0]` is. */
  readonly fieldOf: ReadonlyMap<string, string>;
  /** The root fields each role may not use, in the order they appear; empty when it may use all. */
  readonly forbidden: ReadonlyMap<Role, readonly string[]>;
  /** Fields naming services (or an experiment) an SDK key limited to services must stay within. */
  readonly scoped: readonly RootField[];
  /** `decide` and `decideFlags` fields (one decision each) and `decideBatch` fields (one per request): what a request costs. */
  readonly decides: number;
  readonly batches: readonly RootField[];
  /** No batch, and every scoped field's arguments are literals: a key's services verdict holds for every request of it. */
  readonly scopeIsConstant: boolean;
}

const ROOT_TYPE = { query: "Query", mutation: "Mutation", subscription: "Subscription" } as const;

/** Root fields as written, including those of fragments spread on the root type (a skipped one counts: stricter, never looser). */
function rootFieldNodes(selections: SelectionSetNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>, into: FieldNode[], seen: Set<string>): void {
  for (const selection of selections.selections) {
    if (selection.kind === Kind.FIELD) into.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) rootFieldNodes(selection.selectionSet, fragments, into, seen);
    else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (fragment === undefined || seen.has(name)) continue;
      seen.add(name);
      rootFieldNodes(fragment.selectionSet, fragments, into, seen);
    }
  }
}

function holdsVariable(value: ValueNode): boolean {
  let found = false;
  visit(value, { Variable: () => void (found = true) });
  return found;
}

function argumentReader(definition: GraphQLField<unknown, unknown>, node: FieldNode, operation: OperationDefinitionNode): RootField["readArguments"] {
  const constant: Record<string, unknown> = {};
  const direct: Array<{ argument: string; variable: string }> = [];
  for (const argument of definition.args) {
    const given = node.arguments?.find((a) => a.name.value === argument.name);
    if (given === undefined) {
      if (argument.defaultValue !== undefined) constant[argument.name] = argument.defaultValue;
    } else if (given.value.kind === Kind.VARIABLE) {
      const variable = given.value.name.value;
      const declared = operation.variableDefinitions?.find((d) => d.variable.name.value === variable);
      if (declared === undefined || declared.defaultValue !== undefined) return null;
      direct.push({ argument: argument.name, variable });
    } else {
      // Undefined for an invalid literal or one holding a variable inside (a list or an object): then coercion decides.
      const value = valueFromAST(given.value, argument.type);
      if (value === undefined) return null;
      constant[argument.name] = value;
    }
  }
  if (direct.length === 0) return () => constant;
  return (values) => {
    const args: Record<string, unknown> = { ...constant };
    for (const d of direct) args[d.argument] = values[d.variable];
    return args;
  };
}

export function operationAccess(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): OperationAccess {
  const typeName = ROOT_TYPE[operation.operation];
  const rootType = typeName === "Query" ? schema.getQueryType() : typeName === "Mutation" ? schema.getMutationType() : schema.getSubscriptionType();
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const nodes: FieldNode[] = [];
  rootFieldNodes(operation.selectionSet, fragments, nodes, new Set());
  const rules = ACCESS_RULES[typeName];
  const forbidden = new Map<Role, string[]>(ROLES.map((role) => [role, []]));
  const fields: RootField[] = [];
  for (const node of nodes) {
    const name = node.name.value;
    if (META_FIELDS.has(name)) continue;
    const definition = rootType?.getFields()[name];
    // Validation has refused unknown fields already; a field without a rule is nobody's.
    const rule = Object.hasOwn(rules, name) ? rules[name] : undefined;
    for (const role of ROLES) {
      const list = forbidden.get(role)!;
      if (!rule?.has(role) && !list.includes(name)) list.push(name);
    }
    if (definition) {
      const services = node.arguments?.find((a) => a.name.value === "services");
      const constantServices = services === undefined || !holdsVariable(services.value);
      fields.push({ name, node, definition, readArguments: argumentReader(definition, node, operation), constantServices });
    }
  }
  const scoped = fields.filter((f) => SERVICE_SCOPED_FIELDS.has(f.name));
  const batches = fields.filter((f) => f.name === "decideBatch");
  return {
    document,
    operation,
    names: nodes.map((n) => n.name.value).filter((name) => !META_FIELDS.has(name)),
    fieldOf: new Map(nodes.map((n) => [n.alias?.value ?? n.name.value, n.name.value])),
    forbidden,
    scoped,
    decides: fields.filter((f) => f.name === "decide" || f.name === "decideFlags").length,
    batches,
    // assign's verdict follows the experiment's layer, decideFlags' the flags' services; both can change: never kept.
    scopeIsConstant:
      batches.length === 0 && scoped.every((f) => f.name !== "assign" && f.name !== "decideFlags" && f.constantServices && f.readArguments !== null),
  };
}
