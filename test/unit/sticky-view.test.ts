// StickyView: what a request knows of stored assignments, and what it leaves in ActorMemory for later requests.

import type { CompiledExperiment } from "../../src/engine/snapshot";
import { ActorMemory } from "../../src/services/actor-memory";
import { StickyView } from "../../src/services/sticky-view";

const NO_GROUPS: ReadonlyMap<string, readonly string[]> = new Map();

it("asks for what it does not know, then answers from what one batch load found", () => {
  const view = new StickyView(new ActorMemory(1_000, Infinity), NO_GROUPS);
  expect([view.sticky("e1", "a"), view.sticky("e2", "a"), view.sticky("e1", "a")]).toEqual([undefined, undefined, undefined]);
  expect(view.pending).toEqual([{ experiment: "e1", actor: "a" }, { experiment: "e2", actor: "a" }]);
  view.learn(view.pending, [{ experiment: "e1", actor: "a", vid: 7 }], Date.now());
  expect([view.sticky("e1", "a"), view.sticky("e2", "a"), view.pending]).toEqual([7, null, []]);
});

it("leaves found rows and absent ones in memory: a later request asks for neither", () => {
  const memory = new ActorMemory(1_000, Infinity);
  const first = new StickyView(memory, NO_GROUPS);
  first.sticky("e1", "a");
  first.sticky("e2", "a");
  first.learn(first.pending, [{ experiment: "e1", actor: "a", vid: 7 }], Date.now());
  const later = new StickyView(memory, NO_GROUPS);
  expect([later.sticky("e1", "a"), later.sticky("e2", "a"), later.sticky("e1", "b")]).toEqual([7, null, undefined]);
  expect(later.pending).toEqual([{ experiment: "e1", actor: "b" }]);
});

it("believes an absent row for absenceTtlMs after it was asked, then asks again", () => {
  // A minute's TTL: "a" is well inside it and "b" just past it, whatever pauses the machine takes.
  const memory = new ActorMemory(1_000, 60_000);
  memory.rememberAbsent("e1", "a", Date.now() - 1_000);
  memory.rememberAbsent("e1", "b", Date.now() - 60_001);
  const view = new StickyView(memory, NO_GROUPS);
  expect([view.sticky("e1", "a"), view.sticky("e1", "b")]).toEqual([null, undefined]);
  expect(view.pending).toEqual([{ experiment: "e1", actor: "b" }]);
});

it("sees what another request stored for its actor while it waited for its batch load", () => {
  const memory = new ActorMemory(1_000, Infinity);
  const view = new StickyView(memory, NO_GROUPS);
  expect(view.sticky("e1", "a")).toBeUndefined(); // nothing known of "a": asked for
  memory.rememberStored("e2", "a", 4); // meanwhile, another request stores a row for "a"
  view.learn(view.pending, [], Date.now());
  expect([view.sticky("e1", "a"), view.sticky("e2", "a"), view.pending]).toEqual([null, 4, []]);
});

it("holds an actor by group through the snapshot's index: another member's stored row counts, its own and other groups' do not", () => {
  const memory = new ActorMemory(1_000, Infinity);
  memory.rememberStored("e1", "a", 1);
  memory.rememberStored("f1", "b", 2);
  memory.rememberStored("e2", "c", 3);
  const groups = new Map([["g", ["e1", "e2"]], ["h", ["f1"]]]);
  const view = new StickyView(memory, groups);
  const member = (key: string, group: string | null) => ({ key, exclusionGroup: group }) as CompiledExperiment;
  expect([
    view.heldByGroup(member("e2", "g"), "a"), // e1 holds "a"
    view.heldByGroup(member("e1", "g"), "a"), // only its own row
    view.heldByGroup(member("e1", "g"), "b"), // held in group h, not g
    view.heldByGroup(member("e1", null), "c"),
  ]).toEqual([true, false, false, false]);
});
