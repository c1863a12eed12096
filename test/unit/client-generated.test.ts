// The typed client's generated code (client/src/generated/) is what `npm run codegen` makes from today's
// schema.graphql and client/operations/: generated afresh into a temporary folder and compared file by file.

import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const ROOT = path.resolve(__dirname, "../..");
const CHECKED_IN = path.join(ROOT, "client/src/generated");
const CODEGEN_BIN = path.join(ROOT, "node_modules/@graphql-codegen/cli/esm/bin.js");

let fresh: string;
beforeAll(async () => {
  fresh = fs.mkdtempSync(path.join(os.tmpdir(), "tessera-codegen-"));
  // The CLI, as `npm run codegen` runs it (in a process of its own: it loads codegen.ts and its presets as ESM).
  await promisify(execFile)(process.execPath, [CODEGEN_BIN, "--config", "codegen.ts", "--silent"], { cwd: ROOT, env: { ...process.env, CODEGEN_OUT: `${fresh}/` } });
}, 120_000);
afterAll(() => fs.rmSync(fresh, { recursive: true, force: true }));

it("generates the same files as the checked-in ones (else run npm run codegen and commit client/src/generated/)", () => {
  expect(fs.readdirSync(fresh).sort()).toEqual(fs.readdirSync(CHECKED_IN).sort());
  for (const file of fs.readdirSync(fresh)) {
    const stale = fs.readFileSync(path.join(CHECKED_IN, file), "utf8") !== fs.readFileSync(path.join(fresh, file), "utf8");
    expect({ file, stale }).toEqual({ file, stale: false });
  }
});

it("the manifest has one document per operation of client/operations/, each named by the sha256 of its text", () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(CHECKED_IN, "persisted-documents.json"), "utf8")) as Record<string, string>;
  const operations = fs
    .readdirSync(path.join(ROOT, "client/operations"))
    .flatMap((file) => [...fs.readFileSync(path.join(ROOT, "client/operations", file), "utf8").matchAll(/^(query|mutation|subscription) (\w+)/gm)].map((m) => m[2]));
  const named = Object.values(manifest).map((text) => /(?:^|\} )(?:query|mutation|subscription) (\w+)/.exec(text)![1]);
  expect(named.sort()).toEqual(operations.sort());
  for (const [id, text] of Object.entries(manifest)) expect(id).toBe(`sha256:${createHash("sha256").update(text).digest("hex")}`);
});
