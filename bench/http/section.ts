// The HTTP rows: Tessera decide and decideBatch against bare node:http and Apollo, each server in its own process;
// and the same build with its costs turned off (METRICS=off; AUTH=off with METRICS=off) to price them.

import type { ChildProcess } from "node:child_process";
import type { BenchOptions } from "../cli";
import { distFile, firstMessage, log, spawnNode, stopChild } from "../children";
import { makeRow, measure, missing, type Row } from "../report";
import { alternate } from "../stats";
import { makeContexts } from "../workload";
import type { ReadyMessage } from "./child-entry";
import { loadPlan, problems, runLoad } from "./load";
import { cpuSecondsOf } from "./server-cpu";
import { BATCH_SIZE, batchBody, decideBody, experimentBody, POOL_SIZE, SMALL_BODY } from "./requests";
import { checkBatch, checkExperiment, experimentUrl, seedTessera, startTessera, type TesseraServer, useSdkKey, warmUp } from "./tessera-server";

const CONNECTIONS = 50;

const MEASURE_ORDER = [
  "bare",
  "decide",
  "decide METRICS=off",
  "decide AUTH=off",
  "POST /experiment",
  "Apollo constant",
  "Apollo 100 items",
  "decideBatch 100",
  "decideBatch 100 METRICS=off",
  "decideBatch 100 AUTH=off",
];
const SETTLE_MS = 1_500;

interface Contender {
  readonly name: string;
  readonly url: string;
  readonly bodies: readonly string[];
  readonly headers?: Readonly<Record<string, string>>;
  /** The server's process, whose CPU time per request is recorded (Tessera's twins). */
  readonly pid?: number;
}

async function startBaseline(name: string, file: string, children: ChildProcess[]): Promise<string> {
  const child = spawnNode({ name, args: [distFile("bench", "http", file)], env: { NODE_ENV: "production" }, ipc: true });
  children.push(child);
  const port = await firstMessage(child, (m) => (m as Partial<ReadyMessage>)?.ready, 30_000);
  return `http://127.0.0.1:${port}/graphql`;
}

const either = (...failures: (string | null)[]): string | null => failures.filter(Boolean).join("; ") || null;

