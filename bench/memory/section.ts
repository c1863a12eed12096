// The memory row: runs the probe in its own process (a clean heap, --expose-gc) and reads its one-line answer.

import type { BenchOptions } from "../cli";
import { distFile, exited, log, spawnNode } from "../children";
import { makeRow, measure, missing, type Row } from "../report";
import type { MemoryReport } from "./child";

const LAYERS = 1000;
const PER_LAYER = 10;

export async function memoryRows(_options: BenchOptions): Promise<Row[]> {
  // Same size in --quick: the row is about one number, and a smaller snapshot would not tell it.
  log(`memory: compiling a snapshot of ${LAYERS} layers × ${PER_LAYER} experiments in a child process`);
  const child = spawnNode({
    name: "memory",
    args: ["--expose-gc", distFile("bench", "memory", "child.js"), String(LAYERS), String(PER_LAYER)],
    env: { NODE_ENV: "production" },
    captureStdout: true,
  });
  let out = "";
  let err = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  // stderr is also forwarded as it comes; kept here to name the cause in the row.
  child.stderr?.on("data", (chunk: string) => (err += chunk));
  const code = await exited(child);
  const name = `snapshot ${LAYERS} layers × ${PER_LAYER} exps`;
  let report: MemoryReport;
  try {
    if (code !== 0) {
      const cause = err.trim().split("\n")[0] ?? "";
      throw new Error(`the memory probe exited with code ${code}${cause ? `: ${cause}` : ""}`);
    }
    report = JSON.parse(out.trim().split("\n").pop() ?? "") as MemoryReport;
  } catch (error) {
    const failure = error instanceof Error ? error.message : String(error);
    return [makeRow({ name, value: missing("heap added", "MB"), target: { cmp: "<=", bound: 100 }, failure })];
  }
  const b = report.breakdownMB;
  return [
    makeRow({
      name,
      value: measure("heap added", [report.addedMB], "MB"),
      target: { cmp: "<=", bound: 100 },
      notes: [
        `heapUsed +${b.heapUsed.toFixed(1)} MB, external +${b.external.toFixed(1)} MB (of which arrayBuffers +${b.arrayBuffers.toFixed(1)} MB); ` +
          `${report.experiments} experiments compiled in ${report.compileMs.toFixed(0)} ms`,
      ],
    }),
  ];
}
