// The file mode row of SPEC §11: a sidecar (STORAGE=none) reading 100 layer files and their experiments;
// 200 changes to one layer file, each timed from the write to the first decide answer that serves it.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { BenchOptions } from "../cli";
import { log, stopChild } from "../children";
import { postGraphQL } from "../http/graphql";
import { startTessera, type TesseraServer } from "../http/tessera-server";
import { makeRow, measure, type Row } from "../report";
import { percentileOfSorted } from "../stats";

const LAYERS = 100;
const BOUND_MS = 100;
const SERVICE = "ranker_svc";
const SERVED = `query($c: JSON!) { decide(services: ["${SERVICE}"], context: $c) { configVersion } }`;

/** Layer i in the layered system's own shape (001): two variants split at `split`. */
function layerFile(i: number, split: number): string {
  const vid = 1_000 + 2 * i;
  return JSON.stringify({ layer_id: `layer_${i}`, version: "v1", priority: i, hash_key: "user_id", salt: `salt_${i}`, enabled: true, ranges: [{ start: 0, end: split, vid }, { start: split, end: 10_000, vid: vid + 1 }] });
}

function experimentFile(i: number): string {
  const vid = 1_000 + 2 * i;
  const rule = { type: "and", children: [{ type: "field", field: "country", op: "eq", values: ["US"] }, { type: "field", field: "age", op: "gte", values: [18] }] };
  return JSON.stringify({ eid: i, service: SERVICE, rule, variants: [{ vid, params: { [`p${i}`]: "a" } }, { vid: vid + 1, params: { [`p${i}`]: "b" } }] });
}

/** Asks the server until it serves `version`; the time of the answer that first does. */
async function servedAt(server: TesseraServer, version: number, deadline: number): Promise<number> {
  for (;;) {
    const r = await postGraphQL<{ decide: { configVersion: number } }>(server.url, SERVED, { c: { user_id: "probe", country: "US", age: 30 } });
    const at = performance.now();
    if ((r.data?.decide.configVersion ?? -1) >= version) return at;
    if (at > deadline) throw new Error(`the server still serves ${r.data?.decide.configVersion ?? JSON.stringify(r.errors)}, waiting for ${version}`);
  }
}

/** 200 changes to one layer file each, with the server reading the folders; the ms from each write to the first decide serving it. */
async function timeChanges(env: NodeJS.ProcessEnv, layersDir: string, changes: number): Promise<number[]> {
  let server: TesseraServer | null = null;
  try {
    server = await startTessera(null, { env });
    const first = await postGraphQL<{ decide: { configVersion: number } }>(server.url, SERVED, { c: { user_id: "probe", country: "US", age: 30 } });
    let version = first.data!.decide.configVersion;
    const servedMs: number[] = [];
    for (let i = 0; i < changes; i++) {
      const target = path.join(layersDir, `layer_${(i * 37) % LAYERS}.json`);
      const text = layerFile((i * 37) % LAYERS, 1_000 + ((i * 613 + 7 * changes) % 8_000));
      const written = performance.now();
      // Half written in place, half replaced by rename (as editors and ConfigMap updates do).
      if (i % 2 === 0) fs.writeFileSync(target, text);
      else {
        fs.writeFileSync(`${target}.tmp`, text);
        fs.renameSync(`${target}.tmp`, target);
      }
      const served = await servedAt(server, version + 1, written + 30_000);
      version++;
      servedMs.push(served - written);
    }
    return servedMs;
  } finally {
    if (server) await stopChild(server.child);
  }
}

function servedRow(name: string, servedMs: readonly number[], setting: string): Row {
  const sorted = [...servedMs].sort((x, y) => x - y);
  const p50 = percentileOfSorted(sorted, 50);
  const p99 = percentileOfSorted(sorted, 99);
  log(`files (${setting}): p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`);
  return makeRow({
    name,
    value: measure("p99", sorted, "ms", p99),
    target: { cmp: "<=", bound: BOUND_MS },
    notes: [`${sorted.length} changes to one of ${LAYERS} layer files (+${LAYERS} experiment files), ${setting}, write → first decide serving it; p50 ${p50.toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`],
  });
}

export async function filesRows(options: BenchOptions): Promise<Row[]> {
  const changes = options.quick ? 40 : 200;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "tessera-bench-files-"));
  const layersDir = path.join(root, "layers");
  const experimentsDir = path.join(root, "experiments");
  fs.mkdirSync(layersDir);
  fs.mkdirSync(experimentsDir);
  for (let i = 0; i < LAYERS; i++) {
    fs.writeFileSync(path.join(layersDir, `layer_${i}.json`), layerFile(i, 5_000));
    fs.writeFileSync(path.join(experimentsDir, `${i}.json`), experimentFile(i));
  }
  try {
    const folders = { LAYERS_DIR: layersDir, EXPERIMENTS_DIR: experimentsDir };
    const sidecar = await timeChanges({ STORAGE: "none", ...folders, PGLITE_DIR: undefined }, layersDir, changes);
    // On a database each change is an import (one transaction), then the snapshot follows it.
    const onDatabase = await timeChanges({ ...folders, PGLITE_DIR: path.join(root, "pglite") }, layersDir, changes);
    return [
      servedRow("file mode: a changed file served p99", sidecar, "STORAGE=none"),
      servedRow("file mode on PGlite: a changed file served p99", onDatabase, "on PGlite: each change imported, then served"),
    ];
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
