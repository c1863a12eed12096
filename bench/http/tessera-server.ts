// The real Tessera server as a contender: start dist/src/main.js, seed 10 layers over GraphQL, warm it up.

import type { ChildProcess } from "node:child_process";
import { distFile, exited, freePort, log, spawnNode, stopChild } from "../children";
import { elapsedNs, now } from "../stats";
import { type BenchContext, layerSpec, RULE, ruleHolds } from "../workload";
import { BENCH_ADMIN_KEY, forEachConcurrently, graphQL, postGraphQL } from "./graphql";
import { decideQuery, LAYER_COUNT } from "./requests";

export interface TesseraServer {
  readonly url: string;
  readonly child: ChildProcess;
  /** What decide requests send: an SDK key's authorization once `useSdkKey` made one; nothing with AUTH=off. */
  headers: Record<string, string>;
}

export interface TesseraOptions {
  /** AUTH=off: no key checked, no rate limit (SPEC §11's baseline for the cost of keys). */
  readonly authOff?: boolean;
  /** More environment (file mode's variables, say); it wins over the defaults above. */
  readonly env?: NodeJS.ProcessEnv;
}

interface DecideData {
  decide: { results: { experiments: { source: string }[] }[] };
}

/** Starts the server and waits for /readyz (configuration loaded, database reachable); stops it if it never gets there. */
export async function startTessera(databaseUrl: string | null, options: TesseraOptions = {}): Promise<TesseraServer> {
  const port = await freePort();
  const child = spawnNode({
    name: "tessera",
    args: ["--require", distFile("bench", "http", "die-with-parent.js"), distFile("src", "main.js")],
    ipc: true,
    env: {
      NODE_ENV: "production",
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: process.env.BENCH_SERVER_LOG_LEVEL ?? "warn",
      // Whatever the caller's shell holds, the database is the one this run asked for.
      DATABASE_URL: databaseUrl ?? undefined,
      PGLITE_DIR: databaseUrl ? undefined : "memory://",
      MIGRATE: undefined,
      // Seeding and probes use the run's ADMIN key (accepted with AUTH=off too: no key is checked there).
      AUTH: options.authOff ? "off" : "on",
      TESSERA_ADMIN_KEY: BENCH_ADMIN_KEY,
      TESSERA_ADMIN_KEY_RATE_LIMIT: "1000000",
      // On unless the caller turns it off (METRICS=off is the baseline of its cost), whatever the shell holds.
      METRICS: "on",
      ...options.env,
    },
  });
  try {
    return await waitUntilReady(child, `http://127.0.0.1:${port}`);
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}

async function waitUntilReady(child: ChildProcess, base: string): Promise<TesseraServer> {
  const started = now();
  let gone = false;
  void exited(child).then(() => (gone = true));
  while (elapsedNs(started) < 120e9) {
    if (gone) throw new Error(`the Tessera server exited during start (code ${child.exitCode})`);
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) {
        log(`tessera: ready at ${base} after ${(elapsedNs(started) / 1e9).toFixed(1)} s`);
        return { url: `${base}/graphql`, child, headers: {} };
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("the Tessera server was not ready after 120 s");
}

/** 10 explicit layers serving `service`, one running 50/50 experiment with the rule in each (SPEC §7 names). */
export async function seedTessera(server: TesseraServer, service: string, prefix: string): Promise<void> {
  for (let i = 0; i < LAYER_COUNT; i++) {
    const spec = layerSpec(i, LAYER_COUNT, prefix);
    await graphQL(server.url, "mutation($input: CreateLayerInput!) { createLayer(input: $input) { key } }", {
      input: { key: spec.key, priority: spec.priority, services: [service], defaultParams: spec.defaultParams },
    });
    await graphQL(server.url, "mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { key } }", {
      input: { key: spec.experiment, layer: spec.key, services: [service], traffic: 10_000, variants: spec.variants, rule: RULE },
    });
    await graphQL(server.url, "mutation($key: String!) { startExperiment(key: $key) { key state } }", { key: spec.experiment });
  }
}

/**
 * Makes decide requests go with an SDK key limited to `service`, as a frontend's would: the gate then
 * authenticates, checks the role and the services and takes a token for each request (SPEC §13).
 */
export async function useSdkKey(server: TesseraServer, service: string): Promise<void> {
  const created = await graphQL<{ createApiKey: { secret: string } }>(
    server.url,
    "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }",
    { input: { name: `bench-sdk-${service}`, role: "SDK", services: [service], rateLimit: 1_000_000 } },
  );
  server.headers = { authorization: `Bearer ${created.createApiKey.secret}` };
}

/**
 * Decides once for every actor of the pool: their sticky assignments are written now, on first sight, so the
 * measurement sees the steady state (assignments known and cached). Checks every answer on the way.
 */
export async function warmUp(server: TesseraServer, service: string, pool: readonly BenchContext[]): Promise<{ ms: number; sources: string }> {
  const started = now();
  const query = decideQuery(service);
  let fault: string | null = null;
  await forEachConcurrently(pool.length, 10, async (i) => {
    const r = await postGraphQL<DecideData>(server.url, query, { c: pool[i] }, server.headers);
    const got = r.data?.decide.results[0]?.experiments.length;
    const want = ruleHolds(pool[i]) ? LAYER_COUNT : 0;
    if (r.errors?.length) fault ??= `decide for ${pool[i].user_id}: ${r.errors[0].message}`;
    else if (got !== want) fault ??= `decide for ${pool[i].user_id}: ${got} experiments, expected ${want}`;
  });
  if (fault) throw new Error(fault);
  const ms = elapsedNs(started) / 1e6;
  // Once more for one eligible actor: what the steady state answers (STICKY is expected after the warm-up).
  const first = pool.find(ruleHolds)!;
  const again = await graphQL<DecideData>(server.url, query, { c: first }, server.headers);
  const counts = new Map<string, number>();
  for (const e of again.decide.results[0].experiments) counts.set(e.source, (counts.get(e.source) ?? 0) + 1);
  return { ms, sources: [...counts].map(([s, n]) => `${s}×${n}`).join(", ") };
}

interface BatchData {
  decideBatch: { results: { experiments: unknown[] }[] }[];
}

/** One decideBatch of the pool's first contexts, checked item by item before it is put under load. */
export async function checkBatch(server: TesseraServer, body: string, contexts: readonly BenchContext[]): Promise<void> {
  const response = await fetch(server.url, { method: "POST", headers: { "content-type": "application/json", ...server.headers }, body });
  const r = (await response.json()) as { data?: BatchData; errors?: { message: string }[] };
  if (r.errors?.length) throw new Error(`decideBatch: ${r.errors[0].message}`);
  const items = r.data?.decideBatch ?? [];
  if (items.length !== contexts.length) throw new Error(`decideBatch: ${items.length} items for ${contexts.length} requests`);
  items.forEach((d, i) => {
    const want = ruleHolds(contexts[i]) ? LAYER_COUNT : 0;
    if (d.results[0]?.experiments.length !== want) throw new Error(`decideBatch item ${i}: expected ${want} experiments`);
  });
}

/** POST /experiment's URL on the same server as `url` (/graphql). */
export const experimentUrl = (server: TesseraServer): string => server.url.replace(/\/graphql$/, "/experiment");

/** One POST /experiment per context, each checked against decide's count of experiments before it is put under load. */
export async function checkExperiment(server: TesseraServer, service: string, bodies: readonly string[], contexts: readonly BenchContext[]): Promise<void> {
  for (let i = 0; i < contexts.length; i++) {
    const response = await fetch(experimentUrl(server), { method: "POST", headers: { "content-type": "application/json", ...server.headers }, body: bodies[i] });
    const r = (await response.json()) as { results?: Record<string, { vids: number[]; matched_layers: string[] }>; errors?: { message: string }[] };
    if (response.status !== 200 || r.errors?.length) throw new Error(`POST /experiment: ${response.status} ${r.errors?.[0]?.message ?? ""}`);
    const want = ruleHolds(contexts[i]) ? LAYER_COUNT : 0;
    const got = r.results?.[service];
    if (got?.vids.length !== want || got.matched_layers.length !== want) throw new Error(`POST /experiment for ${contexts[i].user_id}: expected ${want} vids and layers`);
  }
}
