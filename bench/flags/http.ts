// decideFlags of 10 flags × 3 rules over HTTP against bare node:http (SPEC §11: ≥ 0.30×), 50 connections,
// with an SDK key. Written against the contract: until the server serves decideFlags the row is skipped.

import type { ChildProcess } from "node:child_process";
import xxhash from "xxhash-wasm";
import type { BenchOptions } from "../cli";
import { distFile, firstMessage, log, spawnNode, stopChild } from "../children";
import type { ReadyMessage } from "../http/child-entry";
import { forEachConcurrently, graphQL, postGraphQL } from "../http/graphql";
import { loadPlan, problems, runLoad } from "../http/load";
import { POOL_SIZE } from "../http/requests";
import { startTessera, useSdkKey } from "../http/tessera-server";
import { makeRow, measure, missing, type Row, skippedRow } from "../report";
import { alternate } from "../stats";
import { type BenchContext, makeContexts } from "../workload";
import { CREATE_FLAG, createFlagInput, type DecideFlagsData, decideFlagsBody, decideFlagsQuery, expectedFlags } from "./requests";
import { type FlagSpec, flagSpecs } from "./workload";

const CONNECTIONS = 50;
const ROW = "decideFlags 10×3 req/s vs bare";

/** JSON with sorted keys: jsonb (PostgreSQL) does not keep the key order the variables were written in. */
const canonical = (v: unknown): string =>
  v !== null && typeof v === "object" && !Array.isArray(v)
    ? `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(",")}}`
    : Array.isArray(v) ? `[${v.map(canonical).join(",")}]` : JSON.stringify(v);

/** The first answer that differs from the floor's over the whole pool, or null; decides every actor once. */
async function checkAnswers(url: string, headers: Record<string, string>, specs: readonly FlagSpec[], pool: readonly BenchContext[], h32: (s: string) => number): Promise<string | null> {
  const query = decideFlagsQuery(specs);
  let fault: string | null = null;
  await forEachConcurrently(pool.length, 10, async (i) => {
    const r = await postGraphQL<DecideFlagsData>(url, query, { c: pool[i] }, headers);
    if (r.errors?.length) {
      fault ??= `decideFlags for ${pool[i].user_id}: ${r.errors[0].extensions?.code ?? "ERROR"}: ${r.errors[0].message}`;
      return;
    }
    const got = r.data?.decideFlags.flags ?? [];
    const want = expectedFlags(specs, pool[i], h32);
    if (got.length !== want.length) fault ??= `decideFlags for ${pool[i].user_id}: ${got.length} flags, expected ${want.length}`;
    want.forEach((w, k) => {
      if (got[k] && canonical(got[k]) !== canonical(w)) fault ??= `decideFlags for ${pool[i].user_id}: got ${canonical(got[k])}, expected ${canonical(w)}`;
    });
  });
  return fault;
}

export async function flagsHttpRows(options: BenchOptions): Promise<Row[]> {
  const { h32 } = await xxhash();
  const { seconds, warmSeconds, rounds, service, prefix } = loadPlan(options);
  const specs = flagSpecs(prefix);
  const pool = makeContexts(POOL_SIZE);
  const bodies = pool.map((c) => decideFlagsBody(specs, c));

  const children: ChildProcess[] = [];
  try {
    log(`flags: starting Tessera, seeding ${prefix}_f0..9 for service "${service}" through createFlag`);
    const tessera = await startTessera(options.databaseUrl);
    children.push(tessera.child);
    for (const spec of specs) await graphQL(tessera.url, CREATE_FLAG, { input: createFlagInput(spec, service) });
    await useSdkKey(tessera, service);

    // Before the wiring lands the server refuses the field at validation: not a failure of this row, yet.
    const probe = await postGraphQL<DecideFlagsData>(tessera.url, decideFlagsQuery(specs), { c: pool[0] }, tessera.headers);
    const unknown = probe.errors?.find((e) => /Cannot query field "decideFlags"/.test(e.message));
    if (unknown) {
      log(`flags: the server does not serve decideFlags (${unknown.message}): ${ROW} skipped`);
      return [skippedRow(ROW, "skipped: decideFlags not served")];
    }
    const wrong = await checkAnswers(tessera.url, tessera.headers, specs, pool, h32);
    if (wrong) return [makeRow({ name: ROW, value: missing("decideFlags", "req/s"), failure: wrong })];

    const bare = spawnNode({ name: "bare-flags", args: [distFile("bench", "flags", "bare-flags-server.js")], env: { NODE_ENV: "production", BENCH_FLAG_PREFIX: prefix }, ipc: true });
    children.push(bare);
    const port = await firstMessage(bare, (m) => (m as Partial<ReadyMessage>)?.ready, 30_000);
    const contenders = new Map([
      // The bare server gets the very same requests: the load generator does the same work for both.
      ["bare", { url: `http://127.0.0.1:${port}/graphql`, headers: tessera.headers }],
      ["decideFlags", { url: tessera.url, headers: tessera.headers }],
    ]);
    const load = (name: string, s: number) => runLoad({ ...contenders.get(name)!, bodies, connections: CONNECTIONS, seconds: s });
    for (const name of contenders.keys()) {
      log(`flags: warming up ${name} (${warmSeconds} s)`);
      await load(name, warmSeconds);
    }
    log(`flags: ${rounds} rounds × 2 contenders × ${seconds} s, ${CONNECTIONS} connections`);
    const results = await alternate([...contenders.keys()], rounds, async (name) => {
      const r = await load(name, seconds);
      log(`flags: ${name}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms`);
      return r;
    });
    const runs = (name: string) => results.get(name) ?? [];
    const rps = (name: string) => (runs(name).length ? measure(name, runs(name).map((x) => x.rps), "req/s") : missing(name, "req/s"));
    const p99 = (name: string) => measure(name, runs(name).map((x) => x.p99Ms), "ms").median;
    const failure = [problems(runs("decideFlags")), problems(runs("bare")) && `bare: ${problems(runs("bare"))}`].filter(Boolean).join("; ") || null;
    return [
      makeRow({
        name: ROW,
        value: rps("decideFlags"),
        baseline: rps("bare"),
        target: { cmp: ">=", bound: 0.3 },
        failure,
        notes: [
          `with an SDK key limited to the service; every answer of ${POOL_SIZE} actors checked against the floor first`,
          `p99 ${p99("decideFlags").toFixed(2)} ms vs bare ${p99("bare").toFixed(2)} ms (record only)`,
        ],
      }),
    ];
  } finally {
    await Promise.all(children.map((c) => stopChild(c)));
  }
}
