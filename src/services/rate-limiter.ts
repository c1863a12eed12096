// RateLimiter (SPEC §13): a token bucket per API key on this instance, `rateLimit` tokens a second
// with a second's worth of burst; a batch takes one token per decision.
// Buckets of keys idle for a minute are dropped, so memory follows the keys in use.

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms, performance.now()). */
  at: number;
}

/** The answer when tokens are short: how long until they would be there. */
export interface RateRefusal {
  readonly retryAfterSeconds: number;
}

/** Buckets of keys not seen for this long are forgotten (a full bucket holds no information). */
const IDLE_MS = 60_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private sweptAt = performance.now();

  /** Takes `cost` tokens from `keyId`'s bucket, or none when it holds fewer (a refused request costs nothing). */
  take(keyId: string, ratePerSecond: number, cost: number): RateRefusal | null {
    const now = performance.now();
    if (now - this.sweptAt > IDLE_MS) this.sweep(now);
    let bucket = this.buckets.get(keyId);
    if (bucket === undefined) {
      bucket = { tokens: ratePerSecond, at: now };
      this.buckets.set(keyId, bucket);
    } else {
      bucket.tokens = Math.min(ratePerSecond, bucket.tokens + ((now - bucket.at) * ratePerSecond) / 1000);
      bucket.at = now;
    }
    // A batch bigger than the bucket passes when the bucket is full and leaves it in debt: the
    // average stays at the rate, and no batch is refused forever.
    const needed = Math.min(cost, ratePerSecond);
    if (bucket.tokens >= needed) {
      bucket.tokens -= cost;
      return null;
    }
    return { retryAfterSeconds: Math.max(1, Math.ceil((needed - bucket.tokens) / ratePerSecond)) };
  }

  private sweep(now: number): void {
    this.sweptAt = now;
    for (const [id, bucket] of this.buckets) if (now - bucket.at > IDLE_MS) this.buckets.delete(id);
  }
}
