// The import planner (SPEC §15) in process: what a document becomes against a configuration, and why.

import { type ConfigDocument, EMPTY_DOCUMENT } from "../../src/engine/config-document";
import { planImport } from "../../src/engine/config-plan";
import { DomainError } from "../../src/engine/errors";

const FORMAT = "tessera.config/v1";

/** Plans `input` against `current` (empty by default) and returns the plan. */
const plan = (input: Record<string, unknown>, current: ConfigDocument = EMPTY_DOCUMENT, prune = false) => planImport(current, { format: FORMAT, ...input } as never, { prune });

function refusal(work: () => unknown): { code: string; field: unknown } {
  try {
    work();
  } catch (error) {
    if (error instanceof DomainError) return { code: error.code, field: error.details.field };
    throw error;
  }
  throw new Error("expected a refusal");
}

const layer = { key: "l", services: ["svc"] };
const twoVariants = (a: number, b: number) => [{ key: "a", weight: a }, { key: "b", weight: b }];

describe("placing slots", () => {
  it("gives new experiments the lowest free slots in key order, split by weight; vids follow the document's order", () => {
    const { document } = plan({ layers: [layer], experiments: [{ key: "y", layer: "l", traffic: 3000, variants: twoVariants(1, 2) }, { key: "x", layer: "l", traffic: 1000, variants: twoVariants(1, 1) }] });
    const [x, y] = document.experiments;
    expect(x).toMatchObject({ key: "x", slots: [{ start: 0, end: 1000 }], ranges: [{ start: 0, end: 500, vid: 3 }, { start: 500, end: 1000, vid: 4 }] });
    expect(y).toMatchObject({ key: "y", slots: [{ start: 1000, end: 4000 }], ranges: [{ start: 1000, end: 2000, vid: 1 }, { start: 2000, end: 4000, vid: 2 }] });
  });

  it("lets a shrinking experiment give slots to a growing one in the same import", () => {
    const before = plan({ layers: [layer], experiments: [{ key: "a", layer: "l", traffic: 6000, variants: twoVariants(1, 1) }, { key: "b", layer: "l", traffic: 4000, variants: twoVariants(1, 1) }] }).document;
    const after = plan({ layers: [layer], experiments: [{ key: "a", layer: "l", traffic: 8000, variants: twoVariants(1, 1) }, { key: "b", layer: "l", traffic: 2000, variants: twoVariants(1, 1) }] }, before);
    expect(after.document.experiments.map((e) => e.traffic)).toEqual([8000, 2000]);
    // Each of b's variants keeps its lowest 1,000 slots (minimal movement); a grows into what b gave back.
    expect(after.document.experiments.map((e) => e.slots)).toEqual([
      [{ start: 0, end: 6000 }, { start: 7000, end: 8000 }, { start: 9000, end: 10_000 }],
      [{ start: 6000, end: 7000 }, { start: 8000, end: 9000 }],
    ]);
  });

  it("converges when a document keeps stale ranges after its weights were edited: applying it twice changes nothing the second time", () => {
    const first = plan({ experiments: [{ key: "e", variants: twoVariants(50, 50) }] }).document;
    const edited = { experiments: [{ ...first.experiments[0]!, variants: first.experiments[0]!.variants.map((v, i) => ({ ...v, weight: i === 0 ? 90 : 10 })) }] };
    const once = plan(edited, first);
    expect(once.slotsMoved).toBe(4000);
    const twice = plan(edited, once.document);
    expect(twice.changes).toEqual([]);
    expect(twice.document).toEqual(once.document);
  });

  it("takes ranges set directly (001 style) as written, on a new server and again on the same one", () => {
    const written = { key: "e", variants: twoVariants(1, 1).map((v, i) => ({ ...v, vid: 10 + i })), slots: [{ start: 0, end: 100 }], ranges: [{ start: 0, end: 90, vid: 10 }, { start: 90, end: 100, vid: 11 }] };
    const created = plan({ experiments: [written] });
    expect(created.document.experiments[0]).toMatchObject({ traffic: 100, slots: written.slots, ranges: written.ranges });
    expect(plan({ experiments: [written] }, created.document).changes).toEqual([]);
    const moved = plan({ experiments: [{ ...written, ranges: [{ start: 0, end: 50, vid: 10 }, { start: 50, end: 100, vid: 11 }] }] }, created.document);
    expect(moved.slotsMoved).toBe(40);
  });
});

