// An import of the configuration as it is changes nothing (SPEC §15), also when an experiment's ranges are
// not the split its weights would give (setLayerRanges writes any split).

import { CONFIG_FORMAT, type ConfigDocument, type DocumentExperiment } from "../../src/engine/config-document";
import { planImport } from "../../src/engine/config-plan";

/** Traffic 1,000 at 50/50, served 100 / 900 as setLayerRanges left it. */
const RANGED: DocumentExperiment = {
  key: "e",
  description: null,
  services: [],
  layer: "l",
  state: "RUNNING",
  winner: null,
  exclusionGroup: null,
  rule: null,
  traffic: 1000,
  slots: [{ start: 0, end: 1000 }],
  ranges: [
    { start: 0, end: 100, vid: 1 },
    { start: 100, end: 1000, vid: 2 },
  ],
  variants: [
    { key: "control", vid: 1, weight: 50, params: {} },
    { key: "treatment", vid: 2, weight: 50, params: {} },
  ],
  overrides: [],
};

const CURRENT: ConfigDocument = {
  format: CONFIG_FORMAT,
  layers: [{ key: "l", description: null, priority: 0, services: ["web"], hashKey: "user_id", salt: "l", enabled: true, defaultParams: {} }],
  experiments: [RANGED],
  flags: [],
};

it("the exported document imported again moves no slot", () => {
  const plan = planImport(CURRENT, CURRENT, { prune: false });
  expect({ changes: plan.changes, slotsMoved: plan.slotsMoved }).toEqual({ changes: [], slotsMoved: 0 });
  expect(plan.document).toEqual(CURRENT);
});

it("a document without slots, asking the same weights and traffic, moves no slot either", () => {
  const { slots: _slots, ranges: _ranges, ...placementLeftOut } = RANGED;
  const plan = planImport(CURRENT, { ...CURRENT, experiments: [placementLeftOut] }, { prune: false });
  expect({ changes: plan.changes, slotsMoved: plan.slotsMoved }).toEqual({ changes: [], slotsMoved: 0 });
});

it("new weights over a stale copy of the slots still move slots, as few as setWeights would", () => {
  const reweighted = { ...RANGED, variants: [RANGED.variants[0]!, { ...RANGED.variants[1]!, weight: 150 }] };
  const plan = planImport(CURRENT, { ...CURRENT, experiments: [reweighted] }, { prune: false });
  // 100 of 1,000 slots serve control now; 25/75 wants 250: 150 move from treatment to control.
  expect(plan.slotsMoved).toBe(150);
});
