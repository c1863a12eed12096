// README's `npm start` as an operator runs it: built once (not compiled at every start), and stopped by a SIGTERM sent to npm itself.

import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { TEST_ADMIN_KEY } from "../helpers/test-server";

const ROOT = path.resolve(__dirname, "../..");
const MAIN = path.join(ROOT, "dist/src/main.js");

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "tessera-npm-start-"));
  // A build first, so that the start below finds dist/ up to date (the case the test is about).
  execFileSync("npm", ["run", "-s", "build"], { cwd: ROOT, stdio: "inherit" });
}, 120_000);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

interface ProcessRow {
  readonly pid: number;
  readonly ppid: number;
  readonly args: string;
}

/** Every process below `pid`, children first, with their command lines (ps, as on Linux and macOS). */
function descendantsOf(pid: number): ProcessRow[] {
  const rows = execFileSync("ps", ["-A", "-o", "pid=,ppid=,args="], { encoding: "utf8" })
    .split("\n")
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ pid: Number(match[1]), ppid: Number(match[2]), args: match[3]! }));
  const found: ProcessRow[] = [];
  for (let parents = [pid]; parents.length > 0; ) {
    const children = rows.filter((row) => parents.includes(row.ppid));
    found.push(...children);
    parents = children.map((row) => row.pid);
  }
  return found;
}

/** A failed assertion must not leave a server running (Jest would wait for its pipes). */
const killAll = (rows: readonly ProcessRow[]) => rows.forEach((row) => isAlive(row.pid) && process.kill(row.pid, "SIGKILL"));

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
};

/** Resolves with the connect error's code, or "connected". */
const connectTo = (port: number) =>
  new Promise<string>((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve("connected")));
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });

it("npm start serves from the existing build, and a SIGTERM to npm stops the server cleanly with no process left behind", async () => {
  const builtAt = fs.statSync(MAIN).mtimeMs;
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: "0", LOG_LEVEL: "info", PGLITE_DIR: path.join(root, "pglite"), TESSERA_ADMIN_KEY: TEST_ADMIN_KEY };
  // README's command runs on the default PGlite, as an operator's shell has no NODE_ENV (Jest sets "test").
  delete env.DATABASE_URL;
  delete env.NODE_ENV;
  const npm = spawn("npm", ["start"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  const npmExited = new Promise<number | null>((resolve) => npm.on("exit", (code) => resolve(code)));
  let out = "";
  npm.stderr!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    npm.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (match) resolve(match[1]!);
    });
    void npmExited.then((code) => reject(new Error(`npm start exited (${code}) before listening:\n${out}`)));
  });
  const below = descendantsOf(npm.pid!);
  try {
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${TEST_ADMIN_KEY}` }, body: JSON.stringify({ query: "{ experiments { key } }" }) });
    expect(await res.json()).toEqual({ data: { experiments: [] } });
    // Nothing was compiled again: the build made above is what runs.
    expect(fs.statSync(MAIN).mtimeMs).toBe(builtAt);
    // npm's only child is the server itself (the script's shell exec'd it), so npm's signal reaches it.
    expect(below.map((row) => [row.ppid, row.args])).toEqual([[npm.pid, "node dist/src/main.js"]]);

    npm.kill("SIGTERM");
    expect(await npmExited).toBe(0);
    expect(out).toContain('"signal":"SIGTERM","msg":"stopping: draining requests, flushing exposures"');
    expect(out).toContain('"msg":"stopped"');
    // No orphan: the server process is gone and its port refuses connections.
    expect(below.filter((row) => isAlive(row.pid))).toEqual([]);
    expect(await connectTo(Number(new URL(url).port))).toBe("ECONNREFUSED");
    expect(fs.existsSync(`${path.join(root, "pglite")}.lock`)).toBe(false);
  } finally {
    killAll(below);
    if (npm.exitCode === null) npm.kill("SIGKILL");
  }
}, 120_000);
