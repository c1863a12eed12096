// createApp(config): database, migrations, services and server wired together, ready to listen.

import type { AddressInfo } from "node:net";
import xxhash from "xxhash-wasm";
import type { AppConfig } from "./config";
import type { Logger } from "./logger";
import { createDataSource } from "./persistence/data-source";
import { Database } from "./persistence/database";
import { AssignmentService } from "./services/assignment.service";
import { ExperimentService } from "./services/experiment.service";
import { ExposureWriter } from "./services/exposure-writer";
import { createServer } from "./server";

export interface App {
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting, drains requests, flushes exposures, closes the database. */
  close(): Promise<void>;
  readonly exposures: ExposureWriter;
}

export async function createApp(config: AppConfig, logger: Logger): Promise<App> {
  const { h32 } = await xxhash();
  const dataSource = createDataSource(config.database);
  await dataSource.initialize();
  if (config.migrate) {
    const applied = await dataSource.runMigrations({ transaction: "each" });
    if (applied.length > 0) logger.info({ migrations: applied.map((m) => m.name) }, "migrations applied");
  }
  const db = new Database(dataSource);
  const exposures = new ExposureWriter(db, logger, { flushMs: config.exposureFlushMs });
  const services = {
    experiments: new ExperimentService(db),
    assignments: new AssignmentService(db, h32, exposures),
  };
  const server = createServer({ services, logger, production: config.production, isReady: () => db.isReachable() });
  await server.start();

  return {
    exposures,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.httpServer.once("error", reject);
        server.httpServer.listen(port, host, () => {
          server.httpServer.off("error", reject);
          resolve(server.httpServer.address() as AddressInfo);
        });
      }),
    close: async () => {
      const started = Date.now();
      await server.stop();
      logger.debug({ ms: Date.now() - started }, "requests drained");
      await exposures.flush();
      logger.debug({ ms: Date.now() - started }, "exposures flushed");
      await dataSource.destroy();
      logger.info({ ms: Date.now() - started }, "stopped");
    },
  };
}
