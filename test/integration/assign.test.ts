// The seed experiment service's assignment behaviours (000 `tests`), through GraphQL over HTTP.

import {
  ARCHIVE, ASSIGN, ASSIGNMENT, CONCLUDE, EXPOSURE_COUNTS, EXPOSURES, FIFTY_FIFTY, SET_WEIGHTS, START,
  assign, createExperiment, errorCode, ok, runningExperiment, uniqueKey,
} from "../helpers/factories";
import { actorsWhere } from "../helpers/decide-factories";
import { loadSlotOf, type SlotOf } from "../helpers/slots";
import { startTestServer, type TestServer } from "../helpers/test-server";

let server: TestServer;
let slot: SlotOf;
beforeAll(async () => {
  server = await startTestServer();
  slot = await loadSlotOf();
});
afterAll(() => server.close());

/** Runs `count` calls, `width` at a time (bounded load on the test server). */
async function inWaves<T>(count: number, width: number, call: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let start = 0; start < count; start += width) {
    const wave = Array.from({ length: Math.min(width, count - start) }, (_, j) => call(start + j));
    out.push(...(await Promise.all(wave)));
  }
  return out;
}

const variantOf = async (key: string, actor: string) => ok(await assign(server, key, actor)).assign?.variant;

describe("state checks", () => {
  it("assign of an unknown experiment is NOT_FOUND", async () => {
    expect(errorCode(await assign(server, "ghost", "user:1"))).toBe("NOT_FOUND");
  });

  it("assign of a DRAFT experiment is NOT_RUNNING", async () => {
    const key = uniqueKey();
    await createExperiment(server, { key, variants: FIFTY_FIFTY });
    expect(errorCode(await assign(server, key, "user:1"))).toBe("NOT_RUNNING");
  });

  it("assign of an ARCHIVED experiment is ARCHIVED", async () => {
    const key = uniqueKey();
    await runningExperiment(server, key);
    ok(await server.gql(ARCHIVE, { key }));
    expect(errorCode(await assign(server, key, "user:1"))).toBe("ARCHIVED");
  });

  it("a CONCLUDED experiment returns the winner to every actor and records no exposure", async () => {
    const key = uniqueKey();
    await runningExperiment(server, key);
    ok(await server.gql(CONCLUDE, { key, winner: "treatment" }));
    const variants = await inWaves(100, 20, (i) => variantOf(key, `user:${i}`));
    expect(new Set(variants)).toEqual(new Set(["treatment"]));
    const counts = ok(await server.gql(EXPOSURE_COUNTS, { experiment: key })).exposureCounts;
    expect(counts).toEqual([{ variant: "control", exposures: 0 }, { variant: "treatment", exposures: 0 }]);
  });
});

describe("bucketing", () => {
  it("serves the variant whose range holds XXH32(salt:actor) mod 10000 (50/50: control below 5000)", async () => {
    const key = uniqueKey();
    await runningExperiment(server, key);
    const actors = Array.from({ length: 100 }, (_, i) => `user:${i}`);
    const served = await inWaves(actors.length, 20, (i) => variantOf(key, actors[i]!));
    const expected = actors.map((a) => (slot(key, a) < 5000 ? "control" : "treatment"));
    expect(served).toEqual(expected);
  });

  it("never re-assigns: 1,000 calls for one actor return one variant", async () => {
    const key = uniqueKey();
    await runningExperiment(server, key);
    const variants = await inWaves(1000, 50, () => variantOf(key, "stable_user"));
    expect(new Set(variants).size).toBe(1);
  });

  it("never serves a zero-weight variant", async () => {
    const key = uniqueKey();
    await runningExperiment(server, key, { variants: [{ key: "control", weight: 100 }, { key: "dead", weight: 0 }] });
    const variants = await inWaves(200, 25, (i) => variantOf(key, `user:${i}`));
    expect(new Set(variants)).toEqual(new Set(["control"]));
  });

  it("always serves a single variant", async () => {
    const key = uniqueKey();
    await runningExperiment(server, key, { variants: [{ key: "only", weight: 100 }] });
    const variants = await inWaves(100, 25, (i) => variantOf(key, `user:${i}`));
    expect(new Set(variants)).toEqual(new Set(["only"]));
  });

  it("splits 50/50 roughly evenly over 1,000 actors", async () => {
    const key = uniqueKey();
    await runningExperiment(server, key);
    const variants = await inWaves(1000, 50, (i) => variantOf(key, `user:${i}`));
    const control = variants.filter((v) => v === "control").length;
    expect(control).toBeGreaterThanOrEqual(400);
    expect(control).toBeLessThanOrEqual(600);
  });

  it("all weights zero is NO_VARIANT", async () => {
    const key = uniqueKey();
    await runningExperiment(server, key, { variants: [{ key: "a", weight: 0 }, { key: "b", weight: 0 }] });
    expect(errorCode(await assign(server, key, "user:1"))).toBe("NO_VARIANT");
  });
});

