// GET /metrics (SPEC §14): known traffic on every path (Apollo's, the compiled fast path, POST /experiment,
// graphql-ws), then the scrape, parsed whole, says exactly what was done; the key rules of /metrics; the
// mutation log line.

import { Writable } from "node:stream";
import type { PrometheusFamily } from "parse-prometheus-text-format";
import pino from "pino";
import { DECIDE, DECIDE_BATCH, started } from "../helpers/decide-factories";
import { START, createExperiment, ok, uniqueKey } from "../helpers/factories";
import { createKey, post, request, type TestKey } from "../helpers/keyed-requests";
import { closeAll, rawConnect } from "../helpers/api-keys";
import { metricsUrl, scrape } from "../helpers/prometheus-scrape";
import { startTestServer, TEST_ADMIN_KEY, type TestServer } from "../helpers/test-server";

/** Every series SPEC §14 names, with its type. */
const REQUIRED: Record<string, PrometheusFamily["type"]> = {
  experiment_requests_total: "COUNTER",
  experiment_request_errors_total: "COUNTER",
  experiment_request_duration_seconds: "HISTOGRAM",
  experiment_layer_reload_total: "COUNTER",
  experiment_rule_evaluations_total: "COUNTER",
  tessera_config_version: "GAUGE",
  tessera_config_propagation_seconds: "HISTOGRAM",
  tessera_listener_connected: "GAUGE",
  tessera_exposures_buffered: "GAUGE",
  tessera_exposures_written_total: "COUNTER",
  tessera_exposures_dropped_total: "COUNTER",
  tessera_assignments_written_total: "COUNTER",
  tessera_assignments_queued: "GAUGE",
  tessera_rate_limited_total: "COUNTER",
  // Two of Node's default process metrics (collectDefaultMetrics).
  process_cpu_user_seconds_total: "COUNTER",
  nodejs_heap_size_used_bytes: "GAUGE",
};

const experimentUrl = (server: TestServer) => ({ url: server.url.replace(/\/graphql$/, "/experiment") });

const lines: Array<Record<string, unknown>> = [];
const capture = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString("utf8").split("\n")) if (line !== "") lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  },
});

let server: TestServer;
let viewer: TestKey;
let sdk: TestKey;
const SERVICE = "metrics_web";
const RULED = "metrics_ruled";
const EXP = uniqueKey("metrics");
beforeAll(async () => {
  server = await startTestServer({ logger: pino({ level: "info" }, capture) });
  await started(server, EXP, { services: [SERVICE] });
  // Its rule is false for every actor here: nothing is stored for them, and each of their decisions runs it.
  await started(server, uniqueKey("ruled"), { services: [RULED], rule: { type: "field", field: "country", op: "eq", values: ["NL"] } });
  viewer = await createKey(server, { name: "metrics-viewer", role: "VIEWER" });
  sdk = await createKey(server, { name: "metrics-sdk", role: "SDK", rateLimit: 100_000 });
});
afterAll(() => server.close());

const decideBody = (actor: string, service = SERVICE) => ({ query: DECIDE, variables: { services: [service], context: { user_id: actor, country: "US" } } });

