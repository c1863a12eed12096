// `assign` under load over HTTP (autocannon): requests/s and p99 against a running server, distinct or repeat actors.
//
// Usage: node dist/bench/assign-load.js <graphql url> <distinct|repeat> [seconds] [connections]
// (or npx ts-node --transpile-only bench/assign-load.ts …). Creates and starts an experiment of its own,
// then runs one load window; prints one JSON line.

import autocannon from "autocannon";
import { elapsedNs, now, Samples } from "./stats";

const ASSIGN = `mutation($experiment: String!, $actor: String!) { assign(experiment: $experiment, actor: $actor) { variant } }`;
const REPEAT_ACTORS = 1_000;

async function gql(url: string, query: string, variables: Record<string, unknown>): Promise<unknown> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { errors?: unknown };
  if (body.errors) throw new Error(`setup failed: ${JSON.stringify(body.errors)}`);
  return body;
}

async function main(): Promise<void> {
  const [url, mode = "distinct", secondsArg = "10", connectionsArg = "50"] = process.argv.slice(2);
  if (!url || (mode !== "distinct" && mode !== "repeat")) throw new Error("usage: assign-load <url> <distinct|repeat> [seconds] [connections]");
  const experiment = `load_${Date.now().toString(36)}`;
  await gql(url, `mutation($key: String!) { createExperiment(input: { key: $key, variants: [{ key: "a", weight: 50 }, { key: "b", weight: 50 }] }) { key } }`, { key: experiment });
  await gql(url, `mutation($key: String!) { startExperiment(key: $key) { state } }`, { key: experiment });

  let next = 0;
  const body = () => JSON.stringify({ query: ASSIGN, variables: { experiment, actor: mode === "repeat" ? `r${next++ % REPEAT_ACTORS}` : `d${next++}` } });
  if (mode === "repeat") for (let i = 0; i < REPEAT_ACTORS; i++) await gql(url, ASSIGN, { experiment, actor: `r${i}` });
  next = 0;

  const latencies = new Samples();
  let ok = 0;
  let errors = 0;
  let started = now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: Number(connectionsArg),
        duration: Number(secondsArg),
        timeout: 10,
        requests: [
          {
            method: "POST",
            headers: { "content-type": "application/json" },
            setupRequest: (req) => ({ ...req, body: body() }),
            onResponse: (status, text) => {
              if (status !== 200 || text.includes('"errors"')) errors++;
            },
          },
        ],
      },
      (error: unknown, res: autocannon.Result) => (error ? reject(error) : resolve(res)),
    );
    instance.on("start", () => (started = now()));
    instance.on("response", (_client, status, _bytes, ms) => {
      if (status === 200) {
        ok++;
        latencies.push(ms);
      }
    });
  });
  const seconds = elapsedNs(started) / 1e9;
  const out = {
    mode,
    rps: Math.round(ok / seconds),
    p50Ms: +latencies.percentile(50).toFixed(2),
    p99Ms: +latencies.percentile(99).toFixed(2),
    responses: ok,
    errors,
    socketErrors: result.errors,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
