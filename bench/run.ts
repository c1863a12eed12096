// Entry point of `npm run bench` (SPEC §11): parse options, run the sections, print the table or JSON, exit 0/1.

import { type BenchOptions, parseOptions, type Section, USAGE, UsageError } from "./cli";
import { installCleanup, log, stopAll } from "./children";
import { anyFailed, makeRow, missing, renderJson, renderTable, type Row } from "./report";

type SectionRunner = (options: BenchOptions) => Promise<Row[]>;

/**
 * Sections are required when they run, not imported: `--only http` must work while, say, the engine API it
 * does not need is mid-rewrite, and a section that cannot load becomes a failed row instead of a crash.
 */
const RUNNERS: Record<Section, () => SectionRunner> = {
  engine: () => (require("./engine/section") as typeof import("./engine/section")).engineRows,
  http: () => (require("./http/section") as typeof import("./http/section")).httpRows,
  flags: () => (require("./flags/section") as typeof import("./flags/section")).flagsRows,
  memory: () => (require("./memory/section") as typeof import("./memory/section")).memoryRows,
  propagation: () => (require("./propagation/section") as typeof import("./propagation/section")).propagationRows,
  files: () => (require("./files/section") as typeof import("./files/section")).filesRows,
};

async function runSection(section: Section, options: BenchOptions): Promise<Row[]> {
  const started = process.hrtime.bigint();
  try {
    return await RUNNERS[section]()(options);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(`${section}: failed: ${error instanceof Error ? error.stack ?? message : message}`);
    return [makeRow({ name: `${section} section`, value: missing(section, ""), failure: message })];
  } finally {
    log(`${section}: ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)} s`);
  }
}

async function main(): Promise<number> {
  let options: BenchOptions | "help";
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n${USAGE}\n`);
    return 2;
  }
  if (options === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  installCleanup();
  if (process.env.NODE_ENV !== "production") log("NODE_ENV is not production: graphql-js runs ~2× slower, numbers will not be comparable");
  if (options.quick) log("--quick: fewer and shorter rounds, a smoke run; the ratios are indicative only");
  const rows: Row[] = [];
  try {
    // One at a time: sections running together would share the two cores and measure each other.
    for (const section of options.sections) rows.push(...(await runSection(section, options)));
  } finally {
    await stopAll();
  }
  const { json, quick, sections, databaseUrl } = options;
  process.stdout.write(json ? renderJson(rows, { quick, sections, database: databaseUrl ? "postgres" : "pglite memory" }) : renderTable(rows));
  return anyFailed(rows) ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`[bench] ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
