// One process per PGlite data directory: a second process fails at start and the first keeps serving; a stale lock never blocks.

import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DataDirInUseError, lockDataDir, lockFileOf } from "../../src/persistence/data-dir-lock";
import { FIFTY_FIFTY } from "../helpers/factories";
import { startServerProcess } from "../helpers/server-process";

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "tessera-lock-"));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

/** PGlite in `dir`, whichever database the rest of the suite runs on: the lock is PGlite's. */
const pgliteEnv = (dir: string) => ({ DATABASE_URL: undefined, PGLITE_DIR: dir });

const CREATE = `mutation($key: String!, $variants: [VariantInput!]!) { createExperiment(input: { key: $key, variants: $variants }) { key } }`;
const EXPERIMENT = `query($key: String!) { experiment(key: $key) { key } }`;

it("a second process on the same directory exits 1 with the owner's pid; the first keeps serving and its data survives a restart", async () => {
  const dir = path.join(root, "pglite");
  const first = await startServerProcess(pgliteEnv(dir));
  try {
    expect((await first.gql(CREATE, { key: "kept", variants: FIFTY_FIFTY })).errors).toBeUndefined();
    const refused = await startServerProcess(pgliteEnv(dir)).then(
      (second) => (second.child.kill("SIGKILL"), "started"),
      (error: Error) => error.message,
    );
    expect(refused).toContain("server exited (1) before listening");
    expect(refused).toContain(`PGlite data directory ${dir} is in use by process ${first.child.pid} (lock file ${dir}.lock)`);
    // The first still serves, reads and writes.
    expect((await first.gql(CREATE, { key: "after", variants: FIFTY_FIFTY })).errors).toBeUndefined();
  } catch (error) {
    first.child.kill("SIGKILL");
    throw error;
  }
  first.child.kill("SIGTERM");
  expect(await first.exited).toBe(0);
  expect(fs.existsSync(`${dir}.lock`)).toBe(false);

  // Killed without a chance to clean up, the owner leaves its lock file: stale, it does not block the next start.
  const second = await startServerProcess(pgliteEnv(dir));
  second.child.kill("SIGKILL");
  await second.exited;
  expect(JSON.parse(fs.readFileSync(`${dir}.lock`, "utf8")).pid).toBe(second.child.pid);

  const third = await startServerProcess(pgliteEnv(dir));
  try {
    for (const key of ["kept", "after"]) expect((await third.gql(EXPERIMENT, { key })).data.experiment).toEqual({ key });
  } finally {
    third.child.kill("SIGTERM");
    expect(await third.exited).toBe(0);
  }
}, 180_000);

describe("the lock file", () => {
  /** A process of our own that stays up until killed. */
  async function liveProcess(): Promise<ChildProcess> {
    const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
    await new Promise((resolve) => child.once("spawn", resolve));
    return child;
  }
  const writeLock = (dir: string, owner: Record<string, unknown>) => fs.writeFileSync(lockFileOf(dir), JSON.stringify(owner));
  const lockError = (dir: string) => lockDataDir(dir).then((lock) => (lock.release(), null), (error: unknown) => error);

  it("names the directory's running owner, and is refused a second time in one process", async () => {
    const dir = path.join(root, "db");
    const owner = await liveProcess();
    try {
      writeLock(dir, { pid: owner.pid, host: os.hostname(), started: null });
      const error = await lockError(dir);
      expect(error).toBeInstanceOf(DataDirInUseError);
      expect((error as Error).message).toContain(`in use by process ${owner.pid}`);
    } finally {
      owner.kill("SIGKILL");
    }
    const other = path.join(root, "other");
    const lock = await lockDataDir(other);
    expect(await lockError(other)).toBeInstanceOf(DataDirInUseError);
    lock.release();
    expect(fs.existsSync(lock.file)).toBe(false);
  });

  it("takes over a lock whose process is gone, or whose pid now belongs to another process", async () => {
    const dead = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
    await new Promise((resolve) => dead.once("exit", resolve));
    const reused = await liveProcess();
    try {
      for (const [name, owner] of [
        ["dead", { pid: dead.pid, host: os.hostname(), started: null }],
        // A live pid whose start time differs from the one recorded: the owner died and the pid was given again.
        ["reused", { pid: reused.pid, host: os.hostname(), started: "1" }],
      ] as const) {
        const dir = path.join(root, name);
        writeLock(dir, owner);
        const lock = await lockDataDir(dir);
        expect(JSON.parse(fs.readFileSync(lock.file, "utf8")).pid).toBe(process.pid);
        lock.release();
      }
    } finally {
      reused.kill("SIGKILL");
    }
  });

  it("refuses, naming the file, when the lock file cannot be read (after giving its writer time to finish)", async () => {
    const dir = path.join(root, "garbled");
    fs.writeFileSync(lockFileOf(dir), "");
    const error = await lockError(dir);
    expect(error).toBeInstanceOf(DataDirInUseError);
    expect((error as Error).message).toContain(`unreadable lock file (lock file ${lockFileOf(dir)})`);
  });

  it("is one for two spellings of one directory (a symbolic link)", async () => {
    const dir = path.join(root, "real");
    fs.mkdirSync(dir);
    fs.symlinkSync(dir, path.join(root, "alias"));
    const lock = await lockDataDir(dir);
    try {
      expect(await lockError(path.join(root, "alias"))).toBeInstanceOf(DataDirInUseError);
    } finally {
      lock.release();
    }
  });
});
