// Child processes: where their compiled entry points are, spawning, and reaping every one of them (no orphans).

import { type ChildProcess, spawn, type SpawnOptions } from "node:child_process";
import net from "node:net";
import path from "node:path";

/** dist/ when this file runs compiled as dist/bench/children.js (the only supported way). */
export const DIST_DIR = path.resolve(__dirname, "..");
export const REPO_DIR = path.resolve(DIST_DIR, "..");
export const distFile = (...parts: string[]): string => path.join(DIST_DIR, ...parts);

const live = new Set<ChildProcess>();

export const log = (message: string): void => {
  process.stderr.write(`[bench] ${message}\n`);
};

/** Forwards a stream line by line to our stderr with a prefix: stdout is reserved for the table or JSON. */
function forward(stream: NodeJS.ReadableStream | null, prefix: string): void {
  if (!stream) return;
  let pending = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) if (line.trim()) process.stderr.write(`[${prefix}] ${line}\n`);
  });
}

export interface TrackedSpawn {
  readonly name: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** An IPC channel: our own children exit when it closes, even if we are killed without a chance to clean up. */
  readonly ipc?: boolean;
  /** Keep stdout for the caller (the memory child answers on it) instead of forwarding it. */
  readonly captureStdout?: boolean;
}

export function spawnNode(spec: TrackedSpawn): ChildProcess {
  const options: SpawnOptions = {
    cwd: REPO_DIR,
    env: { ...process.env, ...spec.env },
    stdio: spec.ipc ? ["ignore", "pipe", "pipe", "ipc"] : ["ignore", "pipe", "pipe"],
  };
  const child = spawn(process.execPath, [...spec.args], options);
  live.add(child);
  child.once("exit", () => live.delete(child));
  if (!spec.captureStdout) forward(child.stdout, spec.name);
  forward(child.stderr, spec.name);
  return child;
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

/** SIGTERM first (the Tessera server drains and closes its database), SIGKILL if it lingers. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = exited(child);
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await done;
  clearTimeout(timer);
}

export const stopAll = (): Promise<void[]> => Promise.all([...live].map((c) => stopChild(c)));

let installed = false;

/** Whatever ends this process (normal exit, Ctrl-C, a crash), no child outlives it. */
export function installCleanup(): void {
  if (installed) return;
  installed = true;
  // "exit" handlers cannot wait: SIGKILL is the only thing that is sure to land.
  process.on("exit", () => {
    for (const child of live) child.kill("SIGKILL");
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping ${live.size} child process(es)`);
      void stopAll().finally(() => process.exit(130));
    });
  }
  const crash = (error: unknown) => {
    process.stderr.write(`[bench] crashed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exit(2);
  };
  process.on("uncaughtException", crash);
  process.on("unhandledRejection", crash);
}

/** A port free right now (the Tessera server needs one in PORT; the tiny race is acceptable on loopback). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The first IPC message of a child matching `pick`, or a rejection when it exits or times out first. */
export function firstMessage<T>(child: ChildProcess, pick: (message: unknown) => T | undefined, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
    };
    const onMessage = (message: unknown) => {
      const value = pick(message);
      if (value !== undefined) {
        cleanup();
        resolve(value);
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`child exited (code ${code}) before it was ready`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`child not ready after ${timeoutMs} ms`));
    }, timeoutMs);
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}
