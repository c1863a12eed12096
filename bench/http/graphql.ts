// A minimal GraphQL-over-HTTP client for seeding and warming up (not for load: autocannon does that).

export interface GraphQLError {
  readonly message: string;
  readonly extensions?: { readonly code?: string };
}

export interface GraphQLResponse<T> {
  readonly data?: T | null;
  readonly errors?: readonly GraphQLError[];
}

import { randomBytes } from "node:crypto";

/** The ADMIN key every Tessera server of this run is started with (TESSERA_ADMIN_KEY), made fresh per run. */
export const BENCH_ADMIN_KEY = `tsk_bench_${randomBytes(24).toString("base64url")}`;

/** Who the seeding mutations are recorded as (change history, SPEC §6), and with which key. */
const HEADERS = { "content-type": "application/json", "x-actor": "bench", authorization: `Bearer ${BENCH_ADMIN_KEY}` };

/** `headers` replace the ADMIN key's (an SDK key's warm-up, say). */
export async function postGraphQL<T>(url: string, query: string, variables: object = {}, headers: Record<string, string> = {}): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, { method: "POST", headers: { ...HEADERS, ...headers }, body: JSON.stringify({ query, variables }) });
  const text = await response.text();
  try {
    return JSON.parse(text) as GraphQLResponse<T>;
  } catch {
    throw new Error(`HTTP ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
}

/** The data, or an error naming the first GraphQL error and its code. */
export async function graphQL<T>(url: string, query: string, variables: object = {}, headers: Record<string, string> = {}): Promise<T> {
  const result = await postGraphQL<T>(url, query, variables, headers);
  if (result.errors?.length) {
    const e = result.errors[0];
    throw new Error(`${e.extensions?.code ?? "ERROR"}: ${e.message}`);
  }
  if (!result.data) throw new Error("no data in the answer");
  return result.data;
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight. */
export async function forEachConcurrently(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