describe("GET /metrics", () => {
  it("parses whole and holds every family SPEC §14 names, with its type", async () => {
    const scraped = await scrape(server, viewer.headers);
    for (const [name, type] of Object.entries(REQUIRED)) expect([name, scraped.family(name)?.type]).toEqual([name, type]);
    expect(scraped.value("tessera_listener_connected")).toBe(1);
  });

  it("counts known traffic on every path exactly", async () => {
    const before = await scrape(server, viewer.headers);
    const actor = () => uniqueKey("actor");

    // decide: 3 on the compiled fast path, 2 on Apollo's (a request with extensions is Apollo's), 1 beside configVersion.
    for (let i = 0; i < 3; i++) ok(await server.gql(DECIDE, decideBody(actor()).variables, sdk.headers));
    for (let i = 0; i < 2; i++) expect((await post(server, { ...decideBody(actor()), extensions: {} }, sdk.headers)).status).toBe(200);
    const both = `query($c: JSON!) { configVersion mine: decide(services: ["${SERVICE}"], context: $c) { configVersion } }`;
    ok(await server.gql(both, { c: { user_id: actor() } }, sdk.headers));
    // decideBatch of 4, and 2 POST /experiment.
    const requests = Array.from({ length: 4 }, () => ({ services: [SERVICE], context: { user_id: actor() } }));
    ok(await server.gql(DECIDE_BATCH, { requests }, sdk.headers));
    for (let i = 0; i < 2; i++) {
      const reply = await post(experimentUrl(server), { services: [SERVICE], context: { user_id: actor() } }, sdk.headers);
      expect(reply.status).toBe(200);
    }
    // POST /experiment refused: bad input (400).
    expect((await post(experimentUrl(server), { services: [] }, sdk.headers)).status).toBe(400);
    // A failing mutation with a known code, and two that bump the configuration version.
    const missing = await server.gql(START, { key: uniqueKey("missing") });
    expect(missing.errors?.[0]?.extensions.code).toBe("NOT_FOUND");
    const created = uniqueKey("bump");
    await createExperiment(server, { key: created, services: ["metrics_bump"], variants: [{ key: "a", weight: 1 }] });
    ok(await server.gql(START, { key: created }));
    // Rate limited: a batch of 5 leaves a 1-a-second bucket 4 in debt, so the next decide is refused (429).
    const limited = await createKey(server, { name: "metrics-limited", role: "SDK", rateLimit: 1 });
    ok(await server.gql(DECIDE_BATCH, { requests: requests.slice(0, 1).concat(requests) }, limited.headers));
    expect((await post(server, decideBody(actor()), limited.headers)).status).toBe(429);
    // No key, and a body that is not JSON: refused before the operation is read.
    expect((await post(server, decideBody(actor()), { authorization: "" })).status).toBe(401);
    expect((await post(server, "{not json", sdk.headers)).status).toBe(400);
    // A query of no root field but __typename names no operation either.
    expect(ok(await server.gql("{ __typename }", {}, sdk.headers))).toEqual({ __typename: "Query" });
    // The rule of the ruled service runs for each of these decisions.
    for (let i = 0; i < 3; i++) ok(await server.gql(DECIDE, decideBody(actor(), RULED).variables, sdk.headers));
    // Over graphql-ws: a subscription started, and one refused by validation.
    const socket = rawConnect(server, { authorization: `Bearer ${sdk.secret}` });
    expect(await socket.init).toEqual({ acked: true });
    const refusedOverWs = new Promise<string>((resolve) =>
      socket.socket.on("message", (data) => {
        const message = JSON.parse(data.toString()) as { type: string; payload?: Array<{ extensions?: { code?: string } }> };
        if (message.type === "error") resolve(message.payload?.[0]?.extensions?.code ?? "");
      }),
    );
    socket.socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: "subscription { configChanged { version } }" } }));
    socket.socket.send(JSON.stringify({ id: "2", type: "subscribe", payload: { query: "subscription { nope }" } }));
    expect(await refusedOverWs).toBe("BAD_USER_INPUT");
    await closeAll([socket]);

    const after = await scrape(server, viewer.headers);
    const delta = (name: string, labels: Record<string, string> = {}) => after.value(name, labels) - before.value(name, labels);
    const timed = (operation: string) => after.count("experiment_request_duration_seconds", { operation }) - before.count("experiment_request_duration_seconds", { operation });
    const requestsOf = (operation: string) => delta("experiment_requests_total", { operation });
    const errorsOf = (operation: string, code: string) => delta("experiment_request_errors_total", { operation, code });

    expect([requestsOf("decide"), timed("decide")]).toEqual([3 + 2 + 1 + 1 + 3, 3 + 2 + 1 + 1 + 3]);
    expect(errorsOf("decide", "RATE_LIMITED")).toBe(1);
    expect([requestsOf("configVersion"), requestsOf("decideBatch"), timed("decideBatch")]).toEqual([1, 2, 2]);
    expect([requestsOf("experiment"), timed("experiment"), errorsOf("experiment", "BAD_USER_INPUT")]).toEqual([3, 3, 1]);
    expect([requestsOf("startExperiment"), errorsOf("startExperiment", "NOT_FOUND")]).toEqual([2, 1]);
    expect(requestsOf("createExperiment")).toBe(1);
    // createKey's createApiKey, the metrics-limited key.
    expect(requestsOf("createApiKey")).toBe(1);
    // The 401, the body that is not JSON, __typename alone, the invalid subscription.
    expect([requestsOf("unknown"), errorsOf("unknown", "UNAUTHENTICATED"), errorsOf("unknown", "BAD_USER_INPUT")]).toEqual([4, 1, 2]);
    // Subscriptions are counted, not timed.
    expect([requestsOf("configChanged"), timed("configChanged")]).toEqual([1, 0]);
    expect(delta("tessera_rate_limited_total", { role: "SDK" })).toBe(1);
    // Errors are counted once per field and code, never for a field that did not fail.
    expect(errorsOf("configVersion", "RATE_LIMITED") + errorsOf("decideBatch", "RATE_LIMITED")).toBe(0);

    // Three changes (createApiKey, createExperiment, startExperiment): the version served, and each served here.
    expect(delta("tessera_config_version")).toBe(3);
    expect(after.count("tessera_config_propagation_seconds") - before.count("tessera_config_propagation_seconds")).toBe(3);
    expect(delta("experiment_layer_reload_total")).toBeGreaterThanOrEqual(2);
    // Each decision of the ruled service ran its rule at least once (a first sight runs it again once stored rows are read).
    expect(delta("experiment_rule_evaluations_total")).toBeGreaterThanOrEqual(3);
  });

  it("counts assignments and exposures as they are written", async () => {
    const before = await scrape(server, viewer.headers);
    for (let i = 0; i < 4; i++) ok(await server.gql(DECIDE, decideBody(uniqueKey("writer")).variables, sdk.headers));
    // Exposures are flushed within 50 ms here (the test server's EXPOSURE_FLUSH_MS): wait for all four.
    let after = await scrape(server, viewer.headers);
    for (let i = 0; i < 200 && after.value("tessera_exposures_written_total") - before.value("tessera_exposures_written_total") < 4; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      after = await scrape(server, viewer.headers);
    }
    expect(after.value("tessera_exposures_written_total") - before.value("tessera_exposures_written_total")).toBe(4);
    expect(after.value("tessera_assignments_written_total") - before.value("tessera_assignments_written_total")).toBe(4);
    expect([after.value("tessera_exposures_buffered"), after.value("tessera_exposures_dropped_total"), after.value("tessera_assignments_queued")]).toEqual([0, 0, 0]);
  });

  it("needs a key of any role (401 without), which it charges as any request", async () => {
    const none = await request({ url: metricsUrl(server) }, { method: "GET" });
    expect([none.status, none.body.errors?.[0]?.extensions.code]).toEqual([401, "UNAUTHENTICATED"]);
    const wrong = await request({ url: metricsUrl(server) }, { method: "GET", headers: { authorization: "Bearer tsk_nope" } });
    expect(wrong.status).toBe(401);
    for (const role of ["ADMIN", "DEVELOPER", "SDK"] as const) {
      const key = await createKey(server, { name: `metrics-${role}`, role });
      expect((await request({ url: metricsUrl(server) }, { method: "GET", headers: key.headers })).status).toBe(200);
    }
    await scrape(server, { authorization: `Bearer ${TEST_ADMIN_KEY}` });
    // A key of rate 1: scrapes pass until its bucket is empty, then one is refused and counted for its role.
    const before = await scrape(server, viewer.headers);
    const slow = await createKey(server, { name: "metrics-slow", role: "VIEWER", rateLimit: 1 });
    const replies = [];
    for (let i = 0; i < 20 && replies.at(-1)?.status !== 429; i++) replies.push(await request({ url: metricsUrl(server) }, { method: "GET", headers: slow.headers }));
    const refused = replies.at(-1)!;
    expect([replies[0]!.status, refused.status, refused.body.errors?.[0]?.extensions.code]).toEqual([200, 429, "RATE_LIMITED"]);
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    const after = await scrape(server, viewer.headers);
    expect(after.value("tessera_rate_limited_total", { role: "VIEWER" }) - before.value("tessera_rate_limited_total", { role: "VIEWER" })).toBe(1);
    expect((await request({ url: metricsUrl(server) }, { method: "POST", headers: viewer.headers })).status).toBe(405);
  });

  it("logs one info line per mutation with its request id, key name, configuration version and duration", async () => {
    const requestId = uniqueKey("req");
    const key = uniqueKey("logged");
    const reply = await post(server, { query: `mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { key } }`, variables: { input: { key, variants: [{ key: "a", weight: 1 }] } } }, { authorization: `Bearer ${TEST_ADMIN_KEY}`, "x-request-id": requestId });
    expect(reply.status).toBe(200);
    const version = ok(await server.gql("query { configVersion }")).configVersion as number;
    const logged = lines.filter((l) => l.requestId === requestId);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 30, msg: "mutation", mutation: "createExperiment", key: "bootstrap", configVersion: version });
    expect(typeof logged[0]!.ms).toBe("number");
  });
});

describe("METRICS_PUBLIC=true and METRICS=off", () => {
  it("METRICS_PUBLIC=true lets anyone scrape, without a key", async () => {
    const open = await startTestServer({ config: { metrics: { enabled: true, public: true } } });
    try {
      const scraped = await scrape(open, {});
      for (const name of Object.keys(REQUIRED)) expect(scraped.family(name)).toBeDefined();
    } finally {
      await open.close();
    }
  });

  it("METRICS=off: /metrics is 404, and the API answers as before", async () => {
    const off = await startTestServer({ config: { metrics: { enabled: false, public: false } } });
    try {
      const reply = await request({ url: metricsUrl(off) }, { method: "GET", headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
      expect(reply.status).toBe(404);
      expect(ok(await off.gql("query { configVersion }")).configVersion).toEqual(expect.any(Number));
    } finally {
      await off.close();
    }
  });
});
