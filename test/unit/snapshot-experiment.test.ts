// decideSnapshotExperiment (a flag's EXPERIMENT rule) against decideService: over random configurations
// and stored assignments, an experiment asked by name is decided exactly as `decide` decides it.

import xxhash from "xxhash-wasm";
import { actorOf } from "../../src/engine/actor";
import { ExperimentDecision } from "../../src/engine/answer";
import { decideService } from "../../src/engine/decide";
import { SlotHasher, saltPrefix } from "../../src/engine/slot-hasher";
import { compileSnapshot } from "../../src/engine/snapshot";
import { decideSnapshotExperiment } from "../../src/engine/snapshot-experiment";
import type { JsonObject } from "../../src/engine/types";
import { ActorMemory } from "../../src/services/actor-memory";
import { StickyView } from "../../src/services/sticky-view";
import { ACTORS, ConfigModel, SERVICES } from "../helpers/config-model";
import { int, prng } from "../helpers/prng";

let hasher: SlotHasher;
beforeAll(async () => {
  hasher = new SlotHasher((await xxhash()).h32);
});

function contextsFor(rand: () => number): JsonObject[] {
  return Array.from({ length: 60 }, () => {
    const context: JsonObject = {
      user_id: ACTORS[int(rand, 0, ACTORS.length - 1)]!,
      device: ACTORS[int(rand, 0, ACTORS.length - 1)]!,
      country: ["US", "FR", "DE"][int(rand, 0, 2)]!,
      age: int(rand, 10, 40),
      plan: rand() < 0.5 ? "pro" : "free",
    };
    if (rand() < 0.3) context.$bucketing_id = `b${int(rand, 0, 50)}`;
    return context;
  });
}

it.each([3, 17, 41])("seed %i: every experiment decide serves is served alike by name; an experiment decide does not serve is not", (seed) => {
  const rand = prng(seed);
  const memory = new ActorMemory(1_000_000, Infinity);
  const model = new ConfigModel(
    rand,
    (e) => {
      for (const actor of ACTORS) if (rand() < 0.25) memory.rememberStored(e.key, actor, e.variants[int(rand, 0, e.variants.length - 1)]!.vid);
    },
    (salt, actor) => hasher.slot(saltPrefix(salt), actor),
  );
  let compared = 0;
  let outside = 0;
  for (let step = 0; step < 12; step++) {
    for (let i = 0; i < 5; i++) model.change();
    const snapshot = compileSnapshot(model.state(), hasher);
    const view = new StickyView(memory, snapshot.groups);
    for (const context of contextsFor(rand)) {
      for (const service of SERVICES) {
        const plan = snapshot.services.get(service);
        const served = decideService(snapshot, service, context, view, false);
        for (const layer of plan?.layers ?? []) {
          const actor = actorOf(context, layer.hashKey);
          if (actor === undefined || !layer.enabled) continue;
          const inLayer = served.experiments.find((e) => e.layer === layer.key);
          for (const exp of layer.experiments) {
            const byName = decideSnapshotExperiment(snapshot, exp.key, actor, context, view, null);
            if (inLayer !== undefined && inLayer.experiment === exp.key) {
              expect(byName).toBeInstanceOf(ExperimentDecision);
              const d = byName as ExperimentDecision;
              expect([d.variant, d.vid, d.source, d.slot, d.actor]).toEqual([inLayer.variant, inLayer.vid, inLayer.source, inLayer.slot, inLayer.actor]);
              compared++;
            } else if (exp.overrides?.get(actor) === undefined && view.sticky(exp.key, actor) == null) {
              // Not the owner decide judged (or it judged the actor out): only an override or a stored row could serve by name.
              expect(typeof byName).toBe("string");
              outside++;
            }
          }
        }
      }
    }
  }
  expect(compared).toBeGreaterThan(10);
  expect(outside).toBeGreaterThan(50);
});
