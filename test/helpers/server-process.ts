// The real server as a process of its own (src/main.ts under ts-node), for tests where the process matters.

import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { ADMIN_HEADERS, TEST_ADMIN_KEY } from "./test-server";

const ROOT = path.resolve(__dirname, "../..");

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly exited: Promise<number | null>;
  /** Everything the process has logged so far. */
  output(): string;
  gql(query: string, variables?: Record<string, unknown>): Promise<{ data: any; errors?: Array<{ extensions: { code: string } }> }>;
}

/** Starts the server with `env` added to this process's environment; resolves once it logs where it listens. */
export function startServerProcess(env: NodeJS.ProcessEnv): Promise<ServerProcess> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PORT: "0", LOG_LEVEL: "info", TESSERA_ADMIN_KEY: TEST_ADMIN_KEY, TESSERA_ADMIN_KEY_RATE_LIMIT: "1000000", ...env };
  // Jest sets NODE_ENV=test; libraries behave differently under it (Apollo skips its signal handlers).
  delete childEnv.NODE_ENV;
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "src/main.ts"], { cwd: ROOT, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let out = "";
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (!match) return;
      const url = match[1]!;
      resolve({
        child,
        url,
        exited,
        output: () => out,
        async gql(query, variables = {}) {
          const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...ADMIN_HEADERS }, body: JSON.stringify({ query, variables }) });
          return (await res.json()) as { data: any; errors?: Array<{ extensions: { code: string } }> };
        },
      });
    });
    child.stderr!.on("data", (chunk: Buffer) => (out += chunk.toString()));
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening:\n${out}`)));
  });
}
