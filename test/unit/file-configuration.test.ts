// FileConfiguration when its sink fails unexpectedly: the reload never throws, the fault is reported, and
// the files are offered again until the sink takes them (the chain of reloads does not stop).

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createLogger } from "../../src/logger";
import { FileConfiguration } from "../../src/services/file-configuration";
import type { FileSink, FilesRead } from "../../src/services/file-sink";

it("an unexpected failure of the sink is reported, retried, and a later success serves the files", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tessera-file-sink-"));
  const file = path.join(dir, "tessera.json");
  fs.writeFileSync(file, JSON.stringify({ format: "tessera.config/v1", experiments: [{ key: "e", state: "RUNNING", variants: [{ key: "a", weight: 1 }] }] }));
  let failures = 1;
  const served: FilesRead[] = [];
  const sink: FileSink = {
    serve: async (read) => {
      if (failures-- > 0) throw new Error("the driver broke");
      served.push(read);
      return 7;
    },
  };
  const files = new FileConfiguration({ kind: "document", file }, sink, createLogger("silent"));
  try {
    await files.start();
    expect(files.status.error).toMatchObject({ message: "the driver broke" });
    expect(files.lastGoodAgeMs).toBeNull();
    for (let i = 0; i < 200 && served.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(served.map((r) => r.document.experiments.map((e) => e.key))).toEqual([["e"]]);
    expect(files.status.error).toBeNull();
    expect(await files.reload()).toBe(true);
  } finally {
    files.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
