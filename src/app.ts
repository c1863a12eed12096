// createApp(config): database, migrations, services and server wired together, ready to listen.

import type { AddressInfo } from "node:net";
import xxhash from "xxhash-wasm";
import { SlotHasher } from "./engine/slot-hasher";
import type { AppConfig } from "./config";
import type { Logger } from "./logger";
import { createDataSource } from "./persistence/data-source";
import { Database } from "./persistence/database";
import { applyMigrations } from "./persistence/migrations";
import { ActorMemory } from "./services/actor-memory";
import { AllocationService } from "./services/allocation.service";
import { AssignmentService } from "./services/assignment.service";
import { AssignmentStore } from "./services/assignment-store";
import { ConfigChanges } from "./services/config-change";
import { DecisionService } from "./services/decision.service";
import { ExperimentService } from "./services/experiment.service";
import { ExposureWriter } from "./services/exposure-writer";
import { LayerService } from "./services/layer.service";
import { SnapshotStore } from "./services/snapshot-store";
import { createServer } from "./server";

export interface App {
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting, drains requests, flushes exposures, closes the database. */
  close(): Promise<void>;
}

/**
 * Facts kept in memory about actors: stored assignments, absent ones and exposures, with each
 * actor's record and maps counted in facts too. Measured 36-55 bytes a fact, so at most about
 * 22 MB; the least recently seen actors go first.
 */
const FACTS_REMEMBERED = 400_000;

export async function createApp(config: AppConfig, logger: Logger): Promise<App> {
  const { h32 } = await xxhash();
  const dataSource = createDataSource(config.database, { postgres: config.postgres, logger });
  await dataSource.initialize();
  if (config.migrate) await applyMigrations(dataSource, logger);
  const db = new Database(dataSource);
  const exposures = new ExposureWriter(db, logger, { flushMs: config.exposureFlushMs });
  const snapshots = new SnapshotStore(db, new SlotHasher(h32), logger);
  await snapshots.refresh();
  const changes = new ConfigChanges(db, snapshots, logger);
  const memory = new ActorMemory(FACTS_REMEMBERED, config.stickyMissTtlMs);
  const assignmentStore = new AssignmentStore(db, memory, logger, { timeoutMs: config.stickyTimeoutMs, queueMax: config.assignmentQueueMax });
  const services = {
    experiments: new ExperimentService(db, changes),
    assignments: new AssignmentService(db, h32, exposures, changes, memory),
    allocation: new AllocationService(db, changes),
    layers: new LayerService(db, changes),
    decisions: new DecisionService(assignmentStore, snapshots, exposures, memory),
  };
  const server = createServer({ services, logger, production: config.production, isReady: async () => snapshots.isLoaded && (await db.isReachable()) });
  await server.start();

  return {
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
      await assignmentStore.close();
      await exposures.flush();
      logger.debug({ ms: Date.now() - started }, "queued assignments and exposures flushed");
      await dataSource.destroy();
      logger.info({ ms: Date.now() - started }, "stopped");
    },
  };
}
