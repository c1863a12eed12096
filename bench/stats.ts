// Robust summaries of noisy samples and the alternating schedule that makes ratios fair on a noisy machine.

/** Monotonic nanoseconds (process.hrtime.bigint: no clock steps, no float rounding). */
export const now = (): bigint => process.hrtime.bigint();

export const elapsedNs = (since: bigint): number => Number(process.hrtime.bigint() - since);

/** Medians, not means: one GC pause or a noisy neighbour in one sample must not move a result. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Nearest-rank percentile (p in [0, 100]) of values already sorted ascending. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** A growable float buffer: latencies arrive by the hundred thousand and must not cost the load generator much. */
export class Samples {
  private data = new Float64Array(1 << 16);
  private size = 0;

  push(value: number): void {
    if (this.size === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.size++] = value;
  }

  get count(): number {
    return this.size;
  }

  percentile(p: number): number {
    return percentileOfSorted(this.data.slice(0, this.size).sort(), p);
  }
}

/**
 * Runs every contender once per round, A, B, C, A, B, C…, so slow phases of the machine hit all of them alike.
 * The starting contender rotates each round so none is always the one measured right after a pause.
 */
export async function alternate<T>(
  names: readonly string[],
  rounds: number,
  measure: (name: string, round: number) => Promise<T> | T,
): Promise<Map<string, T[]>> {
  const results = new Map<string, T[]>(names.map((n) => [n, []]));
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length];
      results.get(name)!.push(await measure(name, round));
    }
  }
  return results;
}
