// Bootstrap: loadConfig → app (hash, database, migrations, server) → listen; graceful stop on signals.

import "reflect-metadata";
import { createApp } from "./app";
import { ConfigError, loadConfig } from "./config";
import { createLogger } from "./logger";
import { TrustedDocumentsError } from "./api/trusted-documents";
import { DataDirInUseError } from "./persistence/data-dir-lock";

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel);
  const app = await createApp(config, logger);
  const address = await app.listen(config.port, config.host);
  const where = config.database.kind === "postgres" ? "PostgreSQL" : config.database.kind === "pglite" ? `PGlite at ${config.database.dir}` : "none (STORAGE=none)";
  logger.info({ url: `http://${address.address}:${address.port}/graphql`, database: where }, "Tessera is listening");

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping: draining requests, flushing exposures");
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "unclean stop");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((error: unknown) => {
  // A refusal the operator can act on is said in its own words; anything else comes with its stack.
  const refused = error instanceof DataDirInUseError || error instanceof ConfigError || error instanceof TrustedDocumentsError;
  process.stderr.write(`Tessera failed to start: ${refused ? error.message : error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
