// One load run with autocannon: requests per second, exact latency percentiles, and every kind of failure counted.

import autocannon from "autocannon";
import type { BenchOptions } from "../cli";
import { SERVICE } from "../workload";
import { elapsedNs, now, Samples } from "../stats";

export interface LoadSpec {
  /** http://127.0.0.1:port/graphql */
  readonly url: string;
  /** POST bodies, sent in turn by every connection (prebuilt once, so the load generator stays cheap). */
  readonly bodies: readonly string[];
  readonly connections: number;
  readonly seconds: number;
  /** Sent with every request (an API key). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface LoadResult {
  /** 2xx responses per second over the run. */
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly responses: number;
  readonly non2xx: number;
  /** 2xx answers carrying a GraphQL `errors` member. */
  readonly graphqlErrors: number;
  /** Socket errors, timeouts included. */
  readonly socketErrors: number;
}

export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  let graphqlErrors = 0;
  // A substring test, not JSON.parse: parsing every answer would take CPU from the server on a 2-core machine.
  const onResponse = (status: number, body: string) => {
    if (status >= 200 && status < 300 && body.includes('"errors"')) graphqlErrors++;
  };
  const requests = spec.bodies.map((body) => ({
    method: "POST" as const,
    path: new URL(spec.url).pathname,
    headers: { "content-type": "application/json", ...spec.headers },
    body,
    onResponse,
  }));
  const latencies = new Samples();
  let ok = 0;
  let started = now();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      { url: spec.url, connections: spec.connections, duration: spec.seconds, requests, timeout: 10 },
      (error: unknown, result: autocannon.Result) => {
        if (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        const seconds = elapsedNs(started) / 1e9;
        resolve({
          rps: ok / seconds,
          p50Ms: latencies.percentile(50),
          p99Ms: latencies.percentile(99),
          responses: ok,
          non2xx: result.non2xx,
          graphqlErrors,
          socketErrors: result.errors,
        });
      },
    );
    // The window starts when the connections are set up (request buffers built), as autocannon's own timer does.
    instance.on("start", () => {
      started = now();
    });
    // Our own latency record: autocannon's histogram keeps whole milliseconds, too coarse for a 2 ms p99.
    instance.on("response", (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) {
        ok++;
        latencies.push(ms);
      }
    });
  });
}

/** Everything that went wrong in a contender's runs, or null: a row built on failed requests must fail. */
export function problems(results: readonly LoadResult[] | undefined): string | null {
  if (!results || results.length === 0) return "not measured";
  const sum = (f: (r: LoadResult) => number) => results.reduce((a, r) => a + f(r), 0);
  const parts = [
    [sum((r) => r.non2xx), "non-2xx"],
    [sum((r) => r.graphqlErrors), "GraphQL errors"],
    [sum((r) => r.socketErrors), "socket errors/timeouts"],
  ].filter(([n]) => (n as number) > 0);
  return parts.length === 0 ? null : parts.map(([n, what]) => `${n} ${what}`).join(", ");
}

export interface LoadPlan {
  readonly seconds: number;
  readonly warmSeconds: number;
  readonly rounds: number;
  /** The service the run decides for, and the prefix of what it seeds. */
  readonly service: string;
  readonly prefix: string;
}

/** How long and how often the HTTP rows load a server, and what the run seeds under. */
export function loadPlan(options: BenchOptions): LoadPlan {
  // A shared PostgreSQL keeps earlier runs' configuration: a run-unique service and key prefix keep it out of this one.
  const runId = Date.now().toString(36);
  return {
    seconds: options.quick ? 2 : 5,
    warmSeconds: options.quick ? 1 : 2,
    rounds: options.quick ? 2 : 3,
    service: options.databaseUrl ? `${SERVICE}_${runId}` : SERVICE,
    prefix: options.databaseUrl ? `bench_${runId}` : "bench",
  };
}