describe("not in the experiment", () => {
  const US_ONLY = { type: "field", field: "country", op: "eq", values: ["US"] };

  it("returns null when the targeting rule is false, storing no assignment and no exposure", async () => {
    const key = uniqueKey("assign_rule");
    await runningExperiment(server, key, { rule: US_ONLY });
    expect(ok(await assign(server, key, "fr-user", { context: { country: "FR" } })).assign).toBeNull();
    expect(ok(await server.gql(ASSIGNMENT, { experiment: key, actor: "fr-user" })).assignment).toBeNull();
    expect(ok(await assign(server, key, "us-user", { context: { country: "US" } })).assign).not.toBeNull();
    const counts = ok(await server.gql(EXPOSURE_COUNTS, { experiment: key })).exposureCounts;
    expect(counts.reduce((n: number, c: { exposures: number }) => n + c.exposures, 0)).toBe(1);
  });

  it("returns null for an actor whose slot the experiment does not own", async () => {
    const key = uniqueKey("assign_traffic");
    await runningExperiment(server, key, { traffic: 5000 });
    // traffic takes the lowest slots: [0, 5000) is owned, the rest is not.
    const [inside] = actorsWhere(slot, key, "in", 1, (s) => s < 5000);
    const [outside] = actorsWhere(slot, key, "out", 1, (s) => s >= 5000);
    expect(ok(await assign(server, key, outside!)).assign).toBeNull();
    expect(ok(await server.gql(ASSIGNMENT, { experiment: key, actor: outside })).assignment).toBeNull();
    expect(ok(await assign(server, key, inside!)).assign).not.toBeNull();
  });
});

describe("sticky assignments", () => {
  it("returns the first assignment on every later call, with its time", async () => {
    const key = uniqueKey();
    await runningExperiment(server, key);
    const first = ok(await assign(server, key, "user:1")).assign;
    for (let i = 0; i < 10; i++) {
      const again = ok(await assign(server, key, "user:1")).assign;
      expect(again).toEqual(first);
    }
  });

  it("setWeights does not re-bucket a stored assignment", async () => {
    const key = uniqueKey();
    await runningExperiment(server, key);
    const original = await variantOf(key, "user:1");
    const weights = original === "control"
      ? [{ key: "control", weight: 0 }, { key: "treatment", weight: 100 }]
      : [{ key: "control", weight: 100 }, { key: "treatment", weight: 0 }];
    ok(await server.gql(SET_WEIGHTS, { key, weights }));
    expect(await variantOf(key, "user:1")).toBe(original);
    // A new actor follows the new weights.
    expect(await variantOf(key, "someone-new")).toBe(weights.find((w) => w.weight === 100)!.key);
  });

  it("setWeights refuses to delete a variant that has assignments, naming it", async () => {
    const key = uniqueKey();
    await runningExperiment(server, key);
    const original = await variantOf(key, "user:1");
    const remaining = original === "control" ? "treatment" : "control";
    const res = await server.gql(SET_WEIGHTS, { key, weights: [{ key: remaining, weight: 100 }] });
    expect(errorCode(res)).toBe("CONFLICT");
    expect(res.errors![0]!.message).toContain(`cannot delete variant "${original}"`);
  });
});

describe("exposures", () => {
  it("records exactly one exposure per assign call", async () => {
    const key = uniqueKey();
    await runningExperiment(server, key);
    const total = async () =>
      ok(await server.gql(EXPOSURE_COUNTS, { experiment: key })).exposureCounts.reduce((n: number, c: any) => n + c.exposures, 0);
    await assign(server, key, "user:1");
    expect(await total()).toBe(1);
    await assign(server, key, "user:1");
    expect(await total()).toBe(2);
    await assign(server, key, "user:2");
    expect(await total()).toBe(3);
  });

  it("an exposure names experiment, variant, actor and request id (argument first, else x-request-id)", async () => {
    const key = uniqueKey("checkout_v2");
    await runningExperiment(server, key);
    const a = ok(await server.gql(ASSIGN, { experiment: key, actor: "user:42", requestId: "req-abc" })).assign;
    ok(await server.gql(ASSIGN, { experiment: key, actor: "user:43" }, { "x-request-id": "req-from-header" }));
    const log = ok(await server.gql(EXPOSURES, { experiment: key, actor: "user:42" })).exposures;
    expect(log).toEqual([{ experiment: key, variant: a.variant, vid: a.vid, actor: "user:42", requestId: "req-abc", isOverride: false }]);
    const fromHeader = ok(await server.gql(EXPOSURES, { experiment: key, actor: "user:43" })).exposures;
    expect(fromHeader[0].requestId).toBe("req-from-header");
  });

  it("a request id the exposure row cannot hold is BAD_USER_INPUT on requestId, before anything is stored", async () => {
    const key = uniqueKey();
    await runningExperiment(server, key);
    for (const requestId of ["bad\u0000id", "r".repeat(257)]) {
      const res = await assign(server, key, "user:nul", { requestId });
      expect([errorCode(res), res.errors?.[0]?.extensions.field]).toEqual(["BAD_USER_INPUT", "requestId"]);
    }
    expect(ok(await server.gql(ASSIGNMENT, { experiment: key, actor: "user:nul" })).assignment).toBeNull();
    expect(ok(await server.gql(EXPOSURES, { experiment: key })).exposures).toEqual([]);
  });
});

describe("lifecycle with assignments", () => {
  it("restarting a concluded experiment clears the winner and serves by bucket again", async () => {
    const key = uniqueKey();
    await runningExperiment(server, key);
    const expected = slot(key, "user:7") < 5000 ? "control" : "treatment";
    // The winner is the variant user:7's slot does not give: serving it after the restart would show.
    ok(await server.gql(CONCLUDE, { key, winner: expected === "control" ? "treatment" : "control" }));
    const restarted = ok(await server.gql(START, { key })).startExperiment;
    expect(restarted.state).toBe("RUNNING");
    expect(await variantOf(key, "user:7")).toBe(expected);
  });
});
