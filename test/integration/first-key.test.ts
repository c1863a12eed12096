// The first start and AUTH=off, as real processes on PGlite (SPEC §13): without TESSERA_ADMIN_KEY a new
// data directory gets an ADMIN key whose secret is printed once on stdout, never in a log line, and a
// restart prints nothing; AUTH=off is refused on a non-loopback HOST and warned about on loopback.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type ServerProcess, startServerProcess } from "../helpers/server-process";

const SECRET = /tsk_[A-Za-z0-9_-]{22,}/g;

let root: string;
const processes: ServerProcess[] = [];
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "tessera-first-key-"));
});
afterEach(async () => {
  for (const p of processes.splice(0)) {
    if (p.child.exitCode === null) p.child.kill("SIGKILL");
    await p.exited;
  }
  fs.rmSync(root, { recursive: true, force: true });
});

/** A PGlite server process in `dir`, with no bootstrap key unless `env` sets one. */
async function start(dir: string, env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const started = await startServerProcess({ DATABASE_URL: undefined, PGLITE_DIR: dir, TESSERA_ADMIN_KEY: "", ...env });
  processes.push(started);
  return started;
}

async function stop(p: ServerProcess): Promise<void> {
  p.child.kill("SIGTERM");
  expect(await p.exited).toBe(0);
}

/** `me`, with `secret` as the key (none when null). */
async function me(url: string, secret: string | null): Promise<{ status: number; body: { data?: any; errors?: Array<{ extensions: { code: string } }> } }> {
  const headers: Record<string, string> = { "content-type": "application/json", ...(secret === null ? {} : { authorization: `Bearer ${secret}` }) };
  const res = await fetch(url, { method: "POST", headers, body: JSON.stringify({ query: `query { me { name role } }` }) });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: Array<{ extensions: { code: string } }> } };
}

/** The JSON log lines of a process's output (the banner is plain text). */
const logLines = (output: string): string[] => output.split("\n").filter((line) => line.startsWith("{"));

it("a new data directory gets an ADMIN key printed once, outside the log; a restart prints none and the key still works", async () => {
  const dir = path.join(root, "data");
  const first = await start(dir);
  const printed = first.output().match(SECRET) ?? [];
  expect(printed).toHaveLength(1);
  const secret = printed[0]!;
  const lines = logLines(first.output());
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    JSON.parse(line);
    expect(line).not.toContain("tsk_");
  }
  expect(await me(first.url, secret)).toEqual({ status: 200, body: { data: { me: { name: "admin", role: "ADMIN" } } } });
  expect((await me(first.url, null)).status).toBe(401);
  await stop(first);

  const second = await start(dir);
  expect(second.output()).not.toMatch(SECRET);
  expect((await me(second.url, secret)).status).toBe(200);
  await stop(second);
}, 120_000);

it("with TESSERA_ADMIN_KEY set, a new data directory gets no printed key", async () => {
  const adminKey = `tsk_boot_${"k".repeat(32)}`;
  const started = await start(path.join(root, "data"), { TESSERA_ADMIN_KEY: adminKey });
  expect(started.output()).not.toMatch(/tsk_/);
  expect(await me(started.url, adminKey)).toEqual({ status: 200, body: { data: { me: { name: "bootstrap", role: "ADMIN" } } } });
  await stop(started);
}, 120_000);

it("AUTH=off on a non-loopback HOST refuses to start (exit code 1), saying why", async () => {
  const refused = await start(path.join(root, "data"), { AUTH: "off", HOST: "0.0.0.0" }).then(
    (p) => `started at ${p.url}`,
    (error: Error) => error.message,
  );
  expect(refused).toContain("server exited (1) before listening");
  expect(refused).toContain("AUTH=off is only allowed when HOST is a loopback address");
  expect(refused).toContain('"0.0.0.0"');
}, 120_000);

it("AUTH=off on 127.0.0.1 starts with a warning and answers without a key", async () => {
  const started = await start(path.join(root, "data"), { AUTH: "off", HOST: "127.0.0.1" });
  const warnings = logLines(started.output())
    .map((line) => JSON.parse(line) as { level: number | string; msg: string })
    .filter((line) => /AUTH=off/.test(line.msg));
  expect(warnings).toHaveLength(1);
  expect([40, "warn"]).toContain(warnings[0]!.level);
  // No first key either: nothing is checked.
  expect(started.output()).not.toMatch(SECRET);
  const answer = await me(started.url, null);
  expect(answer.status).toBe(200);
  expect(answer.body.data.me.role).toBe("ADMIN");
  await stop(started);
}, 120_000);
