// `npm run -s config -- export [--out FILE]`, `npm run config -- plan FILE`, `npm run config -- apply FILE`:
// configuration as code against a running server (SPEC §15), for people and CI pipelines. The server
// does the work (exportConfig, importConfig with dryRun); this prints the plan readably and exits
// non-zero on any fault.

import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { parseArgs } from "node:util";

const USAGE = `usage:
  npm run -s config -- export [--out tessera.json]
  npm run config -- plan tessera.json [--prune] [--detailed-exitcode]
  npm run config -- apply tessera.json [--prune]
options: --url URL (or TESSERA_URL; default http://127.0.0.1:4000/graphql), --key SECRET (or TESSERA_KEY),
         --actor NAME (recorded in history; default: your user name)
exit codes: 0 done, 1 refused or failed, 2 (plan --detailed-exitcode) changes pending, 64 usage`;

const EXPORT = `{ exportConfig }`;
const IMPORT = `mutation($d: JSON!, $dry: Boolean!, $prune: Boolean!) {
  importConfig(document: $d, dryRun: $dry, prune: $prune) { applied configVersion slotsMoved changes { kind key action detail } } }`;

interface PlannedChange {
  readonly kind: string;
  readonly key: string;
  readonly action: "CREATE" | "UPDATE" | "DELETE";
  readonly detail: string | null;
}

interface ConfigPlan {
  readonly applied: boolean;
  readonly configVersion: number;
  readonly slotsMoved: number;
  readonly changes: readonly PlannedChange[];
}

interface GraphQLError {
  readonly message: string;
  readonly extensions?: { readonly code?: string; readonly field?: string };
}

/** A fault to report in one line, with the exit code it ends with. */
class Refusal extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

interface Connection {
  readonly url: string;
  readonly key: string | undefined;
  readonly actor: string;
}

async function graphql<T>(connection: Connection, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(connection.url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-actor": connection.actor, ...(connection.key ? { authorization: `Bearer ${connection.key}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
  } catch (error) {
    throw new Refusal(`cannot reach ${connection.url}: ${error instanceof Error ? (error.cause as Error | undefined)?.message ?? error.message : String(error)}`);
  }
  const text = await response.text();
  let body: { data?: T; errors?: GraphQLError[] };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new Refusal(`${connection.url} answered HTTP ${response.status} without GraphQL: ${text.slice(0, 200)}`);
  }
  const [error] = body.errors ?? [];
  if (error) {
    const code = error.extensions?.code ?? "ERROR";
    const field = error.extensions?.field;
    const where = field && !error.message.startsWith(field) ? ` at ${field}` : "";
    const hint = code === "UNAUTHENTICATED" ? " (set TESSERA_KEY or --key)" : "";
    throw new Refusal(`${code}${where}: ${error.message}${hint}`);
  }
  return body.data as T;
}

function readDocument(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new Refusal(`cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    if (/^\s*> /.test(text)) throw new Refusal(`${file} starts with npm's banner: write it with \`npm run -s config -- export > ${file}\` (-s) or \`--out ${file}\``);
    throw new Refusal(`${file} is not JSON: ${(error as Error).message}`);
  }
}

/** Indented JSON with every flat object or list that fits in a line on one line: a slot range per line reads (and diffs) better. */
function printed(value: unknown, indent = ""): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  const entries: Array<[string | null, unknown]> = Array.isArray(value) ? value.map((v) => [null, v]) : Object.entries(value);
  const label = (key: string | null) => (key === null ? "" : `${JSON.stringify(key)}: `);
  const [open, close] = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
  if (entries.every(([, v]) => v === null || typeof v !== "object")) {
    const line = `${open}${entries.map(([k, v]) => `${label(k)}${JSON.stringify(v)}`).join(", ")}${close}`;
    if (indent.length + line.length <= 100) return line;
  }
  const inner = `${indent}  `;
  return `${open}\n${entries.map(([k, v]) => `${inner}${label(k)}${printed(v, inner)}`).join(",\n")}\n${indent}${close}`;
}

const SIGNS: Readonly<Record<PlannedChange["action"], string>> = { CREATE: "+", UPDATE: "~", DELETE: "-" };

/** The plan as a reviewer reads it: one line per object, then a count. */
function describe(plan: ConfigPlan, file: string): string {
  if (plan.changes.length === 0) return `No changes: the server already matches ${file} (configuration version ${plan.configVersion}).\n`;
  const width = Math.max(...plan.changes.map((c) => `${c.kind} ${c.key}`.length));
  const lines = plan.changes.map((c) => `  ${SIGNS[c.action]} ${`${c.kind} ${c.key}`.padEnd(width)}  ${c.detail ?? ""}`.trimEnd());
  const count = (action: PlannedChange["action"]) => plan.changes.filter((c) => c.action === action).length;
  const summary = `${plan.changes.length} change(s): ${count("CREATE")} to create, ${count("UPDATE")} to update, ${count("DELETE")} to archive or disable; ${plan.slotsMoved} slot(s) move.`;
  const outcome = plan.applied ? `Applied as configuration version ${plan.configVersion}.` : `Nothing written (dry run against configuration version ${plan.configVersion}).`;
  return `${lines.join("\n")}\n${summary}\n${outcome}\n`;
}

async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        url: { type: "string" },
        key: { type: "string" },
        actor: { type: "string" },
        out: { type: "string" },
        prune: { type: "boolean", default: false },
        "detailed-exitcode": { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
    });
  } catch (error) {
    throw new Refusal(`${(error as Error).message}\n${USAGE}`, 64);
  }
  const { positionals, values } = parsed;
  const [command, file, ...rest] = positionals;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const connection: Connection = {
    url: values.url ?? process.env.TESSERA_URL ?? "http://127.0.0.1:4000/graphql",
    key: values.key ?? process.env.TESSERA_KEY,
    actor: values.actor ?? os.userInfo().username,
  };
  if (command === "export" && file === undefined) {
    const { exportConfig } = await graphql<{ exportConfig: unknown }>(connection, EXPORT);
    const text = `${printed(exportConfig)}\n`;
    if (values.out) writeFileSync(values.out, text);
    else process.stdout.write(text);
    return 0;
  }
  if ((command === "plan" || command === "apply") && file !== undefined && rest.length === 0) {
    const document = readDocument(file);
    const dryRun = command === "plan";
    const { importConfig } = await graphql<{ importConfig: ConfigPlan }>(connection, IMPORT, { d: document, dry: dryRun, prune: values.prune });
    process.stdout.write(describe(importConfig, file));
    return dryRun && values["detailed-exitcode"] && importConfig.changes.length > 0 ? 2 : 0;
  }
  throw new Refusal(USAGE, 64);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const refusal = error instanceof Refusal ? error : new Refusal(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.stderr.write(`error: ${refusal.message}\n`);
    process.exit(refusal.exitCode);
  },
);
