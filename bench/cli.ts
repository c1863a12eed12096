// The command line of `npm run bench`: which sections, how long, which output.

import { parseArgs } from "node:util";

export const SECTIONS = ["engine", "http", "flags", "memory", "propagation", "files"] as const;
export type Section = (typeof SECTIONS)[number];

export interface BenchOptions {
  readonly json: boolean;
  /** Fewer, shorter rounds: a smoke run whose numbers are indicative only. */
  readonly quick: boolean;
  readonly sections: readonly Section[];
  /** Run the Tessera server on this PostgreSQL instead of an in-memory PGlite. */
  readonly databaseUrl: string | null;
}

export const USAGE = `usage: npm run bench -- [--json] [--quick] [--only engine|http|flags|memory|propagation|files[,…]] [--database-url postgres://…]
  --json           print one JSON object instead of the table
  --quick          fewer and shorter rounds (smoke run; ratios are indicative only)
  --only SECTION   run only these sections (repeat or comma-separate); default: all
  --database-url   the Tessera server uses this PostgreSQL instead of an in-memory PGlite
                   (propagation: the PostgreSQL it creates its database on; default DATABASE_URL,
                   else postgres://postgres@127.0.0.1:5432/test, skipped when none answers)
exit code: 0 when every target is met, 1 when one fails, 2 on bad arguments`;

export class UsageError extends Error {}

export function parseOptions(argv: readonly string[]): BenchOptions | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        json: { type: "boolean", default: false },
        quick: { type: "boolean", default: false },
        only: { type: "string", multiple: true },
        "database-url": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  if (values.help) return "help";
  const requested = (values.only ?? []).flatMap((s) => s.split(",")).map((s) => s.trim()).filter(Boolean);
  for (const s of requested) {
    if (!(SECTIONS as readonly string[]).includes(s)) throw new UsageError(`unknown section "${s}" (engine, http, flags, memory, propagation, files)`);
  }
  const url = values["database-url"] ?? null;
  if (url !== null && !/^postgres(ql)?:\/\//.test(url)) throw new UsageError("--database-url must start with postgres://");
  return {
    json: values.json ?? false,
    quick: values.quick ?? false,
    // Keep the canonical order whatever order they were asked in: the table reads the same every time.
    sections: requested.length === 0 ? SECTIONS : SECTIONS.filter((s) => requested.includes(s)),
    databaseUrl: url,
  };
}
