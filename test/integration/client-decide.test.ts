// The typed client (client/) against the real server: decisions, flags, assignments and administration
// through TesseraClient, with refusals surfaced as TesseraError (SPEC §7, §8, §13, §16).

import { TesseraClient, TesseraError } from "../../client/src";
import { createKey } from "../helpers/api-keys";
import { actorsWhere, decide as decideByHand } from "../helpers/decide-factories";
import { uniqueKey } from "../helpers/factories";
import { loadSlotOf, type SlotOf } from "../helpers/slots";
import { startTestServer, TEST_ADMIN_KEY, type TestServer } from "../helpers/test-server";

let server: TestServer;
let admin: TesseraClient;
let sdk: TesseraClient;
let slot: SlotOf;
beforeAll(async () => {
  server = await startTestServer();
  slot = await loadSlotOf();
  admin = new TesseraClient({ url: server.url, apiKey: TEST_ADMIN_KEY, actor: "client-test" });
  const key = await admin.createApiKey({ name: uniqueKey("sdk"), role: "SDK" });
  sdk = new TesseraClient({ url: server.url, apiKey: key.secret });
});
afterAll(async () => {
  await Promise.all([admin?.close(), sdk?.close()]);
  await server.close();
});

/** What a call refused with, or a failure when it was not refused. */
async function refusal(call: Promise<unknown>): Promise<TesseraError> {
  const error = await call.then(() => null, (e: unknown) => e);
  if (!(error instanceof TesseraError)) throw new Error(`expected a TesseraError, got ${String(error)}`);
  return error;
}

/** A running 50/50 experiment on a service of its own, made through the client. */
async function runningExperiment(prefix: string) {
  const key = uniqueKey(prefix);
  const service = `${key}_svc`;
  await admin.createExperiment({ key, services: [service], variants: [{ key: "control", weight: 50, params: { color: "blue" } }, { key: "treatment", weight: 50, params: { color: "red" } }] });
  const experiment = await admin.startExperiment(key);
  return { key, service, experiment };
}

it("the administration mutations return the typed objects, and the change records carry the client's actor", async () => {
  const { key, experiment } = await runningExperiment("admin");
  expect(experiment).toMatchObject({ key, state: "RUNNING", traffic: 10_000, winner: null });
  expect(experiment.variants.map((v) => [v.key, v.weight])).toEqual([["control", 50], ["treatment", 50]]);
  const moved = await admin.setWeights({ key, weights: [{ key: "control", weight: 100 }, { key: "treatment", weight: 0 }], dryRun: true });
  expect(moved).toMatchObject({ applied: false, slotsMoved: 5_000 });
  expect((await admin.experiment(key))!.variants.map((v) => v.weight)).toEqual([50, 50]);
  expect((await admin.experiments({ state: "RUNNING" })).map((e) => e.key)).toContain(key);
  expect(await admin.setOverride({ experiment: key, actor: "vip", variant: "treatment" })).toEqual({ experiment: key, actor: "vip", variant: "treatment" });
  expect(await admin.clearOverride({ experiment: key, actor: "vip" })).toBe(true);
  expect(await admin.concludeExperiment(key, "control")).toMatchObject({ state: "CONCLUDED", winner: "control" });
  const changes = await admin.configChanges({ since: (await admin.configVersion()) - 1 });
  expect(changes).toEqual([expect.objectContaining({ keys: [key], mutation: "concluded", actor: "client-test" })]);
});