describe("what never changes", () => {
  const base = plan({ layers: [{ ...layer, salt: "s1", hashKey: "device" }], experiments: [{ key: "e", layer: "l", traffic: 100, state: "CONCLUDED", winner: "a", variants: twoVariants(1, 1) }] }).document;

  it("keeps a layer's salt and hash key when left out, and refuses to change them", () => {
    expect(plan({ layers: [layer], experiments: base.experiments }, base).document.layers[0]).toMatchObject({ salt: "s1", hashKey: "device" });
    expect(refusal(() => plan({ layers: [{ ...layer, salt: "s2" }] }, base))).toEqual({ code: "CONFLICT", field: "document.layers[0].salt" });
  });

  it("keeps vids, refuses a vid changed, and numbers new variants above every vid in use or named", () => {
    const e = base.experiments[0]!;
    expect(refusal(() => plan({ experiments: [{ ...e, variants: [{ ...e.variants[0], vid: 99 }, e.variants[1]] }] }, base))).toEqual({ code: "BAD_USER_INPUT", field: "document.experiments[0].variants[0].vid" });
    const next = plan({ experiments: [e, { key: "f", variants: [{ key: "x", weight: 1 }, { key: "y", weight: 1, vid: 50 }] }] }, base).document;
    expect(next.experiments[1]!.variants.map((v) => v.vid)).toEqual([51, 50]);
  });

  it("refuses variants changed on a concluded experiment, a layer changed, and a state moved back", () => {
    const e = base.experiments[0]!;
    expect(refusal(() => plan({ experiments: [{ ...e, slots: undefined, ranges: undefined, variants: twoVariants(3, 1) }] }, base))).toEqual({ code: "NOT_RUNNING", field: "document.experiments[0].variants" });
    expect(refusal(() => plan({ layers: [layer, { key: "m", services: [] }], experiments: [{ ...e, layer: "m" }] }, base))).toEqual({ code: "CONFLICT", field: "document.experiments[0].layer" });
    expect(refusal(() => plan({ experiments: [{ ...e, state: "DRAFT", winner: null }] }, base))).toEqual({ code: "CONFLICT", field: "document.experiments[0].state" });
  });
});

describe("prune", () => {
  it("archives unlisted experiments and flags (an explicit layer gets its slots back) and disables unlisted layers", () => {
    const base = plan({
      layers: [layer, { key: "old", services: [] }],
      experiments: [{ key: "e", layer: "l", traffic: 100, state: "RUNNING", variants: twoVariants(1, 1) }, { key: "own", variants: twoVariants(1, 1) }],
      flags: [{ key: "f" }],
    }).document;
    const pruned = plan({ layers: [layer] }, base, true);
    expect(pruned.changes.map((c) => `${c.action} ${c.kind} ${c.key}`)).toEqual(["DELETE layer old", "DELETE experiment e", "DELETE experiment own", "DELETE flag f"]);
    expect(pruned.document.experiments.find((e) => e.key === "e")).toMatchObject({ state: "ARCHIVED", traffic: 0, slots: [], ranges: [] });
    expect(pruned.document.experiments.find((e) => e.key === "own")).toMatchObject({ state: "ARCHIVED", traffic: 10_000 });
    expect(pruned.document.layers.find((l) => l.key === "old")!.enabled).toBe(false);
    expect(pruned.document.flags[0]!.archived).toBe(true);
    expect(plan({ layers: [layer] }, base, false).changes).toEqual([]);
  });
});

describe("one key space", () => {
  it("refuses a key naming two kinds of thing, at the path of the one listed later", () => {
    expect(refusal(() => plan({ experiments: [{ key: "k", variants: twoVariants(1, 1) }], flags: [{ key: "k" }] }))).toEqual({ code: "CONFLICT", field: "document.flags[0].key" });
    expect(refusal(() => plan({ experiments: [{ key: "k", variants: twoVariants(1, 1) }, { key: "k", variants: twoVariants(1, 1) }] }))).toEqual({ code: "BAD_USER_INPUT", field: "document.experiments[1].key" });
  });
});

describe("file mode on a database: the files decide", () => {
  it("brings back what a deleted file archived, lets states and salts move, and still keeps vids", () => {
    const base = plan({ layers: [{ ...layer, salt: "s1" }], experiments: [{ key: "e", layer: "l", traffic: 100, state: "RUNNING", variants: twoVariants(1, 1) }] }).document;
    const archived = planImport(base, { format: FORMAT, layers: [layer] } as never, { prune: true, filesDecide: true }).document;
    expect(archived.experiments[0]!.state).toBe("ARCHIVED");
    const files = { format: FORMAT, layers: [{ ...layer, salt: "s2" }], experiments: [{ key: "e", layer: "l", traffic: 100, state: "DRAFT", variants: twoVariants(1, 1) }] };
    expect(refusal(() => planImport(archived, files as never, { prune: true }))).toEqual({ code: "CONFLICT", field: "document.layers[0].salt" });
    const back = planImport(archived, files as never, { prune: true, filesDecide: true }).document;
    expect(back.experiments[0]).toMatchObject({ state: "DRAFT", traffic: 100 });
    expect(back.layers[0]!.salt).toBe("s2");
    const renumbered = { ...files, experiments: [{ ...files.experiments[0], variants: [{ key: "a", weight: 1, vid: 7 }, { key: "b", weight: 1 }] }] };
    expect(refusal(() => planImport(back, renumbered as never, { prune: true, filesDecide: true }))).toEqual({ code: "BAD_USER_INPUT", field: "document.experiments[0].variants[0].vid" });
  });
});
