// `$bucketing_id` for layers (SPEC §16, last paragraph): it replaces the actor in the slot, and nowhere else;
// a context without it keeps every slot it had (the golden vectors, decided through a whole snapshot).

import xxhash from "xxhash-wasm";
import { splitContiguous, WHOLE_LAYER } from "../../src/engine/allocation";
import { type ActorLookups, decideService, NO_STICKY } from "../../src/engine/decide";
import { decideExperiment } from "../../src/engine/single-decision";
import { SlotHasher } from "../../src/engine/slot-hasher";
import { compileSnapshot, type OverrideRow, type Snapshot } from "../../src/engine/snapshot";
import type { Experiment, Hash32, JsonObject, Layer, Variant } from "../../src/engine/types";
import { loadSlotOf, type SlotOf } from "../helpers/slots";
import { cases } from "./cases";

let h32: Hash32;
let hasher: SlotHasher;
let slotOf: SlotOf;
beforeAll(async () => {
  h32 = (await xxhash()).h32;
  hasher = new SlotHasher(h32);
  slotOf = await loadSlotOf();
});

/** Ten variants of 1,000 slots each: the variant tells the slot's thousand, so a moved slot shows. */
const VARIANTS: Variant[] = Array.from({ length: 10 }, (_, i) => ({ key: `v${i}`, vid: i + 1, weight: 1, params: { v: i } }));

function layer(salt: string): Layer {
  return { key: "l", description: null, priority: 0, services: ["web"], hashKey: "user_id", salt, hashVersion: 1, enabled: true, defaultParams: {}, implicit: false };
}

function experiment(): Experiment {
  return {
    key: "e", description: null, services: ["web"], layer: "l", state: "RUNNING", variants: VARIANTS, winner: null, exclusionGroup: null,
    rule: null, slots: WHOLE_LAYER, ranges: splitContiguous(WHOLE_LAYER, VARIANTS), version: 1, createdAt: new Date(0), updatedAt: new Date(0),
  };
}

function snapshot(salt: string, overrides: OverrideRow[] = []): Snapshot {
  return compileSnapshot({ version: 1, layers: [layer(salt)], experiments: [experiment()], overrides, flags: [], forced: [] }, hasher);
}

function decided(s: Snapshot, context: JsonObject, lookups: ActorLookups = NO_STICKY, explain = false) {
  const d = decideService(s, "web", context, lookups, explain);
  expect(d.experiments).toHaveLength(1);
  return { ...d, e: d.experiments[0]! };
}

describe("a context without $bucketing_id keeps its slots", () => {
  const named = () => cases.slot.filter((c) => c.actor !== "");
  it.each(cases.slot.filter((c) => c.actor !== "").map((c) => [c.salt, c.actor, c.slot] as const))("decide: salt %j, actor %j → slot %i", (salt, actor, slot) => {
    const d = decided(snapshot(salt), { user_id: actor });
    expect(d.e.slot).toBe(slot);
    expect(d.e.variant).toBe(`v${Math.floor(slot / 1000)}`);
  });

  it("assign (decideExperiment) too", () => {
    for (const c of named()) {
      const outcome = decideExperiment({
        experiment: experiment(), layer: layer(c.salt), actor: c.actor, context: { user_id: c.actor }, h32,
        facts: { override: null, sticky: null, heldByGroup: false },
      });
      expect(outcome.slot).toBe(c.slot);
    }
  });
});

describe("a string $bucketing_id replaces the actor in the slot", () => {
  it("the slot is the bucketing id's, the actor stays the identity", () => {
    const d = decided(snapshot("checkout_v2"), { user_id: "user:1", $bucketing_id: "user:100" });
    const slot = slotOf("checkout_v2", "user:100");
    expect(slot).not.toBe(1746);
    expect(d.e).toMatchObject({ slot, actor: "user:1", variant: `v${Math.floor(slot / 1000)}`, source: "BUCKET" });
  });

  it("actors sharing a bucketing id share the slot", () => {
    const s = snapshot("search_ranking");
    const slots = ["u1", "u2", "u3", "someone else"].map((user_id) => decided(s, { user_id, $bucketing_id: "household-7" }).e.slot);
    expect(new Set(slots)).toEqual(new Set([slotOf("search_ranking", "household-7")]));
  });

  it("a non-ASCII or long bucketing id is hashed as its UTF-8 bytes, as actors are", () => {
    const long = "x".repeat(300);
    for (const id of ["ünïcødé", "🚀rocket", long]) {
      expect(decided(snapshot("exp_1"), { user_id: "u1", $bucketing_id: id }).e.slot).toBe(slotOf("exp_1", id));
    }
  });

  it.each<[string, JsonObject]>([
    ["a number", { $bucketing_id: 42 }],
    ["an empty string", { $bucketing_id: "" }],
    ["null", { $bucketing_id: null }],
    ["an object", { $bucketing_id: { id: "user:100" } }],
  ])("%s is ignored: the actor is hashed", (_name, extra) => {
    expect(decided(snapshot("checkout_v2"), { user_id: "user:1", ...extra }).e.slot).toBe(1746);
  });

  it("without an actor there is no decision, bucketing id or not", () => {
    expect(decideService(snapshot("checkout_v2"), "web", { $bucketing_id: "user:100" }, NO_STICKY, false).experiments).toEqual([]);
  });

  it("overrides are the actor's, not the bucketing id's", () => {
    const s = snapshot("checkout_v2", [{ experiment: "e", actor: "user:1", variant: "v9" }, { experiment: "e", actor: "user:100", variant: "v0" }]);
    expect(decided(s, { user_id: "user:1", $bucketing_id: "user:100" }).e).toMatchObject({ variant: "v9", source: "OVERRIDE" });
    const free = decided(s, { user_id: "user:2", $bucketing_id: "user:100" }).e;
    expect(free).toMatchObject({ source: "BUCKET", slot: slotOf("checkout_v2", "user:100") });
  });

  it("stored assignments are looked up for the actor", () => {
    const asked: string[] = [];
    const lookups: ActorLookups = { sticky: (_e, actor) => (asked.push(actor), actor === "user:1" ? 3 : null), heldByGroup: () => false };
    const d = decided(snapshot("checkout_v2"), { user_id: "user:1", $bucketing_id: "user:100" }, lookups);
    expect(asked).toEqual(["user:1"]);
    expect(d.e).toMatchObject({ variant: "v2", source: "STICKY" });
  });

  it("explain names the bucketing id", () => {
    const d = decided(snapshot("checkout_v2"), { user_id: "user:1", $bucketing_id: "user:100" }, NO_STICKY, true);
    expect(d.reasons!.join("\n")).toContain(`actor "user:1" (bucketing id "user:100") falls in slot ${slotOf("checkout_v2", "user:100")}`);
  });

  it("assign (decideExperiment) hashes the bucketing id too", () => {
    const outcome = decideExperiment({
      experiment: experiment(), layer: layer("checkout_v2"), actor: "user:1", context: { user_id: "user:1", $bucketing_id: "user:100" }, h32,
      facts: { override: null, sticky: null, heldByGroup: false },
    });
    expect(outcome.slot).toBe(slotOf("checkout_v2", "user:100"));
  });
});
