// In-process timing of one contender: calibrated batches, nanoseconds per operation, results kept alive.

import { elapsedNs, now } from "../stats";

/** Contexts are cycled through this many distinct ones, so no cache can hold the answer by accident. */
export const CONTEXT_COUNT = 4096;
export const CONTEXT_MASK = CONTEXT_COUNT - 1;

export interface Contender {
  readonly name: string;
  /**
   * Decides `ops` times for contexts offset, offset+1, … (mod CONTEXT_COUNT) and returns a checksum of the answers.
   * Each contender owns its loop so every call site stays monomorphic, as it would be in a real caller.
   */
  run(ops: number, offset: number): number;
}

/** Every checksum lands here and is printed at the end: the optimizer cannot prove any decision unused. */
let sink = 0;
export const checksum = (): number => sink;

export interface Calibrated {
  readonly contender: Contender;
  /** Operations per batch, so that one batch takes about `batchMs` and the timer's cost is negligible. */
  readonly batch: number;
  offset: number;
}

/** Warms the contender up (JIT tiers) and sizes its batches. */
export function calibrate(contender: Contender, warmupMs: number, batchMs = 10): Calibrated {
  let ops = 64;
  let offset = 0;
  const started = now();
  let nsPerOp = Number.POSITIVE_INFINITY;
  // Double the batch until one takes a measurable time, then keep running until the warm-up time is spent.
  while (elapsedNs(started) < warmupMs * 1e6 || !Number.isFinite(nsPerOp)) {
    const t = now();
    sink = (sink + contender.run(ops, offset)) | 0;
    const ns = elapsedNs(t);
    offset = (offset + ops) & CONTEXT_MASK;
    if (ns > 1e6) nsPerOp = ns / ops;
    if (ns < batchMs * 1e6 / 2) ops *= 2;
  }
  return { contender, batch: Math.max(1, Math.round((batchMs * 1e6) / nsPerOp)), offset };
}

/** One sample: whole batches until at least `sampleMs` have passed; ns per operation over all of them. */
export function sample(c: Calibrated, sampleMs: number): number {
  const limit = sampleMs * 1e6;
  let ops = 0;
  let acc = 0;
  const started = now();
  let ns = 0;
  do {
    acc = (acc + c.contender.run(c.batch, c.offset)) | 0;
    c.offset = (c.offset + c.batch) & CONTEXT_MASK;
    ops += c.batch;
    ns = elapsedNs(started);
  } while (ns < limit);
  sink = (sink + acc) | 0;
  return ns / ops;
}
