// GroupCommit: one write in flight; what arrives meanwhile goes in the next write; each caller hears of its own item.

import { GroupCommit } from "../../src/services/group-commit";

/** A write the test completes by hand, recording each group it was given. */
function manualWrite() {
  const groups: number[][] = [];
  const pending: Array<{ resolve: (outcomes: unknown[]) => void; reject: (e: unknown) => void }> = [];
  const write = (items: readonly number[]) =>
    new Promise<unknown[]>((resolve, reject) => {
      groups.push([...items]);
      pending.push({ resolve, reject });
    });
  return { groups, pending, write };
}

const turn = () => new Promise((r) => setImmediate(r));

it("items arriving while a write is in flight go together in the next write, once it finishes", async () => {
  const w = manualWrite();
  const commit = new GroupCommit<number>(w.write, 100);
  const settled: number[] = [];
  const add = (n: number) => commit.add(n).then(() => settled.push(n));
  void add(1);
  void add(2);
  await turn();
  expect(w.groups).toEqual([[1, 2]]);
  for (const n of [3, 4, 5]) void add(n);
  await turn();
  expect(w.groups).toEqual([[1, 2]]);
  w.pending[0]!.resolve([]);
  await turn();
  expect(settled).toEqual([1, 2]);
  expect(w.groups).toEqual([[1, 2], [3, 4, 5]]);
  w.pending[1]!.resolve([]);
  await commit.idle();
  expect(settled).toEqual([1, 2, 3, 4, 5]);
});

it("a failed write fails its own group only; a refused item fails alone", async () => {
  const w = manualWrite();
  const commit = new GroupCommit<number>(w.write, 100);
  const first = [commit.add(1), commit.add(2)].map((p) => p.then(() => "stored", (e: Error) => e.message));
  await turn();
  const second = [commit.add(3), commit.add(4)].map((p) => p.then(() => "stored", (e: Error) => e.message));
  w.pending[0]!.reject(new Error("unreachable"));
  await turn();
  w.pending[1]!.resolve([undefined, new Error("refused")]);
  expect(await Promise.all([...first, ...second])).toEqual(["unreachable", "unreachable", "stored", "refused"]);
});

it("a group holds at most maxGroup items", async () => {
  const w = manualWrite();
  const commit = new GroupCommit<number>(w.write, 2);
  const all = [1, 2, 3, 4, 5].map((n) => commit.add(n));
  await turn();
  while (w.pending.length < 3) {
    w.pending[w.pending.length - 1]!.resolve([]);
    await turn();
  }
  w.pending[2]!.resolve([]);
  await Promise.all(all);
  expect(w.groups).toEqual([[1, 2], [3, 4], [5]]);
});
