// BoundedPairMap: a memory-bounded map keyed by (experiment, actor), forgetting the least recently used half.

/**
 * Two generations of nested maps: hits in the old generation are promoted, and when the
 * young one fills up (capacity / 2 entries) the old one is dropped whole. O(1), no key
 * concatenation on the hot path, and at most `capacity` entries held.
 */
export class BoundedPairMap<V> {
  private young = new Map<string, Map<string, V>>();
  private old = new Map<string, Map<string, V>>();
  private youngSize = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 2) throw new RangeError("capacity must be an integer ≥ 2");
  }

  get(a: string, b: string): V | undefined {
    const hit = this.young.get(a)?.get(b);
    if (hit !== undefined) return hit;
    const aged = this.old.get(a)?.get(b);
    if (aged !== undefined) this.set(a, b, aged);
    return aged;
  }

  set(a: string, b: string, value: V): void {
    let inner = this.young.get(a);
    if (inner === undefined) {
      inner = new Map();
      this.young.set(a, inner);
    }
    if (!inner.has(b)) {
      if (this.youngSize >= this.capacity / 2) {
        this.old = this.young;
        this.young = new Map([[a, (inner = new Map())]]);
        this.youngSize = 0;
      }
      this.youngSize++;
    }
    inner.set(b, value);
  }
}
