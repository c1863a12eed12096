// Cold starts while PostgreSQL cannot be reached (SPEC §10): from CONFIG_CACHE_FILE, serving at once;
// without it, listening and not ready, retrying until the database answers. Real processes behind a proxy.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { errorCode, ok, runningExperiment, START, uniqueKey, createExperiment, FIFTY_FIFTY } from "../helpers/factories";
import { waitUntil } from "../helpers/outage";
import { type ServerProcess, startServerProcess } from "../helpers/server-process";
import { loadSlotOf, type SlotOf } from "../helpers/slots";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy";
import { createTestDatabase, type TestDatabase, withPg } from "../helpers/test-database";
import { startTestServer } from "../helpers/test-server";

const DECIDE = `query($c: JSON!) { decide(services: ["cold"], context: $c) { configVersion results { experiments { experiment variant slot source } } } }`;

let dir: string;
let database: TestDatabase;
let proxy: TcpProxy;
let slot: SlotOf;
const processes: ServerProcess[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tessera-cold-"));
  database = await createTestDatabase();
  const direct = new URL((database.config as { url: string }).url);
  proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  slot = await loadSlotOf();
});
afterAll(async () => {
  for (const p of processes) if (p.child.exitCode === null) p.child.kill("SIGKILL");
  await proxy.close();
  await database.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A server process reaching the database through the proxy, with short pool bounds (what the defaults cost is measured, not tested). */
async function startBehindProxy(env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const started = await startServerProcess({
    DATABASE_URL: proxy.urlFor((database.config as { url: string }).url),
    DATABASE_CONNECT_TIMEOUT_MS: "1000",
    DATABASE_QUERY_TIMEOUT_MS: "2000",
    STICKY_TIMEOUT_MS: "300",
    ...env,
  });
  processes.push(started);
  return started;
}

/** /readyz, failing if it does not answer within 3 s (a hang, not a speed target). */
async function readyz(server: ServerProcess): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(server.url.replace(/\/graphql$/, "/readyz"), { signal: AbortSignal.timeout(3_000) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

it("starts from CONFIG_CACHE_FILE while PostgreSQL refuses, serves decisions, then catches up and stores what it gave", async () => {
  const cacheFile = path.join(dir, "cache", "tessera-config.json");
  // An instance that can reach the database writes the cache as it follows the configuration.
  const writer = await startTestServer({ database, config: { configCacheFile: cacheFile } });
  const key = uniqueKey("cold");
  await runningExperiment(writer, key, { services: ["cold"] });
  await writer.stop();
  const cachedVersion = JSON.parse(fs.readFileSync(cacheFile, "utf8")).state.version as number;
  expect(cachedVersion).toBe(2);

  await proxy.setMode("refuse");
  const cold = await startBehindProxy({ CONFIG_CACHE_FILE: cacheFile });
  const report = await readyz(cold);
  expect(report).toEqual({
    status: 200,
    body: { status: "degraded", configVersion: cachedVersion, lastSyncAgeMs: null, listener: "reconnecting", database: "unreachable" },
  });
  const actors = Array.from({ length: 20 }, (_, i) => `cold:${i}`);
  for (const actor of actors) {
    const res = await cold.gql(DECIDE, { c: { user_id: actor } });
    expect(res.errors).toBeUndefined();
    const want = slot(key, actor) < 5_000 ? "control" : "treatment";
    expect(res.data.decide.results[0].experiments).toEqual([{ experiment: key, variant: want, slot: slot(key, actor), source: "BUCKET" }]);
  }
  expect(errorCode(await cold.gql(`mutation($k: String!) { archiveExperiment(key: $k) { key } }`, { k: key }))).toBe("UNAVAILABLE");

  // Meanwhile another instance, which reaches the database, changes the configuration.
  const other = await startTestServer({ database });
  const later = uniqueKey("later");
  await createExperiment(other, { key: later, services: ["cold"], variants: FIFTY_FIFTY });
  ok(await other.gql(START, { key: later }));
  await other.stop();

  await proxy.setMode("pass");
  await waitUntil("the cold instance to catch up", async () => (await readyz(cold)).body.configVersion === cachedVersion + 2, 20_000);
  await waitUntil("the cold instance to be ready", async () => (await readyz(cold)).body.status === "ready", 20_000);
  const decided = await cold.gql(DECIDE, { c: { user_id: actors[0] } });
  expect(decided.data.decide.results[0].experiments.map((e: { experiment: string }) => e.experiment).sort()).toEqual([key, later].sort());
  // Every assignment it gave while the database was away is stored: lost 0 of 20.
  await waitUntil("the queued assignments to be written", async () => {
    const rows = await withPg(database, (c) => c.query(`SELECT count(*)::int AS n FROM assignments WHERE experiment_key = $1`, [key]));
    return rows.rows[0].n === actors.length;
  });
  cold.child.kill("SIGTERM");
  expect(await cold.exited).toBe(0);
});

it("the cache file holds the flags: an instance started from it while PostgreSQL refuses decides them", async () => {
  const cacheFile = path.join(dir, "cache", "tessera-flags.json");
  const writer = await startTestServer({ database, config: { configCacheFile: cacheFile } });
  const flag = uniqueKey("coldflag");
  ok(await writer.gql(`mutation($input: CreateFlagInput!) { createFlag(input: $input) { key } }`, {
    input: { key: flag, variables: { color: "grey" }, rules: [{ key: "everyone", type: "DELIVERY", variables: { color: "green" } }] },
  }));
  ok(await writer.gql(`mutation($f: String!) { setForcedDecision(flag: $f, rule: "everyone", actor: "pinned", variation: "off") { flag } }`, { f: flag }));
  await writer.stop();
  const cached = JSON.parse(fs.readFileSync(cacheFile, "utf8")).state;
  expect(cached.flags.map((f: { key: string }) => f.key)).toContain(flag);

  await proxy.setMode("refuse");
  try {
    const cold = await startBehindProxy({ CONFIG_CACHE_FILE: cacheFile });
    const DECIDE_FLAGS = `query($k: [String!], $c: JSON!) { decideFlags(keys: $k, context: $c) { configVersion flags { flag variables rule variation source } } }`;
    const served = await cold.gql(DECIDE_FLAGS, { k: [flag], c: { user_id: "anyone" } });
    expect(served.errors).toBeUndefined();
    expect(served.data.decideFlags).toEqual({ configVersion: cached.version, flags: [{ flag, variables: { color: "green" }, rule: "everyone", variation: "on", source: "ROLLOUT" }] });
    const forced = await cold.gql(DECIDE_FLAGS, { k: [flag], c: { user_id: "pinned" } });
    expect(forced.data.decideFlags.flags[0]).toMatchObject({ source: "FORCED", variation: "off", variables: { color: "grey" } });
    cold.child.kill("SIGTERM");
    expect(await cold.exited).toBe(0);
  } finally {
    await proxy.setMode("pass");
  }
});

it.each(["refuse", "hang"] as const)("without a cache, a start while PostgreSQL %ss listens, is not ready, and retries until it answers", async (mode) => {
  await proxy.setMode(mode);
  const cold = await startBehindProxy();
  const before = await readyz(cold);
  expect(before.status).toBe(503);
  expect(before.body).toMatchObject({ status: "unavailable", configVersion: null, database: "unreachable" });
  expect(errorCode(await cold.gql(DECIDE, { c: { user_id: "someone" } }))).toBe("UNAVAILABLE");

  await proxy.setMode("pass");
  await waitUntil("the instance to become ready", async () => (await readyz(cold)).status === 200, 30_000);
  const res = await cold.gql(DECIDE, { c: { user_id: "someone" } });
  expect(res.errors).toBeUndefined();
  expect(res.data.decide.configVersion).toBeGreaterThanOrEqual(2);
  cold.child.kill("SIGTERM");
  expect(await cold.exited).toBe(0);
});
