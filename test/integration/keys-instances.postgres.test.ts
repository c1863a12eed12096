// API keys across instances on one PostgreSQL database (SPEC §13, within §10's propagation bound): a key
// made or revoked on one instance (or by `npm run keys`, a process of its own) is followed by the others,
// which close the revoked key's sockets (4403); two instances starting at once on an empty database make
// exactly one first ADMIN key. Waits poll until the state is reached; the test timeouts catch a hang.

import { spawn } from "node:child_process";
import path from "node:path";
import { HISTORY, ok } from "../helpers/factories";
import { bearer, closeAll, createKey, meAs, rawConnect, revokeKey, untilStatus } from "../helpers/api-keys";
import { type ServerProcess, startServerProcess } from "../helpers/server-process";
import { createTestDatabase, databaseEnv, type TestDatabase, withPg } from "../helpers/test-database";
import { startTestServer, type TestServer } from "../helpers/test-server";

const ROOT = path.resolve(__dirname, "../..");
const SECRET = /tsk_[A-Za-z0-9_-]{22,}/g;

let database: TestDatabase;
let a: TestServer;
let b: TestServer;
const processes: ServerProcess[] = [];
const databases: TestDatabase[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  a = await startTestServer({ database });
  b = await startTestServer({ database });
});
afterAll(async () => {
  for (const p of processes) if (p.child.exitCode === null) p.child.kill("SIGKILL");
  await Promise.all(processes.map((p) => p.exited));
  await Promise.all([a?.stop(), b?.stop()]);
  await database?.drop();
  for (const d of databases) await d.drop();
});

/** `npm run keys -- …` (src/cli/keys.ts under ts-node) on the test database: its exit code and what it wrote. */
function keysCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...databaseEnv(database.config), TESSERA_ADMIN_KEY: undefined };
  delete env.NODE_ENV;
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "src/cli/keys.ts", ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

/** `me` at a server process's URL with `secret`. */
async function meAt(url: string, secret: string): Promise<{ status: number; body: { data?: any; errors?: unknown[] } }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...bearer(secret) }, body: JSON.stringify({ query: `query { me { name role } }` }) });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: unknown[] } };
}

it("a key made on A works on B", async () => {
  const { secret, apiKey } = await createKey(a, { name: "made-on-a", role: "DEVELOPER" });
  const onB = await untilStatus(b, secret, 200);
  expect(ok(onB).me).toMatchObject({ id: apiKey.id, name: "made-on-a", role: "DEVELOPER" });
}, 60_000);

it("a key revoked on A is refused by B, and B's open socket of it is closed with 4403", async () => {
  const { secret, apiKey } = await createKey(a, { name: "revoked-on-a", role: "SDK" });
  await untilStatus(b, secret, 200);
  const onB = rawConnect(b, bearer(secret));
  expect(await onB.init).toEqual({ acked: true });

  await revokeKey(a, apiKey.id);
  // B closes the socket when it reloads its keys: from then on it refuses the key too.
  expect(await onB.closed).toBe(4403);
  const refused = await meAs(b, secret);
  expect(refused.status).toBe(401);
  expect(refused.errors?.[0]?.message).toMatch(/revoked/);
  expect(await rawConnect(b, bearer(secret)).init).toMatchObject({ acked: false, code: 4403 });
}, 60_000);

it("npm run keys create/revoke, straight in the database, are picked up by the running instances", async () => {
  const created = await keysCli(["create", "--name", "from-cli", "--role", "VIEWER"]);
  expect(created.code).toBe(0);
  // The secret alone on stdout (for `export TESSERA_KEY=$(npm run -s keys -- create …)`).
  expect(created.stdout).toMatch(/^tsk_[A-Za-z0-9_-]{22,}\n$/);
  expect(created.stderr).not.toContain(created.stdout.trim());
  const secret = created.stdout.trim();

  for (const server of [a, b]) expect(ok(await untilStatus(server, secret, 200)).me).toMatchObject({ name: "from-cli", role: "VIEWER" });
  const id = (ok(await meAs(a, secret)).me as { id: string }).id;
  const sockets = [rawConnect(a, bearer(secret)), rawConnect(b, bearer(secret))];
  expect(await Promise.all(sockets.map((s) => s.init))).toEqual([{ acked: true }, { acked: true }]);

  const revoked = await keysCli(["revoke", id]);
  expect(revoked.code).toBe(0);
  expect(revoked.stdout).toBe("");
  expect(await Promise.all(sockets.map((s) => s.closed))).toEqual([4403, 4403]);
  for (const server of [a, b]) expect((await meAs(server, secret)).status).toBe(401);
  const history = ok(await a.gql(HISTORY, { key: id })).history as Array<{ mutation: string; actor: string }>;
  expect(history.map((h) => h.mutation)).toEqual(["api_key_revoked", "api_key_created"]);
  expect(history.every((h) => h.actor.startsWith("npm run keys"))).toBe(true);
  await closeAll(sockets);
}, 120_000);

it("two instances starting at once on an empty database make exactly one first ADMIN key, shown by one of them", async () => {
  const empty = await createTestDatabase();
  databases.push(empty);
  const env = { ...databaseEnv(empty.config), TESSERA_ADMIN_KEY: "" };
  const started = await Promise.all([startServerProcess(env), startServerProcess(env)]);
  processes.push(...started);

  const shown = started.map((p) => p.output().match(SECRET) ?? []);
  const showing = shown.filter((secrets) => secrets.length > 0);
  expect(showing).toHaveLength(1);
  expect(showing[0]).toHaveLength(1);
  const secret = showing[0]![0]!;
  for (const p of started) {
    const me = await meAt(p.url, secret);
    expect(me.status).toBe(200);
    expect(me.body.data.me).toEqual({ name: "admin", role: "ADMIN" });
  }
  const rows = await withPg(empty, (c) => c.query<{ role: string }>("SELECT role FROM api_keys"));
  expect(rows.rows).toEqual([{ role: "ADMIN" }]);

  for (const p of started) p.child.kill("SIGTERM");
  expect(await Promise.all(started.map((p) => p.exited))).toEqual([0, 0]);
}, 120_000);
