// The propagation row of SPEC §11: two instances on PostgreSQL with 1,000 layers × 10 experiments,
// 200 changes made on A, each timed from its commit to the first answer of B that serves it.

import { createClient } from "graphql-ws";
import WebSocket from "ws";
import type { BenchOptions } from "../cli";
import { distFile, log, spawnNode, exited, stopChild } from "../children";
import { graphQL, postGraphQL } from "../http/graphql";
import { startTessera, type TesseraServer } from "../http/tessera-server";
import { makeRow, measure, type Row, skippedRow } from "../report";
import { percentileOfSorted } from "../stats";
import { SERVICE } from "../workload";
import { createDatabase, dropDatabase, seedLarge, withClient } from "./seed";

const LAYERS = 1_000;
const PER_LAYER = 10;
const BOUND_MS = 100;

const SET_WEIGHTS = `mutation($key: String!, $weights: [VariantWeightInput!]!) { setWeights(key: $key, weights: $weights) { applied } }`;
const SERVED = `query($c: JSON!) { decide(services: ["${SERVICE}"], context: $c) { configVersion } }`;

/** Wall-clock milliseconds with sub-millisecond precision, comparable with PostgreSQL's clock_timestamp(). */
const wall = (): number => performance.timeOrigin + performance.now();

async function reachable(url: string): Promise<boolean> {
  return withClient(url, async () => true).catch(() => false);
}

async function migrate(url: string): Promise<void> {
  const child = spawnNode({ name: "migrate", args: [distFile("src", "cli", "migrate.js")], env: { DATABASE_URL: url, LOG_LEVEL: "warn" } });
  const code = await exited(child);
  if (code !== 0) throw new Error(`migrations failed (exit ${code})`);
}

/** Asks B until it serves `version`; the time of the answer that first does. */
async function servedAt(b: TesseraServer, version: number, deadlineMs: number): Promise<number> {
  for (;;) {
    const r = await postGraphQL<{ decide: { configVersion: number } }>(b.url, SERVED, { c: { user_id: "probe" } });
    const at = wall();
    if ((r.data?.decide.configVersion ?? -1) >= version) return at;
    if (at > deadlineMs) throw new Error(`B still serves ${r.data?.decide.configVersion} ${(at - deadlineMs) / 1e3} s after the deadline, waiting for ${version}`);
  }
}

/** A configChanged subscriber of `server`: when each version arrived. */
function subscribe(server: TesseraServer): { arrivals: Map<number, number>; ready: Promise<void>; close: () => Promise<void> } {
  const arrivals = new Map<number, number>();
  const client = createClient({ url: server.url.replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0 });
  let connected!: () => void;
  const ready = new Promise<void>((resolve) => (connected = resolve));
  client.on("connected", () => connected());
  client.subscribe<{ configChanged: { version: number } }>(
    { query: "subscription { configChanged { version } }" },
    {
      next: (result) => {
        const version = result.data?.configChanged.version;
        if (version !== undefined) arrivals.set(version, wall());
      },
      error: (error) => log(`propagation: the subscriber ended: ${error instanceof Error ? error.message : JSON.stringify(error)}`),
      complete: () => undefined,
    },
  );
  return { arrivals, ready, close: async () => client.dispose() };
}

async function arrivedAt(arrivals: Map<number, number>, version: number, deadlineMs: number): Promise<number> {
  for (;;) {
    const at = arrivals.get(version);
    if (at !== undefined) return at;
    if (wall() > deadlineMs) throw new Error(`the subscriber of B did not receive version ${version}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

const summary = (values: readonly number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  return { p50: percentileOfSorted(sorted, 50), p99: percentileOfSorted(sorted, 99), sorted };
};

export async function propagationRows(options: BenchOptions): Promise<Row[]> {
  const admin = options.databaseUrl ?? process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
  const name = "propagation: commit on A → served by B";
  if (!(await reachable(admin))) {
    log(`propagation: no PostgreSQL at ${admin.replace(/\/\/[^@]*@/, "//")}: skipped`);
    return [skippedRow(`${name} p99`, `skipped: no PostgreSQL reachable at ${new URL(admin).host} (--database-url or DATABASE_URL)`)];
  }
  const changes = options.quick ? 40 : 200;
  const database = `tessera_bench_${process.pid}`;
  const url = await createDatabase(admin, database);
  const servers: TesseraServer[] = [];
  try {
    await migrate(url);
    const { experiments } = await seedLarge(url, LAYERS, PER_LAYER);
    log(`propagation: seeded ${LAYERS} layers × ${PER_LAYER} experiments; starting two instances`);
    servers.push(await startTessera(url), await startTessera(url));
    const [a, b] = servers as [TesseraServer, TesseraServer];
    const subscriber = subscribe(b);
    await subscriber.ready;
    const mutationMs: number[] = [];
    const servedMs: number[] = [];
    const receivedMs: number[] = [];
    let version = 1;
    for (let i = 0; i < changes; i++) {
      const key = experiments[(i * 7919) % experiments.length]!;
      const treatment = 50 + ((i % 4) + 1) * 10;
      const sent = wall();
      const waiting = servedAt(b, version + 1, sent + 30_000);
      await graphQL(a.url, SET_WEIGHTS, { key, weights: [{ key: "control", weight: 100 - treatment }, { key: "treatment", weight: treatment }] });
      mutationMs.push(wall() - sent);
      const served = await waiting;
      version++;
      const received = await arrivedAt(subscriber.arrivals, version, sent + 30_000);
      const committed = await withClient(url, (c) => c.query(`SELECT extract(epoch FROM at) * 1000 AS ms FROM config_changes WHERE version = $1`, [version]));
      servedMs.push(served - Number(committed.rows[0].ms));
      receivedMs.push(received - Number(committed.rows[0].ms));
    }
    await subscriber.close();
    const served = summary(servedMs);
    const received = summary(receivedMs);
    const mutation = summary(mutationMs);
    return [
      makeRow({
        name: `${name} p99`,
        value: measure("p99", served.sorted, "ms", served.p99),
        target: { cmp: "<=", bound: BOUND_MS },
        notes: [`${changes} setWeights on A, ${LAYERS} layers × ${PER_LAYER} experiments loaded; p50 ${served.p50.toFixed(1)} ms, max ${served.sorted.at(-1)!.toFixed(1)} ms`],
      }),
      makeRow({
        name: "propagation: commit on A → subscriber of B p99",
        value: measure("p99", received.sorted, "ms", received.p99),
        target: { cmp: "<=", bound: BOUND_MS },
        notes: [`configChanged over graphql-ws on B: p50 ${received.p50.toFixed(1)} ms, max ${received.sorted.at(-1)!.toFixed(1)} ms`],
      }),
      makeRow({
        name: "mutation at 1,000 layers × 10 exps",
        value: measure("p50", mutation.sorted, "ms", mutation.p50),
        notes: [`setWeights answered (committed and applied on A): p50 ${mutation.p50.toFixed(1)} ms, p99 ${mutation.p99.toFixed(1)} ms`],
      }),
    ];
  } finally {
    for (const s of servers) await stopChild(s.child);
    await dropDatabase(admin, database);
  }
}
