// File mode (SPEC §15) in tests: the 001 README's files, temporary folders, a server reading them, and
// polling until a change is served (never a timed assertion).

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AppConfig, ConfigSource } from "../../src/config";
import type { Logger } from "../../src/logger";
import { ok } from "./factories";
import { startTestServer, type TestServer } from "./test-server";

/** The 001 README's layer configuration, verbatim. */
export const README_LAYER = `{
  "layer_id": "click_experiment",
  "version": "v1",
  "priority": 200,
  "hash_key": "user_id",
  "salt": "click_exp_2024",
  "enabled": true,
  "ranges": [
    {"start": 0, "end": 5000, "vid": 1001},
    {"start": 5000, "end": 10000, "vid": 1002}
  ]
}
`;

/** The 001 README's experiment configuration, verbatim. */
export const README_EXPERIMENT = `{
  "eid": 100,
  "service": "ranker_svc",
  "rule": {
    "type": "and",
    "children": [
      {"type": "field", "field": "country", "op": "eq", "values": ["US"]},
      {"type": "field", "field": "age", "op": "gte", "values": [18]}
    ]
  },
  "variants": [
    {
      "vid": 1001,
      "params": {"algorithm": "baseline", "timeout": 100}
    },
    {
      "vid": 1002,
      "params": {"algorithm": "new_model", "timeout": 200}
    }
  ]
}
`;

export interface LayeredFolders {
  readonly root: string;
  readonly layersDir: string;
  readonly experimentsDir: string;
  readonly source: ConfigSource;
  /** Writes `text` (or an object as JSON) to `layers/<name>` or `experiments/<name>` in place. */
  write(relative: string, content: string | object): void;
  remove(relative: string): void;
  /** Writes beside, then renames over the file: how editors and `kubectl cp` replace a file. */
  replace(relative: string, content: string | object): void;
}

const asText = (content: string | object) => (typeof content === "string" ? content : JSON.stringify(content, null, 2));

/** A fresh root folder holding `layers/` and `experiments/` with the README's files. */
export function layeredFolders(): LayeredFolders {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "tessera-files-"));
  const layersDir = path.join(root, "layers");
  const experimentsDir = path.join(root, "experiments");
  fs.mkdirSync(layersDir);
  fs.mkdirSync(experimentsDir);
  fs.writeFileSync(path.join(layersDir, "click.json"), README_LAYER);
  fs.writeFileSync(path.join(experimentsDir, "100.json"), README_EXPERIMENT);
  return {
    root,
    layersDir,
    experimentsDir,
    source: { kind: "layered", layersDir, experimentsDir },
    write: (relative, content) => fs.writeFileSync(path.join(root, relative), asText(content)),
    remove: (relative) => fs.rmSync(path.join(root, relative)),
    replace: (relative, content) => {
      const target = path.join(root, relative);
      const beside = path.join(path.dirname(target), `.${path.basename(target)}.tmp`);
      fs.writeFileSync(beside, asText(content));
      fs.renameSync(beside, target);
    },
  };
}

/** A server in file mode; `storage: "none"` runs it without any database. */
export function startFileServer(source: ConfigSource, options: { storage?: "database" | "none"; config?: Partial<AppConfig>; logger?: Logger } = {}): Promise<TestServer> {
  const withoutDatabase = options.storage === "none";
  return startTestServer({
    config: { configSource: source, ...options.config },
    logger: options.logger,
    ...(withoutDatabase ? { database: { config: { kind: "none" }, drop: async () => {} } } : {}),
  });
}

/** Registers a server over fresh README folders for the enclosing describe (or file), stopped and removed after it. */
export function fileServerPerSuite(options: { logger?: Logger; storage?: "database" | "none" } = {}): { readonly folders: LayeredFolders; readonly server: TestServer } {
  let folders: LayeredFolders | null = null;
  let server: TestServer | null = null;
  beforeAll(async () => {
    folders = layeredFolders();
    server = await startFileServer(folders.source, options);
  });
  afterAll(async () => {
    await server?.close();
    if (folders) fs.rmSync(folders.root, { recursive: true, force: true });
  });
  return {
    get folders() {
      return folders!;
    },
    get server() {
      return server!;
    },
  };
}

export interface ReadyReport {
  readonly httpStatus: number;
  readonly status: string;
  readonly configVersion: number | null;
  readonly database: string;
  readonly config?: { source: string; error: { file: string; field: string; message: string } | null };
}

export async function readyz(server: TestServer): Promise<ReadyReport> {
  const res = await fetch(server.url.replace(/\/graphql$/, "/readyz"));
  return { httpStatus: res.status, ...((await res.json()) as Omit<ReadyReport, "httpStatus">) };
}

/** Polls `probe` until `done` holds; fails after `withinMs` (a hang, not a speed target). */
export async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, withinMs = 15_000): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`still not so after ${withinMs} ms: ${JSON.stringify(value).slice(0, 1_000)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const DECIDE = `query($services: [String!]!, $context: JSON!) { decide(services: $services, context: $context) {
  configVersion results { service parameters vids matchedLayers experiments { experiment variant vid layer slot source } } } }`;

export interface Decided {
  readonly configVersion: number;
  readonly results: Array<{ service: string; parameters: Record<string, unknown>; vids: number[]; matchedLayers: string[]; experiments: Array<{ experiment: string; variant: string; vid: number; layer: string; slot: number; source: string }> }>;
}

export async function decide(server: TestServer, services: string[], context: Record<string, unknown>): Promise<Decided> {
  return ok(await server.gql(DECIDE, { services, context })).decide as Decided;
}

/** Until the server decides with a configuration newer than `version`. */
export function untilVersionAbove(server: TestServer, version: number): Promise<Decided> {
  return until(() => decide(server, [], {}), (d) => d.configVersion > version);
}
