// What a compiled query keeps in memory, estimated from its validated document before it is compiled:
// the measure CompiledQueries is bounded by ("caches must be bounded by what they hold, not only by their count").

import {
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  isAbstractType,
  isInterfaceType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  SchemaMetaFieldDef,
  type SelectionSetNode,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
} from "graphql";

/*
 * Measured (Node 20, the real server in one process, heap used after gc; scratch script, not kept):
 * N distinct texts of a shape POSTed over HTTP, each compiled once and answered 60 times (feedback
 * allocated after the first few answers adds 10-100 % to an entry), per entry, with this estimate:
 *
 *   shape                                            fields expanded       tokens   held   estimate
 *   `{ a: configVersion }`                           1 resolved                 5   24 KB     50 KB
 *   the usual decide query (4 variables)             14 plain, 1 resolved      67  148 KB    241 KB
 *   100 aliased `configVersion`                      100 resolved             302  1.3 MB    1.8 MB
 *   30 aliased roots written out (experiments, layers, decide; 5 KB)
 *                                                    460 plain, 30 resolved   832  3.1 MB    4.6 MB
 *   100 of them (16.6 KB)                            1,535 plain, 100 res.  2,765 12.1 MB   15.4 MB
 *   the same 100 through 3 fragments (5 KB)          1,535 plain, 100 res.  1,236  9.5 MB   14.7 MB
 *   100 aliased `__type` with `ofType` chains of 6   2,100 resolved         4,202 14.1 MB   36.1 MB
 *   10 `__type { fields { type } args { type } }`, chains of 10
 *                                                    690 resolved           1,262  7.1 MB   11.8 MB
 *   8 `__type`, a full-type fragment as GraphiQL's   456 resolved             204  4.0 MB    7.6 MB
 *   100 roots taking 150 variables ([DecideInput!]!, [String!]!, JSON!)
 *                                                    100 plain, 100 res.    2,456  4.0 MB    5.3 MB
 *   the same with literal arguments                  100 plain, 100 res.    2,304  2.6 MB    3.4 MB
 *   600 DecideInput variables, one root field        1 plain, 1 resolved    4,216  4.1 MB    9.1 MB
 *   a JSON literal of 9,000 integers                 1 plain, 1 resolved    9,026  2.4 MB    3.7 MB
 *   a JSON object literal of 1,500 keys              1 plain, 1 resolved    4,519  1.4 MB    1.9 MB
 *
 * graphql-jit writes about 2 KB of code per field, and what an entry holds follows the fields, not the
 * text: fragments and introspection type chains make a few characters into many fields (over 4 KB held
 * a character), while literals make many tokens of few fields (the document stays, tokens and all: 270-310
 * bytes a token). So the estimate counts fields with fragments spread (not merged, so it can only
 * over-count), a field with a resolver (root fields, introspection's; every field of a schema with
 * @FieldResolvers) twice a property read, variables (their coercion is compiled too) and tokens. It is
 * above every measure, by 1.3 to 2.6 times.
 */
const ENTRY_BYTES = 32 * 1024;
const PLAIN_FIELD_BYTES = 8 * 1024;
const RESOLVED_FIELD_BYTES = 16 * 1024;
const VARIABLE_BYTES = 12 * 1024;
const TOKEN_BYTES = 400;

/** A text remembered without a compiled query (invalid, refused or too heavy): the string and its map entry. */
export function textBytes(text: string): number {
  return 64 + 2 * text.length;
}

function fieldOf(schema: GraphQLSchema, parent: GraphQLNamedType | undefined, name: string): GraphQLField<unknown, unknown> | undefined {
  if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
  if (parent === schema.getQueryType()) {
    if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
    if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
  }
  return isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
}

/**
 * Bytes `operation` of `document`, validated against `schema`, will hold once compiled by graphql-jit
 * (with its result writer) and run: an upper bound, from one walk of its selections (each fragment weighed once).
 */
export function estimateCompiledBytes(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const fragmentBytes = new Map<string, number>();
  const selectionBytes = (selectionSet: SelectionSetNode | undefined, parent: GraphQLNamedType | undefined): number => {
    let bytes = 0;
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        const field = fieldOf(schema, parent, selection.name.value);
        // An unknown field (none passes validation) counts as the heavier kind.
        bytes += field === undefined || field.resolve !== undefined ? RESOLVED_FIELD_BYTES : PLAIN_FIELD_BYTES;
        const type = field && getNamedType(field.type);
        // graphql-jit writes an interface's or a union's selections once for each of its object types.
        if (isAbstractType(type)) for (const object of schema.getPossibleTypes(type)) bytes += selectionBytes(selection.selectionSet, object);
        else bytes += selectionBytes(selection.selectionSet, type);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        bytes += selectionBytes(selection.selectionSet, selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent);
      } else {
        // Validation forbids fragment cycles.
        const name = selection.name.value;
        let known = fragmentBytes.get(name);
        if (known === undefined) {
          const fragment = fragments.get(name);
          known = fragment ? selectionBytes(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value)) : 0;
          fragmentBytes.set(name, known);
        }
        bytes += known;
      }
    }
    return bytes;
  };
  // Every token of the document, comments too: they stay linked from its nodes' locations (parsed with them, the default).
  let tokens = 0;
  for (let token = document.loc?.startToken ?? null; token !== null; token = token.next) tokens++;
  return (
    ENTRY_BYTES +
    selectionBytes(operation.selectionSet, schema.getRootType(operation.operation) ?? undefined) +
    VARIABLE_BYTES * (operation.variableDefinitions?.length ?? 0) +
    TOKEN_BYTES * tokens
  );
}
