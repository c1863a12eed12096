// The engine rows: Tessera's decideService against the floor and GrowthBook, in process, alternating.

import xxhash from "xxhash-wasm";
import type { BenchOptions } from "../cli";
import { log } from "../children";
import { makeRow, measure, missing, type Row } from "../report";
import { alternate } from "../stats";
import { type BenchContext, makeContexts, ruleHolds } from "../workload";
import { layeredState } from "./config-state";
import { floorContender, floorDecide } from "./floor";
import { growthbookContender } from "./growthbook";
import { calibrate, checksum, CONTEXT_COUNT, type Contender, sample } from "./sampler";

type TesseraModule = typeof import("./tessera");

/**
 * Loaded on demand, not imported: the engine API may still be missing or broken while it is being written,
 * and then only the Tessera rows should fail, not the whole run.
 */
function loadTessera(): TesseraModule | Error {
  try {
    return require("./tessera") as TesseraModule;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** Arms 0 and 1 get 45–55 % each of the contexts the rule admits, nobody else is in: it really buckets. */
function checkSplit(name: string, contexts: readonly BenchContext[], arm: (i: number) => number): string | null {
  const counts = [0, 0];
  let eligible = 0;
  for (let i = 0; i < contexts.length; i++) {
    const a = arm(i);
    if (!ruleHolds(contexts[i])) {
      if (a !== -1) return `${name}: context ${i} fails the rule but is in arm ${a}`;
      continue;
    }
    if (a !== 0 && a !== 1) return `${name}: context ${i} passes the rule but is in no arm`;
    eligible++;
    counts[a]++;
  }
  const shares = counts.map((c) => c / eligible);
  const off = shares.findIndex((s) => s < 0.45 || s > 0.55);
  return off === -1 ? null : `${name}: arm ${off} got ${(shares[off] * 100).toFixed(1)} % of the eligible contexts`;
}

/** Engine answers must agree with the floor on every context (same salt, same ranges): a cheap correctness check. */
function checkTessera(tessera: TesseraModule, contexts: readonly BenchContext[], h32: (s: string) => number): string | null {
  const one = tessera.compile(layeredState(1), tessera.hasherOf(h32));
  for (let i = 0; i < contexts.length; i++) {
    const want = floorDecide(contexts[i], h32, "bench_l0");
    const got = tessera.decide(one, contexts[i]).vids[0] ?? 0;
    if (got !== want) return `engine 1 exp: context ${i} got vid ${got}, the floor says ${want}`;
  }
  const ten = tessera.compile(layeredState(10), tessera.hasherOf(h32));
  for (let i = 0; i < 64; i++) {
    const d = tessera.decide(ten, contexts[i]);
    const want = ruleHolds(contexts[i]) ? 10 : 0;
    if (d.experiments.length !== want) return `engine 10 layers: context ${i} is in ${d.experiments.length} experiments, expected ${want}`;
  }
  return null;
}

export async function engineRows(options: BenchOptions): Promise<Row[]> {
  const { h32 } = await xxhash();
  const contexts = makeContexts(CONTEXT_COUNT);
  const warmupMs = options.quick ? 150 : 500;
  const sampleMs = options.quick ? 100 : 300;
  const rounds = options.quick ? 3 : 7;

  const floor = floorContender(contexts, h32, "bench_l0");
  const growthbook = growthbookContender(contexts);
  const badSplit =
    checkSplit("floor", contexts, (i) => floorDecide(contexts[i], h32, "bench_l0") - 1) ??
    checkSplit("GrowthBook", contexts, growthbook.variationOf);
  if (badSplit) throw new Error(`a baseline does not bucket as configured: ${badSplit}`);

  const contenders: Contender[] = [floor, growthbook];
  const tessera = loadTessera();
  let tesseraFailure: string | null = null;
  if (tessera instanceof Error) {
    tesseraFailure = `the Tessera engine could not be loaded: ${tessera.message.split("\n")[0]}`;
  } else {
    try {
      tesseraFailure = checkTessera(tessera, contexts, h32);
      for (const n of [1, 10, 100]) {
        contenders.push(tessera.tesseraContender(`engine ${n === 1 ? "1 exp" : `${n} layers`}`, layeredState(n), contexts, h32));
      }
    } catch (error) {
      tesseraFailure = `the Tessera engine threw: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  if (tesseraFailure) log(tesseraFailure);

  log(`engine: warming up ${contenders.map((c) => c.name).join(", ")} (${warmupMs} ms each)`);
  const calibrated = new Map(contenders.map((c) => [c.name, calibrate(c, warmupMs)]));
  log(`engine: ${rounds} rounds × ${contenders.length} contenders × ${sampleMs} ms`);
  const samples = await alternate([...calibrated.keys()], rounds, (name) => sample(calibrated.get(name)!, sampleMs));
  log(`engine: checksum ${checksum()}`);

  const m = (name: string) => {
    const s = samples.get(name);
    return s ? measure(name, s, "ns/op") : missing(name, "ns/op");
  };
  const floorM = m("floor");
  const rows: Row[] = [
    makeRow({ name: "engine 1 exp vs floor", value: m("engine 1 exp"), baseline: floorM, target: { cmp: "<=", bound: 1.5 }, failure: tesseraFailure }),
    makeRow({
      name: "GrowthBook vs engine 1 exp",
      value: m("GrowthBook"),
      baseline: m("engine 1 exp"),
      target: { cmp: ">=", bound: 5 },
      failure: tesseraFailure,
      notes: ["GrowthBookClient.evalFeature ns/op over engine ns/op: the engine must be ≥ 5× faster"],
    }),
    makeRow({ name: "engine 10 layers vs floor", value: m("engine 10 layers"), baseline: floorM, target: { cmp: "<=", bound: 15 }, failure: tesseraFailure }),
    makeRow({ name: "engine 100 layers vs floor", value: m("engine 100 layers"), baseline: floorM, target: { cmp: "<=", bound: 150 }, failure: tesseraFailure }),
  ];
  return rows;
}
