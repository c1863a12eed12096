// `npm run config -- export|plan|apply` (SPEC §15) as a pipeline runs it: the real command line
// against a real server, its output read as a person would, its exit codes as CI would.

import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { configVersion, ok, runningExperiment } from "../helpers/factories";
import { type TestServer, TEST_ADMIN_KEY, startTestServer } from "../helpers/test-server";

const ROOT = path.resolve(__dirname, "../..");

let server: TestServer;
let dir: string;

beforeAll(async () => {
  server = await startTestServer();
  dir = mkdtempSync(path.join(os.tmpdir(), "tessera-config-cli-"));
  await runningExperiment(server, "cli_exp");
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The command line as `npm run config --` runs it (compiled there; run from source here, same code). */
function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "src/cli/config.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, TESSERA_URL: server.url, TESSERA_KEY: TEST_ADMIN_KEY, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

it("exports the server's document, plans an edit readably without writing, applies it as one version, and then has nothing to do", async () => {
  const file = path.join(dir, "tessera.json");
  const exported = await cli(["export"]);
  expect(exported).toMatchObject({ code: 0, stderr: "" });
  writeFileSync(file, exported.stdout);
  expect(JSON.parse(exported.stdout)).toEqual(ok(await server.gql(`{ exportConfig }`)).exportConfig);

  const doc = JSON.parse(readFileSync(file, "utf8"));
  const exp = doc.experiments.find((e: any) => e.key === "cli_exp");
  exp.variants[0].weight = 75;
  exp.variants[1].weight = 25;
  doc.experiments.push({ key: "cli_new", state: "RUNNING", variants: [{ key: "only", weight: 1 }] });
  writeFileSync(file, JSON.stringify(doc, null, 2));

  const version = await configVersion(server);
  const plan = await cli(["plan", file]);
  expect(plan.code).toBe(0);
  expect(plan.stdout.split("\n")).toEqual([
    '  ~ experiment cli_exp  weight of "control" 50 → 75; weight of "treatment" 50 → 25; 2500 slots move',
    "  + experiment cli_new  RUNNING in its own layer, 1 variant(s), 10000 slots",
    "2 change(s): 1 to create, 1 to update, 0 to archive or disable; 2500 slot(s) move.",
    `Nothing written (dry run against configuration version ${version}).`,
    "",
  ]);
  expect(await configVersion(server)).toBe(version);
  expect((await cli(["plan", file, "--detailed-exitcode"])).code).toBe(2);

  const applied = await cli(["apply", file, "--actor", "ci-pipeline"]);
  expect(applied.code).toBe(0);
  expect(applied.stdout).toContain(`Applied as configuration version ${version + 1}.`);
  expect(await configVersion(server)).toBe(version + 1);
  const history = ok(await server.gql(`{ history(key: "cli_new") { mutation actor } }`)).history;
  expect(history).toEqual([{ mutation: "imported", actor: "ci-pipeline" }]);

  const again = await cli(["plan", file, "--detailed-exitcode"]);
  expect(again).toMatchObject({ code: 0, stdout: `No changes: the server already matches ${file} (configuration version ${version + 1}).\n` });
});

it("exits 1 with the code and the JSON path of a refused document, and writes nothing", async () => {
  const file = path.join(dir, "bad.json");
  writeFileSync(file, JSON.stringify({ format: "tessera.config/v1", experiments: [{ key: "cli_bad", variants: [{ key: "x", weight: -1 }] }] }));
  const version = await configVersion(server);
  const run = await cli(["apply", file]);
  expect(run.code).toBe(1);
  expect(run.stderr).toBe("error: BAD_USER_INPUT: document.experiments[0].variants[0].weight must be >= 0\n");
  expect(await configVersion(server)).toBe(version);
});

it("says what is wrong with the key, the file, the server and the usage", async () => {
  const noKey = await cli(["export"], { TESSERA_KEY: "" });
  expect(noKey.code).toBe(1);
  expect(noKey.stderr).toMatch(/^error: UNAUTHENTICATED at authorization: .*\(set TESSERA_KEY or --key\)\n$/);

  const banner = path.join(dir, "banner.json");
  writeFileSync(banner, "\n> tessera@0.1.0 config\n> node dist/src/cli/config.js export\n\n{}\n");
  const withBanner = await cli(["plan", banner]);
  expect(withBanner.code).toBe(1);
  expect(withBanner.stderr).toContain("starts with npm's banner");

  const down = await cli(["export", "--url", "http://127.0.0.1:9/graphql"]);
  expect(down.code).toBe(1);
  expect(down.stderr).toMatch(/^error: cannot reach http:\/\/127\.0\.0\.1:9\/graphql: /);

  expect((await cli(["frobnicate"])).code).toBe(64);
  expect((await cli(["plan"])).code).toBe(64);
});
