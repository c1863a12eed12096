// The compiled fast path's memo is bounded by what it holds, not only by its count: a client sending ever
// new large queries (the fault probe: 500 distinct texts of about 20 KB took the server from 95 MB to 4 GB)
// cannot grow the heap past the budget, pushes out the least recently used texts only, and a query too
// heavy to keep is answered by Apollo every time. Heap used is read after gc (exposed here through V8's flags).

import v8 from "node:v8";
import vm from "node:vm";
import { COMPILED_QUERIES_BOUNDS, CompiledQueries, type ReadyQuery } from "../../src/api/compiled-queries";
import { textBytes } from "../../src/api/compiled-weight";
import { buildAppSchema } from "../../src/api/schema";
import { DECIDE } from "../helpers/decide-factories";
import { startTestServer, type TestServer } from "../helpers/test-server";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

function heapUsed(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

const MiB = 1024 * 1024;

/** The top-level selections of an experiment, a layer and a decision, all their fields. */
const EXPERIMENT = ["key", "description", "services", "layer", "state", "winner", "exclusionGroup", "rule", "traffic", "version", "createdAt", "updatedAt", "variants { key vid weight params }"];
const LAYER = ["key", "description", "priority", "services", "hashKey", "salt", "hashVersion", "enabled", "defaultParams", "freeSlots", "implicit", "ranges { start end vid }"];
const DECISION_SELECTION = ["configVersion", "results { service parameters vids matchedLayers reasons experiments { experiment variant vid layer slot source } }"];

/** Text number `i` of a family: distinct by its aliases, and by the order of its fields as clients write them. */
function rotated(list: readonly string[], i: number): string {
  const k = i % list.length;
  return [...list.slice(k), ...list.slice(0, k)].join(" ");
}

/** `roots` aliased root fields written out in full, cycling experiments, layers and decide: all allowed by the query limits. */
function writtenOut(i: number, roots: number): string {
  const root = (k: number): string =>
    [
      `experiments { ${rotated(EXPERIMENT, i + k)} }`,
      `layers { ${rotated(LAYER, i + k)} }`,
      `decide(services: ["svc"], context: { user_id: "u" }) { ${rotated(DECISION_SELECTION, i + k)} }`,
    ][k % 3];
  return `{ ${Array.from({ length: roots }, (_, k) => `q${i}_${k}: ${root(k)}`).join(" ")} }`;
}

/** Aliased decide roots, which a fake decision service answers: run, they hold what a served query holds. */
function decides(i: number, roots: number): string {
  return `{ ${Array.from({ length: roots }, (_, k) => `d${i}_${k}: decide(services: ["svc"], context: { user_id: "u${k}" }) { ${rotated(DECISION_SELECTION, i + k)} }`).join(" ")} }`;
}

/** Aliased introspection type chains: run without any service. */
function typeChains(i: number, roots: number, depth: number): string {
  let chain = "kind name";
  for (let d = 0; d < depth; d++) chain = `name kind ofType { ${chain} }`;
  return `{ ${Array.from({ length: roots }, (_, k) => `t${i}_${k}: __type(name: "Query") { fields { name type { ${chain} } } }`).join(" ")} }`;
}

const DECISION = {
  configVersion: 3,
  results: [
    {
      service: "svc",
      parameters: { color: "blue" },
      vids: [1, 2],
      matchedLayers: ["layer_a"],
      reasons: null,
      experiments: [{ experiment: "exp_a", variant: "control", vid: 1, layer: "layer_a", slot: 17, source: "BUCKET" }],
    },
  ],
};
const FAKE_CONTEXT = { services: { decisions: { decide: () => DECISION } }, caller: {} };

/** Runs a compiled query as the server does: executed, then written as JSON. */
function answer(ready: ReadyQuery): string {
  const result = ready.run(undefined, FAKE_CONTEXT, undefined);
  if ("then" in result) throw new Error("expected an answer in the same tick");
  expect(result.errors).toBeUndefined();
  return ready.json(result);
}

describe("the memo of compiled queries", () => {
  it("stays within its budget over 500 distinct large queries, and keeps the one in use", () => {
    const cache = new CompiledQueries(buildAppSchema(), true);
    const hot = cache.get(DECIDE, undefined);
    expect(hot).not.toBeNull();
    const before = heapUsed();
    const firsts: Array<ReadyQuery | null> = [];
    for (let i = 0; i < 500; i++) {
      // Estimated at about 2 MB each: compiled and kept, until the least recently used must go.
      const ready = cache.get(writtenOut(i, 12), undefined);
      expect(ready).not.toBeNull();
      if (i < 3) firsts.push(ready);
      // The query a client keeps sending is answered from the memo all along, never compiled again.
      if (i % 10 === 9) expect(cache.get(DECIDE, undefined)).toBe(hot);
    }
    // What V8 made of the texts pushed out went with them: graphql-jit's code stays out of V8's eval cache.
    const grown = heapUsed() - before;
    expect(grown).toBeLessThan(COMPILED_QUERIES_BOUNDS.bytes);
    // The estimate is what bounded the memo (it is full, far below 500 entries), and it is above what is held.
    expect(cache.bytes).toBeLessThanOrEqual(COMPILED_QUERIES_BOUNDS.bytes);
    expect(cache.bytes).toBeGreaterThan(COMPILED_QUERIES_BOUNDS.bytes - COMPILED_QUERIES_BOUNDS.entryBytes);
    expect(cache.size).toBeLessThan(100);
    expect(grown).toBeLessThan(cache.bytes);
    // The least recently used went first: the first texts are compiled anew; the hot one is still there.
    expect(cache.get(writtenOut(0, 12), undefined)).not.toBe(firsts[0]);
    expect(cache.get(DECIDE, undefined)).toBe(hot);
  }, 120_000);

  it("estimates above what compiled queries hold once they have answered many times", () => {
    const cache = new CompiledQueries(buildAppSchema(), true);
    // Warm: the executor's and the writer's own code is optimized before the measure.
    for (let r = 0; r < 60; r++) for (const text of [decides(0, 2), typeChains(0, 1, 3)]) answer(cache.get(text, undefined)!);
    const before = heapUsed();
    const bytesBefore = cache.bytes;
    const texts = [
      ...Array.from({ length: 5 }, (_, i) => decides(i + 1, 40)),
      ...Array.from({ length: 5 }, (_, i) => typeChains(i + 1, 10, 8)),
    ];
    for (const text of texts) {
      const ready = cache.get(text, undefined);
      expect(ready).not.toBeNull();
      // Feedback and optimized code come after the first answers: the entry grows until about the 20th.
      for (let r = 0; r < 60; r++) answer(ready!);
    }
    const grown = heapUsed() - before;
    expect(cache.size).toBe(12);
    expect(grown).toBeGreaterThan(0.3 * (cache.bytes - bytesBefore));
    expect(grown).toBeLessThan(cache.bytes - bytesBefore);
  }, 120_000);

  it("does not keep a query too heavy for it: Apollo answers it each time, and only its text is remembered", () => {
    const cache = new CompiledQueries(buildAppSchema(), true);
    const before = heapUsed();
    let texts = 0;
    for (let i = 0; i < 10; i++) {
      // The probe's shape: 100 roots written out, about 16 KB, estimated at 15 MB.
      const text = writtenOut(i, 100);
      expect(cache.get(text, undefined)).toBeNull();
      expect(cache.get(text, undefined)).toBeNull();
      texts += textBytes(text);
    }
    expect(cache.size).toBe(10);
    expect(cache.bytes).toBe(texts);
    expect(heapUsed() - before).toBeLessThan(16 * MiB);
  }, 120_000);

  it("remembers texts that do not compile at the cost of their text, and no more of them than its count", () => {
    const cache = new CompiledQueries(buildAppSchema(), true);
    const hot = cache.get(DECIDE, undefined);
    const refused = (i: number): string => `{ q${i}: unknownField${"x".repeat(i % 1_000)} }`;
    for (let i = 0; i < 600; i++) {
      expect(cache.get(refused(i), undefined)).toBeNull();
      if (i % 100 === 99) expect(cache.get(DECIDE, undefined)).toBe(hot);
    }
    expect(cache.size).toBe(COMPILED_QUERIES_BOUNDS.entries);
    // The hot query and the 499 texts refused last.
    let bytes = cache.bytes;
    for (let i = 101; i < 600; i++) bytes -= textBytes(refused(i));
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThan(MiB);
  });
});

describe("over HTTP", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it("a query too heavy to keep compiled is still answered, the same each time", async () => {
    const query = writtenOut(7, 100);
    const first = await server.gql(query);
    expect(first.status).toBe(200);
    expect(first.errors).toBeUndefined();
    expect(Object.keys(first.data)).toHaveLength(100);
    expect(await server.gql(query)).toEqual(first);
  });
});
