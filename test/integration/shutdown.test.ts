// The real process: SIGTERM drains requests, flushes buffered exposures, closes the database, exits 0.

import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ASSIGN, EXPOSURE_COUNTS, FIFTY_FIFTY } from "../helpers/factories";
import { createTestDatabase, ON_POSTGRES, type TestDatabase } from "../helpers/test-database";

const ROOT = path.resolve(__dirname, "../..");
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

interface Running {
  readonly child: ChildProcess;
  readonly url: string;
  readonly exited: Promise<number | null>;
  /** Everything the process has logged so far. */
  readonly output: () => string;
}

/** Starts `src/main.ts` as its own process; resolves once it logs where it listens. */
function startProcess(): Promise<Running> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: "0",
    LOG_LEVEL: "info",
    // Long enough that only the shutdown flush can write the exposure.
    EXPOSURE_FLUSH_MS: "60000",
    ...(ON_POSTGRES ? { DATABASE_URL: (database.config as { url: string }).url } : { PGLITE_DIR: (database.config as { dir: string }).dir }),
  };
  if (!ON_POSTGRES) delete env.DATABASE_URL;
  // Jest sets NODE_ENV=test; libraries behave differently under it (Apollo skips its signal handlers).
  delete env.NODE_ENV;
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "src/main.ts"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (match) resolve({ child, url: match[1]!, exited, output: () => out });
    });
    child.stderr!.on("data", (chunk: Buffer) => (out += chunk.toString()));
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening:\n${out}`)));
  });
}

async function gql(url: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query, variables }) });
  return (await res.json()) as { data: any; errors?: unknown[] };
}

it("exits 0 on SIGTERM after writing the exposures still in memory", async () => {
  const first = await startProcess();
  try {
    const created = await gql(first.url, `mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { key } }`, {
      input: { key: "shutdown_exp", variants: FIFTY_FIFTY },
    });
    expect(created.errors).toBeUndefined();
    await gql(first.url, `mutation { startExperiment(key: "shutdown_exp") { state } }`);
    const assigned = await gql(first.url, ASSIGN, { experiment: "shutdown_exp", actor: "user:1" });
    expect(assigned.data.assign.variant).toMatch(/control|treatment/);
  } catch (error) {
    // A failed step must not leave the process running (Jest would wait for it).
    first.child.kill("SIGKILL");
    throw error;
  }
  first.child.kill("SIGTERM");
  expect(await first.exited).toBe(0);
  // The orderly path ran to its end (drain → flush → close), not some other signal handler.
  expect(first.output()).toContain('"msg":"stopped"');

  const second = await startProcess();
  try {
    const counts = await gql(second.url, EXPOSURE_COUNTS, { experiment: "shutdown_exp" });
    const total = counts.data.exposureCounts.reduce((n: number, c: { exposures: number }) => n + c.exposures, 0);
    expect(total).toBe(1);
  } finally {
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  }
});
