// A measurement run by hand, not a test: the real server under load while PostgreSQL refuses, then hangs (20 s each, through a TCP proxy).
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx ts-node --transpile-only test/probes/outage-probe.ts [seconds]
//
// Prints, per phase, the decisions asked and answered (warm and new actors), errors, blanked answers, the longest
// wait of a new actor, what mutations answered, and how many assignments given meanwhile were stored afterwards.

import { randomBytes } from "node:crypto";
import { startServerProcess, type ServerProcess } from "../helpers/server-process";
import { type ProxyMode, startTcpProxy } from "../helpers/tcp-proxy";
import { connected as admin } from "../helpers/test-database";

const ADMIN_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const SECONDS = Number(process.argv[2] ?? 20);
const WORKERS = 16;
const WARM = 2_000;
const SERVICES = ["web", "other"];
const DECIDE = `query($services: [String!]!, $context: JSON!) { decide(services: $services, context: $context) {
  results { service parameters experiments { experiment variant source } } } }`;

interface PhaseStats {
  asked: { warm: number; new: number };
  answered: { warm: number; new: number };
  errors: Record<string, number>;
  blanked: number;
  warmBucketed: number;
  longestNewMs: number;
  longestWarmMs: number;
  mutations: string[];
}

async function main(): Promise<void> {
  const name = `tessera_probe_${randomBytes(4).toString("hex")}`;
  await admin(ADMIN_URL, (c) => c.query(`CREATE DATABASE "${name}"`));
  const direct = new URL(ADMIN_URL);
  direct.pathname = `/${name}`;
  const proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  let server: ServerProcess | null = null;
  try {
    server = await startServerProcess({ DATABASE_URL: proxy.urlFor(direct.toString()), LOG_LEVEL: "info" });
    const s = server;
    const must = async (query: string, variables: Record<string, unknown>) => {
      const res = await s.gql(query, variables);
      if (res.errors) throw new Error(JSON.stringify(res.errors));
    };
    await must(`mutation($i: CreateLayerInput!) { createLayer(input: $i) { key } }`, { i: { key: "base", services: ["web"], defaultParams: { theme: "light" } } });
    await must(`mutation($i: CreateLayerInput!) { createLayer(input: $i) { key } }`, { i: { key: "main", services: ["web"], priority: 1, defaultParams: { button: "blue" } } });
    const variants = [{ key: "control", weight: 50, params: { button: "green" } }, { key: "treatment", weight: 50, params: { button: "red" } }];
    await must(`mutation($i: CreateExperimentInput!) { createExperiment(input: $i) { key } }`, { i: { key: "main_exp", layer: "main", traffic: 5000, variants } });
    await must(`mutation($i: CreateExperimentInput!) { createExperiment(input: $i) { key } }`, { i: { key: "side_exp", services: ["other"], variants } });
    for (const key of ["main_exp", "side_exp"]) await must(`mutation($k: String!) { startExperiment(key: $k) { key } }`, { k: key });

    let counter = 0;
    const given = new Map<string, string>();
    const decideOnce = async (actor: string, isNew: boolean, stats: PhaseStats) => {
      const started = Date.now();
      isNew ? stats.asked.new++ : stats.asked.warm++;
      let res: Awaited<ReturnType<ServerProcess["gql"]>>;
      try {
        res = await s.gql(DECIDE, { services: SERVICES, context: { user_id: actor } });
      } catch (error) {
        stats.errors[String((error as Error).message)] = (stats.errors[String((error as Error).message)] ?? 0) + 1;
        return;
      }
      const ms = Date.now() - started;
      if (isNew) stats.longestNewMs = Math.max(stats.longestNewMs, ms);
      else stats.longestWarmMs = Math.max(stats.longestWarmMs, ms);
      const code = res.errors?.[0]?.extensions.code;
      if (code) stats.errors[code] = (stats.errors[code] ?? 0) + 1;
      const results = res.data?.decide?.results as Array<{ parameters: Record<string, unknown>; experiments: Array<{ experiment: string; variant: string; source: string }> }> | undefined;
      if (!results) return;
      // Blanked: a service missing, or the base layer's defaults lost.
      if (results.length !== 2 || results[0]!.parameters.theme !== "light") stats.blanked++;
      else isNew ? stats.answered.new++ : stats.answered.warm++;
      for (const r of results) {
        for (const e of r.experiments) {
          if (e.source !== "BUCKET") continue;
          // A warm actor answered BUCKET was no longer in memory (ActorMemory is bounded): bucketed by slot, its stored row stays.
          if (isNew) given.set(`${e.experiment}/${actor}`, e.variant);
          else stats.warmBucketed++;
        }
      }
    };
    const newStats = (): PhaseStats => ({ asked: { warm: 0, new: 0 }, answered: { warm: 0, new: 0 }, errors: {}, blanked: 0, warmBucketed: 0, longestNewMs: 0, longestWarmMs: 0, mutations: [] });

    const warmStats = newStats();
    for (let i = 0; i < WARM; i += WORKERS) await Promise.all(Array.from({ length: WORKERS }, (_, j) => decideOnce(`warm${i + j}`, true, warmStats)));

    const phase = async (mode: ProxyMode) => {
      const stats = newStats();
      given.clear();
      await proxy.setMode(mode);
      const until = Date.now() + SECONDS * 1_000;
      const worker = async (w: number) => {
        for (let n = 0; Date.now() < until; n++) {
          if ((n + w) % 2 === 0) await decideOnce(`new${mode}${counter++}`, true, stats);
          else await decideOnce(`warm${Math.floor(Math.random() * WARM)}`, false, stats);
        }
      };
      // A mutation every 3 s, each on its own (one waiting long must not hold back the next).
      const mutations: Array<Promise<void>> = [];
      const mutate = async () => {
        const started = Date.now();
        const res = await s.gql(`mutation($i: CreateExperimentInput!) { createExperiment(input: $i) { key } }`, { i: { key: `m${counter++}`, variants } });
        stats.mutations.push(`${res.errors?.[0]?.extensions.code ?? "OK"} in ${Date.now() - started} ms`);
      };
      for (let at = 0; at < SECONDS * 1_000; at += 3_000) mutations.push(new Promise((r) => setTimeout(r, at)).then(mutate));
      await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
      // The outage may outlast the load (OUTAGE_TAIL_MS): the queue then waits with nothing asking.
      await new Promise((r) => setTimeout(r, Number(process.env.OUTAGE_TAIL_MS ?? 0)));
      const outage = new Map(given);
      await proxy.setMode("pass");
      await Promise.all(mutations);
      const recoveryStarted = Date.now();
      let stored = new Map<string, string>();
      while (Date.now() - recoveryStarted < 60_000) {
        stored = await admin(direct.toString(), async (c) => {
          const rows = await c.query<{ experiment_key: string; actor: string; variant_key: string }>(
            `SELECT experiment_key, actor, variant_key FROM assignments WHERE actor LIKE $1`,
            [`new${mode}%`],
          );
          return new Map(rows.rows.map((r) => [`${r.experiment_key}/${r.actor}`, r.variant_key]));
        });
        if ([...outage.keys()].every((k) => stored.has(k))) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      const lostRows = [...outage].filter(([k, v]) => stored.get(k) !== v);
      const lostExamples = lostRows.slice(0, 5).map(([k, v]) => `${k}: given ${v}, stored ${stored.get(k) ?? "nothing"}`);
      return { mode, seconds: SECONDS, ...stats, assignmentsGiven: outage.size, lost: lostRows.length, lostExamples, storedWithinMs: Date.now() - recoveryStarted };
    };
    const phases = (process.env.PHASES ?? "refuse,hang").split(",") as ProxyMode[];
    const report: Record<string, unknown> = { warm: warmStats };
    for (const mode of phases) report[mode] = await phase(mode);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    process.stderr.write(s.output().split("\n").filter((l) => /unreachable|reachable again|queue|dropped/.test(l)).join("\n") + "\n");
  } finally {
    await proxy.setMode("pass");
    if (server) {
      server.child.kill("SIGTERM");
      await server.exited;
    }
    await proxy.close();
    await admin(ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
