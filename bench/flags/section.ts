// The flags rows (SPEC §11, §16): decideFlag over 10 flags × 3 rules in process, against the floor and
// GrowthBook, then decideFlags over HTTP against bare node:http.

import xxhash from "xxhash-wasm";
import type { BenchOptions } from "../cli";
import { log } from "../children";
import { calibrate, checksum, CONTEXT_COUNT, type Contender, sample } from "../engine/sampler";
import { makeRow, measure, missing, type Row } from "../report";
import { alternate } from "../stats";
import { makeContexts } from "../workload";
import { checkAgainstFloor, checkGrowthBook, floorFlagsContender, floorH32FlagsContender, growthbookFlagsContender, tesseraFlagsContender } from "./contenders";
import { flagsHttpRows } from "./http";
import { flagSpecs } from "./workload";

async function inProcessRows(options: BenchOptions): Promise<Row[]> {
  const { h32 } = await xxhash();
  const contexts = makeContexts(CONTEXT_COUNT);
  const specs = flagSpecs();
  const warmupMs = options.quick ? 150 : 500;
  const sampleMs = options.quick ? 100 : 300;
  const rounds = options.quick ? 3 : 7;

  const floor = floorFlagsContender(specs, contexts, h32);
  const growthbook = growthbookFlagsContender(specs, contexts);
  const badBaseline = checkGrowthBook(growthbook, specs, contexts, h32);
  if (badBaseline) throw new Error(`GrowthBook does not serve the rules as configured: ${badBaseline}`);
  const contenders: Contender[] = [floor, floorH32FlagsContender(specs, contexts, h32), growthbook];
  let failure: string | null = null;
  try {
    failure = checkAgainstFloor(specs, contexts, h32);
    contenders.push(tesseraFlagsContender(specs, contexts, h32));
  } catch (error) {
    failure = `the flag engine threw: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (failure) log(`flags: ${failure}`);

  log(`flags: warming up ${contenders.map((c) => c.name).join(", ")} (${warmupMs} ms each)`);
  const calibrated = new Map(contenders.map((c) => [c.name, calibrate(c, warmupMs)]));
  log(`flags: ${rounds} rounds × ${contenders.length} contenders × ${sampleMs} ms`);
  const samples = await alternate([...calibrated.keys()], rounds, (name) => sample(calibrated.get(name)!, sampleMs));
  log(`flags: checksum ${checksum()}`);

  const m = (name: string) => {
    const s = samples.get(name);
    return s ? measure(name, s, "ns/op") : missing(name, "ns/op");
  };
  const perOp = "one op = the 10 flags decided for one context (no explain), 4,096 contexts cycled";
  return [
    makeRow({
      name: "decideFlags 10×3 in process vs floor",
      value: m("decideFlag ×10"),
      baseline: m("flags floor"),
      // SPEC §11 sets no in-process bound for flags. Measured 1.40–1.50× here: the floor inlines its audiences as
      // two comparisons, where the engine runs SPEC §4 rules (typed, coerced); with the engine's compiled audiences
      // the floor gives 1.11–1.15×. 2× leaves room for that and still catches a regression (an allocation or a
      // hash more per flag).
      target: { cmp: "<=", bound: 2 },
      failure,
      notes: [perOp, "floor: the audiences as plain code, the engine's SlotHasher for the slots (same XXH32), no hash at 0 % or 100 %"],
    }),
    makeRow({
      name: "decideFlags 10×3 vs floor hashing strings",
      value: m("decideFlag ×10"),
      baseline: m("flags floor h32 string"),
      failure,
      notes: ["record only: the same floor with xxhash-wasm h32(salt + \":\" + actor), as bench/engine's floor hashes"],
    }),
    makeRow({
      name: "GrowthBook vs decideFlags 10×3",
      value: m("GrowthBook ×10"),
      baseline: m("decideFlag ×10"),
      // SPEC §11 sets ≥ 5× for experiments; flags have no bound of their own there, the same bar is applied.
      target: { cmp: ">=", bound: 5 },
      failure,
      notes: ["10 × GrowthBookClient.evalFeature (force rules, condition + coverage) ns/op over the engine's ns/op"],
    }),
  ];
}

export async function flagsRows(options: BenchOptions): Promise<Row[]> {
  const rows = await inProcessRows(options);
  return [...rows, ...(await flagsHttpRows(options))];
}
