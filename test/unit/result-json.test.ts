// compileResultJson: for every query it takes, the very text JSON.stringify writes of graphql-jit's result.

import { buildSchema, Kind, type OperationDefinitionNode, parse } from "graphql";
import { compileQuery, isCompiledQuery } from "graphql-jit";
import { compileResultJson } from "../../src/api/result-json";

const schema = buildSchema(`
  scalar JSON
  scalar DateTime
  enum Source { STICKY BUCKET }
  type Item { name: String!, vid: Int!, weight: Float, on: Boolean, id: ID, source: Source!, params: JSON, at: DateTime, tags: [String!]! }
  interface Named { name: String! }
  type Other implements Named { name: String! }
  union Either = Item | Other
  type Query { items: [Item!]!, item: Item, nothing: Item, numbers: [Int], matrix: [[Float!]], blob: JSON, text: String, count: Int, named: Named, either: Either }
`);

const WEIRD = ['plain', 'quote " and \\ backslash', "line\nbreak\ttab", "nul \u0000 and \u001f", "é ü ñ 中文", "emoji 😀", "lone \ud800 high", "lone \udc00 low", ""];
const shared = Object.freeze({ ranker: Object.freeze({ model: "m1", boost: 2 }), list: Object.freeze([1, "two", null, true]) });

function item(i: number) {
  return {
    name: WEIRD[i % WEIRD.length],
    vid: i * 7 - 3,
    weight: [0.5, -1.25e-7, 1e21, 3, Number.NaN][i % 5],
    on: i % 3 === 0 ? null : i % 2 === 0,
    id: i % 2 === 0 ? `id-${i}` : i,
    source: i % 2 === 0 ? "STICKY" : "BUCKET",
    params: [shared, { nested: { deep: WEIRD[i % WEIRD.length] } }, null, "str", 42, [1, { a: 2 }]][i % 6],
    at: i % 2 === 0 ? new Date(Date.UTC(2026, 10, 21, 12, 0, i)) : null,
    tags: WEIRD.slice(0, i % 4),
  };
}

const root = {
  items: Array.from({ length: 24 }, (_, i) => item(i)),
  item: item(5),
  nothing: null,
  numbers: [1, null, -2, 0],
  matrix: [[1.5, 2], [], [-0]],
  blob: { "key with \"quotes\"": ["\u2028", { x: null }] },
  text: "top \"level\"",
  count: 2147483647,
};

function writerFor(query: string) {
  const document = parse(query);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  return compileResultJson(schema, operation);
}

async function bothTexts(query: string): Promise<[string, string]> {
  const compiled = compileQuery(schema, parse(query), undefined, { disableLeafSerialization: true });
  if (!isCompiledQuery(compiled)) throw new Error("did not compile");
  const result = await compiled.query(root, {}, {});
  expect(result.errors).toBeUndefined();
  return [writerFor(query)!(result), JSON.stringify(result)];
}

it.each([
  ["every leaf type, lists of objects and of leaves", "{ items { name vid weight on id source params at tags } }"],
  ["aliases, __typename, a null object, nested lists", "{ first: item { __typename label: name, vid } nothing { name } numbers matrix count }"],
  ["a custom scalar at the root, a string needing escapes", "{ blob text }"],
  ["the same field twice under two aliases", "{ a: text b: text items { n: name m: name } }"],
  ["an empty list and lists of strings needing escapes", "{ items { tags } }"],
])("%s: the same text as JSON.stringify", async (_, query) => {
  const [ours, reference] = await bothTexts(query);
  expect(JSON.parse(ours)).toEqual(JSON.parse(reference));
  expect(ours).toBe(reference);
});

it("serializes a deeply frozen JSON value once and reuses the text", () => {
  const write = writerFor("{ blob }")!;
  const frozen = Object.freeze({ a: Object.freeze({ b: 1 }) });
  const stringify = jest.spyOn(JSON, "stringify");
  try {
    expect(write({ data: { blob: frozen } })).toBe('{"data":{"blob":{"a":{"b":1}}}}');
    expect(write({ data: { blob: frozen } })).toBe('{"data":{"blob":{"a":{"b":1}}}}');
    expect(stringify.mock.calls.filter(([value]) => value === frozen)).toHaveLength(1);
  } finally {
    stringify.mockRestore();
  }
});

it("writes anew what could change: a frozen object with a mutable child, or with its own toJSON", () => {
  const write = writerFor("{ blob }")!;
  const child = { b: 1 };
  const shallow = Object.freeze({ a: child });
  expect(write({ data: { blob: shallow } })).toBe('{"data":{"blob":{"a":{"b":1}}}}');
  child.b = 2;
  expect(write({ data: { blob: shallow } })).toBe('{"data":{"blob":{"a":{"b":2}}}}');
  let calls = 0;
  const counting = Object.freeze({ toJSON: () => ++calls });
  expect([write({ data: { blob: counting } }), write({ data: { blob: counting } })]).toEqual(['{"data":{"blob":1}}', '{"data":{"blob":2}}']);
});

it("writes null data as null", () => {
  expect(writerFor("{ text }")!({ data: null })).toBe('{"data":null}');
});

it.each([
  ["a fragment spread", "{ item { ...F } } fragment F on Item { name }"],
  ["an inline fragment", "{ item { ... on Item { name } } }"],
  ["@include", "query($x: Boolean!) { text @include(if: $x) }"],
  ["@skip on an object field", "query($x: Boolean!) { item @skip(if: $x) { name } }"],
  ["introspection", "{ __schema { queryType { name } } }"],
  ["one key selected twice (merged by GraphQL)", "{ text text }"],
  ["an interface", "{ named { name } }"],
  ["a union", "{ either { __typename } }"],
  ["__proto__ as a key (the executor's object puts it last)", "{ __proto__: item { name } text }"],
])("leaves %s to JSON.stringify (null)", (_, query) => {
  expect(writerFor(query)).toBeNull();
});