export async function httpRows(options: BenchOptions): Promise<Row[]> {
  const { seconds, warmSeconds, rounds, service, prefix } = loadPlan(options);
  const pool = makeContexts(POOL_SIZE);
  const decideBodies = pool.map((c) => decideBody(service, c));
  const experimentBodies = pool.map((c) => experimentBody(service, c));
  const batches = Array.from({ length: POOL_SIZE / BATCH_SIZE }, (_, b) => pool.slice(b * BATCH_SIZE, (b + 1) * BATCH_SIZE));
  const batchBodies = batches.map((contexts) => batchBody(service, contexts));

  // The AUTH=off twin decides for a service of its own, so on a shared PostgreSQL the two never meet.
  const offService = `${service}_off`;
  const offBodies = pool.map((c) => decideBody(offService, c));
  const offBatchBodies = batches.map((contexts) => batchBody(offService, contexts));
  // So does the METRICS=off twin (keys on): the two differ by the metrics alone.
  const plainService = `${service}_plain`;
  const plainBodies = pool.map((c) => decideBody(plainService, c));
  const plainBatchBodies = batches.map((contexts) => batchBody(plainService, contexts));

  const children: ChildProcess[] = [];
  const notes = { decide: [] as string[], apollo: [] as string[], keys: [] as string[], metrics: [] as string[] };
  const started = (s: TesseraServer) => (children.push(s.child), s);
  const failed = (e: unknown) => (e instanceof Error ? e : new Error(String(e)));
  try {
    log("http: starting bare, Apollo and Tessera servers (keys and metrics; keys and METRICS=off; AUTH=off and METRICS=off)");
    const [bareUrl, apolloUrl, tessera, tesseraOff, tesseraPlain] = await Promise.all([
      startBaseline("bare", "bare-server.js", children),
      startBaseline("apollo", "apollo-server.js", children),
      startTessera(options.databaseUrl).then(started, failed),
      startTessera(options.databaseUrl, { authOff: true, env: { METRICS: "off" } }).then(started, failed),
      startTessera(options.databaseUrl, { env: { METRICS: "off" } }).then(started, failed),
    ]);
    let tesseraFailure: string | null = tessera instanceof Error ? `the Tessera server did not start: ${tessera.message}` : null;
    let offFailure: string | null = tesseraOff instanceof Error ? `the AUTH=off Tessera server did not start: ${tesseraOff.message}` : null;
    let plainFailure: string | null = tesseraPlain instanceof Error ? `the METRICS=off Tessera server did not start: ${tesseraPlain.message}` : null;
    if (!(tessera instanceof Error)) {
      try {
        log(`tessera: seeding ${prefix}_l0..9 for service "${service}"; decide goes with an SDK key limited to it`);
        await seedTessera(tessera, service, prefix);
        await useSdkKey(tessera, service);
        const w = await warmUp(tessera, service, pool);
        log(`tessera: warm-up of ${POOL_SIZE} actors took ${(w.ms / 1000).toFixed(2)} s; steady-state sources: ${w.sources}`);
        notes.decide.push(`warm-up (first decide of ${POOL_SIZE} actors, 10 concurrent) ${(w.ms / 1000).toFixed(2)} s; then sources ${w.sources}`);
        notes.decide.push("with an SDK key limited to the service: authenticated, role and services checked, rate-limited");
        await checkBatch(tessera, batchBodies[0], batches[0]);
        await checkExperiment(tessera, service, experimentBodies.slice(0, 20), pool.slice(0, 20));
      } catch (error) {
        tesseraFailure = `the Tessera server failed before the load: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    if (!(tesseraOff instanceof Error)) {
      try {
        await seedTessera(tesseraOff, offService, `${prefix}_off`);
        await warmUp(tesseraOff, offService, pool);
      } catch (error) {
        offFailure = `the AUTH=off Tessera server failed before the load: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    if (!(tesseraPlain instanceof Error)) {
      try {
        await seedTessera(tesseraPlain, plainService, `${prefix}_plain`);
        await useSdkKey(tesseraPlain, plainService);
        await warmUp(tesseraPlain, plainService, pool);
      } catch (error) {
        plainFailure = `the METRICS=off Tessera server failed before the load: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    if (tesseraFailure) log(tesseraFailure);
    if (offFailure) log(offFailure);
    if (plainFailure) log(plainFailure);
    notes.keys.push("the same build: keys, rate limits and metrics on, against AUTH=off with METRICS=off");
    notes.metrics.push("the same build with the same SDK key, METRICS=off: the cost of counting and timing each request");

    const contenders: Contender[] = [
      // The bare server gets the very same requests as decide: the load generator does the same work for both.
      { name: "bare", url: bareUrl, bodies: decideBodies },
      { name: "Apollo constant", url: apolloUrl, bodies: [SMALL_BODY] },
      { name: "Apollo 100 items", url: apolloUrl, bodies: batchBodies },
    ];
    if (!tesseraFailure && !(tessera instanceof Error)) {
      contenders.push(
        { name: "decide", url: tessera.url, bodies: decideBodies, headers: tessera.headers, pid: tessera.child.pid },
        { name: "decideBatch 100", url: tessera.url, bodies: batchBodies, headers: tessera.headers },
        // The same decisions through SPEC §15's API, with the same SDK key: GraphQL's cost, measured by its absence.
        { name: "POST /experiment", url: experimentUrl(tessera), bodies: experimentBodies, headers: tessera.headers },
      );
    }
    // The AUTH=off twin gets the batches too: each server's decide rounds then follow the same work
    // (batches leave a heap to collect), and the two decide rows differ by the keys alone.
    if (!offFailure && !(tesseraOff instanceof Error)) {
      contenders.push(
        { name: "decide AUTH=off", url: tesseraOff.url, bodies: offBodies, pid: tesseraOff.child.pid },
        { name: "decideBatch 100 AUTH=off", url: tesseraOff.url, bodies: offBatchBodies },
      );
    }
    if (!plainFailure && !(tesseraPlain instanceof Error)) {
      contenders.push(
        { name: "decide METRICS=off", url: tesseraPlain.url, bodies: plainBodies, headers: tesseraPlain.headers, pid: tesseraPlain.child.pid },
        { name: "decideBatch 100 METRICS=off", url: tesseraPlain.url, bodies: plainBatchBodies, headers: tesseraPlain.headers },
      );
    }
    // Rows that compare twins measure them one right after the other in every round: on a shared
    // 2-core machine the slow phases then hit both alike (a twin measured after a batch contender's
    // backlog, as the METRICS=off one was at first, read 10-15 % slower than its twin in every round).
    contenders.sort((a, b) => MEASURE_ORDER.indexOf(a.name) - MEASURE_ORDER.indexOf(b.name));
    const byName = new Map(contenders.map((c) => [c.name, c]));
    const load = (c: Contender, s: number) => runLoad({ url: c.url, bodies: c.bodies, headers: c.headers, connections: CONNECTIONS, seconds: s });

    for (const c of contenders) {
      log(`http: warming up ${c.name} (${warmSeconds} s)`);
      await load(c, warmSeconds);
    }
    log(`http: ${rounds} rounds × ${contenders.length} contenders × ${seconds} s, ${CONNECTIONS} connections`);
    /** Server CPU microseconds per answered request, per run, of the contenders with a pid. */
    const cpuPerRequest = new Map<string, number[]>();
    const results = await alternate([...byName.keys()], rounds, async (name) => {
      // A contender's server may still be working off the previous load (Apollo's 100-item batches
      // run a second behind): a pause, so no contender starts on another's backlog.
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      const contender = byName.get(name)!;
      const cpuBefore = cpuSecondsOf(contender.pid);
      const r = await load(contender, seconds);
      const cpuAfter = cpuSecondsOf(contender.pid);
      const cpuUs = cpuBefore === null || cpuAfter === null || r.responses === 0 ? null : ((cpuAfter - cpuBefore) * 1e6) / r.responses;
      if (cpuUs !== null) cpuPerRequest.set(name, [...(cpuPerRequest.get(name) ?? []), cpuUs]);
      log(`http: ${name}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms${cpuUs === null ? "" : `, server CPU ${cpuUs.toFixed(1)} µs/request`}`);
      return r;
    });
    // The least of the rounds: another process's load only ever adds to it (measured, a twin's CPU per
    // request read 42 µs in a quiet round and 60 µs in a busy one), so the least is the cost itself.
    const cpu = (name: string) => {
      const samples = cpuPerRequest.get(name) ?? [];
      return samples.length ? measure(`${name} server CPU, least of ${samples.length}`, samples, "µs/req", Math.min(...samples)) : missing(`${name} server CPU`, "µs/req");
    };

    const runs = (name: string) => results.get(name) ?? [];
    const rps = (name: string, unit = "req/s", factor = 1) => {
      const r = runs(name);
      return r.length ? measure(name, r.map((x) => x.rps * factor), unit) : missing(name, unit);
    };
    const p99 = (name: string) => {
      const r = runs(name);
      return r.length ? measure(name, r.map((x) => x.p99Ms), "ms p99") : missing(name, "ms p99");
    };
    const bareProblems = problems(runs("bare"));
    const decideFailure = either(tesseraFailure, problems(runs("decide")), bareProblems && `bare: ${bareProblems}`);
    const apolloP99 = p99("Apollo constant").median;
    notes.apollo.push(`Apollo p99 ${apolloP99.toFixed(2)} ms (record only: Apollo's own overhead, SPEC §11 quotes 0.23×)`);
    return [
      makeRow({ name: "decide req/s vs bare", value: rps("decide"), baseline: rps("bare"), target: { cmp: ">=", bound: 0.3 }, failure: decideFailure, notes: notes.decide }),
      makeRow({ name: "decide p99 vs bare", value: p99("decide"), baseline: p99("bare"), target: { cmp: "<=", bound: 2 }, failure: decideFailure }),
      makeRow({
        name: "decide with keys+limits+metrics vs AUTH=off+metrics off",
        value: rps("decide"),
        baseline: rps("decide AUTH=off"),
        // SPEC §11: keys, rate limits and metrics cost decide at most 10 % of its requests per second.
        target: { cmp: ">=", bound: 0.9 },
        failure: either(tesseraFailure, offFailure, problems(runs("decide")), problems(runs("decide AUTH=off"))),
        notes: notes.keys,
      }),
      makeRow({
        name: "decide with metrics vs metrics off",
        value: rps("decide"),
        baseline: rps("decide METRICS=off"),
        // SPEC §14: metrics cost decide at most 5 % of its requests per second.
        target: { cmp: ">=", bound: 0.95 },
        failure: either(tesseraFailure, plainFailure, problems(runs("decide")), problems(runs("decide METRICS=off"))),
        notes: notes.metrics,
      }),
      // Record only: the server's CPU per request, which other processes disturb less than req/s
      // (a ratio above 1 is what metrics, or keys+limits+metrics, cost each request).
      makeRow({
        name: "decide server CPU/request, metrics vs metrics off",
        value: cpu("decide"),
        baseline: cpu("decide METRICS=off"),
        failure: either(tesseraFailure, plainFailure),
      }),
      makeRow({
        name: "decide server CPU/request, keys+limits+metrics vs AUTH=off+metrics off",
        value: cpu("decide"),
        baseline: cpu("decide AUTH=off"),
        failure: either(tesseraFailure, offFailure),
      }),
      makeRow({
        name: "POST /experiment req/s vs bare",
        value: rps("POST /experiment"),
        baseline: rps("bare"),
        // SPEC §11 names no bound for it; decide's is the floor: the same decision with less to do.
        target: { cmp: ">=", bound: 0.3 },
        failure: either(tesseraFailure, problems(runs("POST /experiment")), bareProblems && `bare: ${bareProblems}`),
        notes: ["the bare server answers decide's body (a little longer than POST /experiment's)"],
      }),
      makeRow({
        name: "POST /experiment req/s vs decide",
        value: rps("POST /experiment"),
        baseline: rps("decide"),
        failure: either(tesseraFailure, problems(runs("POST /experiment")), problems(runs("decide"))),
      }),
      makeRow({
        name: "Apollo constant req/s vs bare",
        value: rps("Apollo constant"),
        baseline: rps("bare"),
        failure: either(problems(runs("Apollo constant")), bareProblems && `bare: ${bareProblems}`),
        notes: notes.apollo,
      }),
      makeRow({
        name: "decideBatch 100 items/s vs Apollo",
        value: rps("decideBatch 100", "items/s", 100),
        baseline: rps("Apollo 100 items", "items/s", 100),
        target: { cmp: ">=", bound: 1.0 },
        failure: either(tesseraFailure, problems(runs("decideBatch 100")), problems(runs("Apollo 100 items"))),
      }),
      makeRow({
        name: "decideBatch 100 with metrics vs metrics off",
        value: rps("decideBatch 100", "items/s", 100),
        baseline: rps("decideBatch 100 METRICS=off", "items/s", 100),
        failure: either(tesseraFailure, plainFailure, problems(runs("decideBatch 100")), problems(runs("decideBatch 100 METRICS=off"))),
      }),
      makeRow({
        name: "decideBatch 100 with keys+limits+metrics vs AUTH=off+metrics off",
        value: rps("decideBatch 100", "items/s", 100),
        baseline: rps("decideBatch 100 AUTH=off", "items/s", 100),
        failure: either(tesseraFailure, offFailure, problems(runs("decideBatch 100")), problems(runs("decideBatch 100 AUTH=off"))),
      }),
    ];
  } finally {
    await Promise.all(children.map((c) => stopChild(c)));
  }
}
