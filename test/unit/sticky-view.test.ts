// StickyView: what a request knows of stored assignments, and what it remembers as misses for later requests.

import { BoundedPairMap } from "../../src/services/bounded-pair-map";
import { RecentMisses } from "../../src/services/recent-misses";
import { StickyView } from "../../src/services/sticky-view";

let misses: RecentMisses;
beforeEach(() => (misses = new RecentMisses(60_000)));
afterEach(() => misses.close());

it("asks for what it does not know, then answers from what one batch load found", () => {
  const view = new StickyView(new BoundedPairMap<number>(10), misses);
  expect([view.sticky("e1", "a"), view.sticky("e2", "a"), view.sticky("e1", "a")]).toEqual([undefined, undefined, undefined]);
  expect(view.pending).toEqual([{ experiment: "e1", actor: "a" }, { experiment: "e2", actor: "a" }]);
  view.learn(view.pending, [{ experiment: "e1", actor: "a", vid: 7 }]);
  expect([view.sticky("e1", "a"), view.sticky("e2", "a"), view.pending]).toEqual([7, null, []]);
});

it("remembers as misses only the pairs without a row: a found one, gone from the cache, is asked for again", () => {
  const first = new StickyView(new BoundedPairMap<number>(10), misses);
  first.sticky("e1", "a");
  first.sticky("e2", "a");
  first.learn(first.pending, [{ experiment: "e1", actor: "a", vid: 7 }]);
  // A later request whose cache no longer holds the found row (evicted, or another instance's cache).
  const later = new StickyView(new BoundedPairMap<number>(10), misses);
  expect([later.sticky("e1", "a"), later.sticky("e2", "a")]).toEqual([undefined, null]);
  expect(later.pending).toEqual([{ experiment: "e1", actor: "a" }]);
});