it("decide through the client answers what the server answers by hand, typed, for an SDK key", async () => {
  const { key, service, experiment } = await runningExperiment("decide");
  const [low] = actorsWhere(slot, key, "u", 1, (s) => s < 5_000);
  const decision = await sdk.decide({ services: [service, "nobody_serves_this"], context: { user_id: low }, explain: true });
  expect(decision.results.map((r) => r.service)).toEqual([service, "nobody_serves_this"]);
  expect(decision.results[0]).toMatchObject({ parameters: { color: "blue" }, vids: [experiment.variants[0]!.vid] });
  expect(decision.results[0]!.experiments).toEqual([
    { experiment: key, variant: "control", vid: experiment.variants[0]!.vid, layer: experiment.layer, slot: slot(key, low!), source: "BUCKET" },
  ]);
  expect(decision.results[0]!.reasons!.length).toBeGreaterThan(0);
  const { reasons, ...byClient } = (await sdk.decide({ services: [service], context: { user_id: low } })).results[0]!;
  const { reasons: _, ...byHand } = (await decideByHand(server, [service], { user_id: low })).results[0]!;
  expect({ ...byClient, experiments: byClient.experiments.map((e) => ({ ...e, source: "STICKY" })) }).toEqual(byHand);
  expect(reasons).toBeNull();
});

it("decideBatch, decideFlags and assign", async () => {
  const { key, service } = await runningExperiment("batch");
  const batch = await sdk.decideBatch({ requests: [{ services: [service], context: { user_id: "a" } }, { services: ["nothing"], context: { user_id: "b" } }] });
  expect(batch).toHaveLength(2);
  expect(batch[0]!.results[0]!.experiments[0]!.experiment).toBe(key);
  expect(batch[1]!.results).toEqual([{ service: "nothing", parameters: {}, vids: [], matchedLayers: [], experiments: [], reasons: null }]);

  const flag = uniqueKey("flag");
  await admin.createFlag({ key: flag, variables: { size: 1 }, rules: [{ key: "everyone", type: "DELIVERY", traffic: 10_000, variables: { size: 2 } }] });
  const flags = await sdk.decideFlags({ keys: [flag], context: { user_id: "a" } });
  expect(flags.flags).toEqual([{ flag, enabled: true, variables: { size: 2 }, rule: "everyone", variation: "on", source: "ROLLOUT", reasons: null }]);
  await admin.setFlagEnabled(flag, false);
  expect((await sdk.decideFlags({ keys: [flag], context: { user_id: "a" } })).flags[0]).toMatchObject({ enabled: false, source: "DEFAULT" });

  const assignment = await sdk.assign({ experiment: key, actor: "someone" });
  expect(assignment).toMatchObject({ experiment: key, actor: "someone", isOverride: false });
  expect(["control", "treatment"]).toContain(assignment!.variant);
});

it("refusals are TesseraErrors with the code, the field and the HTTP status", async () => {
  const input = await refusal(sdk.decide({ services: ["web"], context: [] as unknown as Record<string, unknown> }));
  expect(input).toMatchObject({ code: "BAD_USER_INPUT", field: "context", status: 200 });
  const forbidden = await refusal(sdk.createExperiment({ key: uniqueKey("no"), variants: [{ key: "a", weight: 1 }] }));
  expect(forbidden).toMatchObject({ code: "FORBIDDEN", field: "createExperiment", status: 403 });
  const missing = await refusal(admin.startExperiment(uniqueKey("missing")));
  expect(missing.code).toBe("NOT_FOUND");
  const unknownKey = await refusal(new TesseraClient({ url: server.url, apiKey: "tsk_nobody" }).configVersion());
  expect(unknownKey).toMatchObject({ code: "UNAUTHENTICATED", status: 401 });
  const unreachable = await refusal(new TesseraClient({ url: "http://127.0.0.1:9/graphql", apiKey: "tsk_x" }).configVersion());
  expect(unreachable.code).toBe("NETWORK");
});

it("a key limited to services is refused another service, naming it", async () => {
  const limited = await createKey(server, { name: uniqueKey("limited"), role: "SDK", services: ["web"] });
  const client = new TesseraClient({ url: server.url, apiKey: limited.secret });
  const error = await refusal(client.decide({ services: ["web", "ios"], context: { user_id: "u" } }));
  expect(error).toMatchObject({ code: "FORBIDDEN", field: "services", status: 403 });
  expect(error.errors[0]!.extensions).toMatchObject({ service: "ios" });
});
