// The real process: SIGTERM finishes and answers every request it accepted, flushes exposures, closes the database, exits 0.

import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { createDataSource } from "../../src/persistence/data-source";
import { DECIDE } from "../helpers/decide-factories";
import { ASSIGN, EXPOSURE_COUNTS, FIFTY_FIFTY } from "../helpers/factories";
import { type ServerProcess, startServerProcess } from "../helpers/server-process";
import { ADMIN_HEADERS } from "../helpers/test-server";
import { createTestDatabase, databaseEnv, type TestDatabase } from "../helpers/test-database";

let database: TestDatabase;
let dataDir: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tessera-shutdown-"));
  database = await createTestDatabase({ pgliteDir: path.join(dataDir, "pglite") });
});
afterAll(async () => {
  await database.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Long enough that only the shutdown flush can write decide's exposures. */
const start = () => startServerProcess({ ...databaseEnv(database.config), EXPOSURE_FLUSH_MS: "60000" });

/** Runs `work`; a failed step must not leave the process running (Jest would wait for it). */
async function killOnFailure<T>(server: ServerProcess, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    server.child.kill("SIGKILL");
    throw error;
  }
}

async function startedExperiment(server: ServerProcess, key: string, services: string[] = []): Promise<void> {
  const created = await server.gql(`mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { key } }`, {
    input: { key, variants: FIFTY_FIFTY, services },
  });
  expect(created.errors).toBeUndefined();
  expect((await server.gql(`mutation { startExperiment(key: "${key}") { state } }`)).errors).toBeUndefined();
}

it("exits 0 on SIGTERM after writing the exposures still in memory", async () => {
  const first = await start();
  await killOnFailure(first, async () => {
    await startedExperiment(first, "shutdown_exp", ["shutdown_svc"]);
    const decided = await first.gql(DECIDE, { services: ["shutdown_svc"], context: { user_id: "user:1" } });
    expect(decided.data.decide.results[0].experiments).toHaveLength(1);
  });
  first.child.kill("SIGTERM");
  expect(await first.exited).toBe(0);
  // The orderly path ran to its end (drain → flush → close), not some other signal handler.
  expect(first.output()).toContain('"msg":"stopped"');

  const second = await start();
  try {
    const counts = await second.gql(EXPOSURE_COUNTS, { experiment: "shutdown_exp" });
    const total = counts.data.exposureCounts.reduce((n: number, c: { exposures: number }) => n + c.exposures, 0);
    expect(total).toBe(1);
  } finally {
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  }
});

type Outcome =
  /** A whole response was read. */
  | { readonly kind: "answered"; readonly body: any; readonly connectionClose: boolean; readonly afterSignal: boolean }
  /** The response started and did not finish. */
  | { readonly kind: "truncated" }
  /** No response at all: the connection was refused, reset or closed before any byte of one. */
  | { readonly kind: "refused" };

/** One POST on a keep-alive connection of `agent`; never rejects, it says what happened. */
function post(agent: http.Agent, url: string, body: string, signalled: () => boolean): Promise<Outcome> {
  return new Promise((resolve) => {
    let responded = false;
    const req = http.request(url, { method: "POST", agent, headers: { ...ADMIN_HEADERS, "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
      responded = true;
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", () => resolve({ kind: "truncated" }));
      res.on("end", () => {
        if (!res.complete) return resolve({ kind: "truncated" });
        try {
          const parsed = JSON.parse(Buffer.concat(chunks).toString("utf8"));
          resolve({ kind: "answered", body: parsed, connectionClose: res.headers.connection === "close", afterSignal: signalled() });
        } catch {
          resolve({ kind: "truncated" });
        }
      });
    });
    req.on("error", () => resolve(responded ? { kind: "truncated" } : { kind: "refused" }));
    req.end(body);
  });
}

it("SIGTERM under load: every request executed is answered whole, idle keep-alive connections closed cleanly, exit 0", async () => {
  const server = await start();
  const experiment = "busy_exp";
  const service = "busy_svc";
  const lanes = 64;
  const warm = 300;
  const agent = new http.Agent({ keepAlive: true, maxSockets: lanes });
  const outcomes: Array<{ actor: string; kind: "assign" | "decide"; outcome: Outcome }> = [];
  let signalled = false;
  let sent = 0;

  await killOnFailure(server, async () => {
    await startedExperiment(server, experiment, [service]);
    // Each lane sends back to back on its keep-alive connection, alternating decide and assign, each
    // request for a new actor (so each one executed leaves an assignment row), until refused.
    const lane = async () => {
      for (;;) {
        const i = sent++;
        const kind = i % 2 === 0 ? "assign" : "decide";
        const actor = `${kind}:${i}`;
        const body =
          kind === "assign"
            ? JSON.stringify({ query: ASSIGN, variables: { experiment, actor } })
            : JSON.stringify({ query: DECIDE, variables: { services: [service], context: { user_id: actor } } });
        const outcome = await post(agent, server.url, body, () => signalled);
        outcomes.push({ actor, kind, outcome });
        if (outcome.kind !== "answered") return;
        if (!signalled && outcomes.length >= warm) {
          signalled = true;
          server.child.kill("SIGTERM");
        }
      }
    };
    await Promise.all(Array.from({ length: lanes }, lane));
  });
  agent.destroy();
  expect(await server.exited).toBe(0);
  expect(server.output()).toContain('"msg":"stopped"');

  const ds = createDataSource(database.config);
  await ds.initialize();
  const actorsIn = async (table: string): Promise<Set<string>> =>
    new Set((await ds.query(`SELECT actor FROM ${table} WHERE experiment_key = $1`, [experiment])).map((r: { actor: string }) => r.actor));
  const assigned = await actorsIn("assignments");
  const exposed = await actorsIn("exposures");
  await ds.destroy();

  const answered = outcomes.filter((o) => o.outcome.kind === "answered");
  const counts = {
    truncated: outcomes.filter((o) => o.outcome.kind === "truncated").length,
    withErrors: answered.filter((o) => (o.outcome as { body: any }).body.errors).length,
    // A request the server executed (its assignment is stored) whose client got no answer.
    executedNotAnswered: outcomes.filter((o) => o.outcome.kind !== "answered" && assigned.has(o.actor)).length,
    answeredNotStored: answered.filter((o) => !assigned.has(o.actor) || !exposed.has(o.actor)).length,
  };
  expect(counts).toEqual({ truncated: 0, withErrors: 0, executedNotAnswered: 0, answeredNotStored: 0 });
  // The signal landed while requests were in flight, and the answers given during the stop told their clients to go.
  const duringStop = answered.filter((o) => (o.outcome as { afterSignal: boolean }).afterSignal);
  expect(duringStop.length).toBeGreaterThan(0);
  expect(duringStop.some((o) => (o.outcome as { connectionClose: boolean }).connectionClose)).toBe(true);
  process.stdout.write(
    `shutdown under load: ${JSON.stringify({ sent: outcomes.length, answered: answered.length, answeredAfterSignal: duringStop.length, refused: outcomes.length - answered.length - counts.truncated, ...counts })}\n`,
  );
}, 180_000);
