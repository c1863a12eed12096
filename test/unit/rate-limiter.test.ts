// RateLimiter (SPEC §13): the token bucket's edges the HTTP tests cannot reach in time — a batch
// bigger than the bucket, the Retry-After it gives, refusals that take nothing, separate keys.

import { RateLimiter } from "../../src/services/rate-limiter";

it("a full bucket lets `rate` requests through at once, then refuses without taking a token", () => {
  const limiter = new RateLimiter();
  for (let i = 0; i < 5; i++) expect(limiter.take("k", 5, 1)).toBeNull();
  const refused = limiter.take("k", 5, 1);
  expect(refused).toEqual({ retryAfterSeconds: 1 });
  // Other keys have buckets of their own.
  expect(limiter.take("other", 5, 1)).toBeNull();
});

it("a batch larger than the bucket passes when the bucket is full and leaves it in debt for as long as it took", () => {
  const limiter = new RateLimiter();
  expect(limiter.take("k", 10, 35)).toBeNull();
  // 35 taken from 10: 25 in debt, plus the next request's worth, at 10 a second.
  const refused = limiter.take("k", 10, 1);
  expect(refused).not.toBeNull();
  expect(refused!.retryAfterSeconds).toBeGreaterThanOrEqual(3);
  expect(refused!.retryAfterSeconds).toBeLessThanOrEqual(4);
  // A second big batch waits for a full bucket, not for its whole size.
  expect(limiter.take("k", 10, 35)!.retryAfterSeconds).toBeLessThanOrEqual(4);
});
