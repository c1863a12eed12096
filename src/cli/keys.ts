// `npm run keys -- create --name NAME --role ROLE [--services a,b] [--expires-at ISO] [--rate-limit N]`,
// `npm run keys -- list`, `npm run keys -- revoke ID`: API keys straight in the database (SPEC §13),
// for a first key or a lost one. Each change is a configuration change: running instances on
// PostgreSQL follow it. On PGlite the server must be stopped (one process per data directory).
// `create` prints the secret alone on stdout (`export TESSERA_KEY=$(npm run -s keys -- create …)`).

import "reflect-metadata";
import os from "node:os";
import { parseArgs } from "node:util";
import { loadConfig } from "../config";
import { DomainError } from "../engine/errors";
import { createLogger } from "../logger";
import { createDataSource } from "../persistence/data-source";
import { Database } from "../persistence/database";
import { DataDirInUseError } from "../persistence/data-dir-lock";
import { applyMigrations } from "../persistence/migrations";
import { ApiKeyService, type ApiKeyView } from "../services/api-key.service";
import { ConfigChanges } from "../services/config-change";

const USAGE = `usage:
  npm run keys -- create --name NAME --role ADMIN|DEVELOPER|VIEWER|SDK [--services a,b] [--expires-at 2027-01-01T00:00:00Z] [--rate-limit N]
  npm run keys -- list
  npm run keys -- revoke ID
(DATABASE_URL or PGLITE_DIR as for the server; on PGlite, stop the server first)`;

class UsageError extends Error {}

const row = (k: ApiKeyView): string =>
  [k.id, k.name, k.role, k.prefix, k.services?.join(",") ?? "*", `${k.rateLimit}/s`, k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : k.expiresAt ? `expires ${k.expiresAt.toISOString()}` : "active"].join("\t");

async function main(argv: readonly string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      name: { type: "string" },
      role: { type: "string" },
      services: { type: "string" },
      "expires-at": { type: "string" },
      "rate-limit": { type: "string" },
    },
  });
  const [command, id] = positionals;
  if (command !== "create" && command !== "list" && command !== "revoke") throw new UsageError(USAGE);
  if (command === "create" && (!values.name || !values.role)) throw new UsageError(`create needs --name and --role\n${USAGE}`);
  if (command === "revoke" && !id) throw new UsageError(`revoke needs the key's id (see list)\n${USAGE}`);
  const expiresAt = values["expires-at"] === undefined ? null : new Date(values["expires-at"]);
  if (expiresAt !== null && Number.isNaN(expiresAt.getTime())) throw new UsageError("--expires-at must be an ISO 8601 date");
  const rateLimit = values["rate-limit"] === undefined ? null : Number(values["rate-limit"]);

  const config = loadConfig(process.env);
  const logger = createLogger(process.env.LOG_LEVEL || "warn");
  const dataSource = await createDataSource(config.database, { postgres: config.postgres, logger }).initialize();
  try {
    if (config.migrate) await applyMigrations(dataSource, logger, config.database);
    // No follower and no registry here: the servers' own followers pick the change up.
    const changes = new ConfigChanges(new Database(dataSource), { catchUp: async () => undefined }, logger);
    const keys = new ApiKeyService(changes, { reload: async () => undefined }, null);
    const caller = { actor: `npm run keys (${os.userInfo().username})`, requestId: null, key: null };
    if (command === "list") {
      for (const key of await keys.list()) process.stdout.write(`${row(key)}\n`);
    } else if (command === "revoke") {
      process.stderr.write(`revoked: ${row(await keys.revoke(id!, caller))}\n`);
    } else {
      const services = values.services === undefined ? null : values.services.split(",").map((s) => s.trim());
      const created = await keys.create({ name: values.name!, role: values.role!.toUpperCase(), services, expiresAt, rateLimit }, caller);
      process.stderr.write(`created: ${row(created.apiKey)}\nthe secret below is shown this once; only its digest is stored:\n`);
      process.stdout.write(`${created.secret}\n`);
    }
  } finally {
    await dataSource.destroy();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const plain = error instanceof UsageError || error instanceof DataDirInUseError || error instanceof DomainError;
  const field = error instanceof DomainError && error.details.field ? ` (${error.details.field})` : "";
  process.stderr.write(`${plain ? `${(error as Error).message}${field}` : error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
