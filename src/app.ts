// createApp(config): database, migrations, services and server wired together, ready to listen.

import type { AddressInfo } from "node:net";
import xxhash from "xxhash-wasm";
import { SlotHasher } from "./engine/slot-hasher";
import { DomainError } from "./engine/errors";
import type { AppConfig } from "./config";
import { settlesWithin } from "./deadline";
import type { Logger } from "./logger";
import { createDataSource } from "./persistence/data-source";
import { Database, translateDriverError } from "./persistence/database";
import { applyMigrations } from "./persistence/migrations";
import { DEFAULT_BACKOFF, jittered } from "./persistence/notification-listener";
import { ActorMemory } from "./services/actor-memory";
import { AllocationService } from "./services/allocation.service";
import { AssignmentService } from "./services/assignment.service";
import { ConfigCacheFile } from "./services/config-cache-file";
import { AssignmentStore } from "./services/assignment-store";
import { ConfigChanges } from "./services/config-change";
import { ConfigChangeFeed, storedChanges } from "./services/config-change-feed";
import { ConfigDocumentService } from "./services/config-document.service";
import { ConfigFollower } from "./services/config-follower";
import { databaseReads, documentReads } from "./services/configuration-reads";
import { DecisionService } from "./services/decision.service";
import { ExperimentService } from "./services/experiment.service";
import { ExposureWriter } from "./services/exposure-writer";
import { FlagService } from "./services/flag.service";
import { FlagDecisionService } from "./services/flag-decision.service";
import { FileConfiguration } from "./services/file-configuration";
import { DatabaseSink, SnapshotSink } from "./services/file-sink";
import { LayerService } from "./services/layer.service";
import { Readiness } from "./services/readiness";
import { SnapshotStore } from "./services/snapshot-store";
import { createServer } from "./server";
import { AccessGate } from "./api/access-gate";
import { refusedInMode } from "./api/access-rules";
import { buildAppSchema } from "./api/schema";
import { TrustedDocuments } from "./api/trusted-documents";
import { ApiKeyService, type CreatedApiKey } from "./services/api-key.service";
import { KeyRegistry } from "./services/key-registry";
import { RateLimiter } from "./services/rate-limiter";
import { announceFirstKey } from "./first-key-banner";
import { appMetrics } from "./observability/app-metrics";

export interface App {
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting, drains requests, flushes exposures, closes the database. */
  close(): Promise<void>;
  /** The configuration follower (tests read its listener's pid and state). */
  readonly follower: ConfigFollower;
  /** The snapshot this instance decides with (tests compare instances). */
  readonly snapshots: SnapshotStore;
  /** The change feed of subscriptions (tests read its counts). */
  readonly changeFeed: ConfigChangeFeed;
  /** The API keys this instance knows (tests wait for a revocation to arrive). */
  readonly keys: KeyRegistry;
}

export interface AppOptions {
  /** Shows the secret of the ADMIN key a first start creates (SPEC §13: printed once); stdout by default. */
  readonly announceFirstKey?: (created: CreatedApiKey) => void;
}

/** How often each instance writes when its keys were last used. */
const KEY_USAGE_FLUSH_MS = 60_000;

/** Who makes the first key: the server itself. */
const FIRST_START = { actor: "tessera (first start)", requestId: null, key: null } as const;

/**
 * Facts kept in memory about actors: stored assignments, absent ones and exposures, with each
 * actor's record and maps counted in facts too. Measured 36-55 bytes a fact, so at most about
 * 22 MB; the least recently seen actors go first.
 */
const FACTS_REMEMBERED = 400_000;

/** How long a stop waits for the database to take the last exposures, and to close. */
const STOP_WRITE_MS = 5_000;

const isUnreachable = (error: unknown) => {
  const translated = translateDriverError(error);
  return translated instanceof DomainError && translated.code === "UNAVAILABLE";
};

export async function createApp(config: AppConfig, logger: Logger, options: AppOptions = {}): Promise<App> {
  // Read first: a manifest that cannot be used stops the start before anything opens.
  const trusted = config.trustedDocuments === null ? undefined : { documents: TrustedDocuments.load(config.trustedDocuments.file), roles: config.trustedDocuments.roles };
  const { h32 } = await xxhash();
  const source = config.configSource;
  const withoutDatabase = config.database.kind === "none";
  // STORAGE=none: no data source at all (no PGlite, no PostgreSQL, no migrations); the gate refuses what needs one.
  const dataSource = config.database.kind === "none" ? null : createDataSource(config.database, { postgres: config.postgres, logger });
  const db = dataSource === null ? Database.absent() : new Database(dataSource);
  const exposures = new ExposureWriter(db, logger, { flushMs: config.exposureFlushMs });
  const snapshots = new SnapshotStore(new SlotHasher(h32), logger);
  const listenUrl = config.database.kind === "postgres" ? config.database.url : null;
  const follower = new ConfigFollower(db, snapshots, logger, { reconcileMs: config.configReconcileMs, listenUrl });
  // Without a database the files are their own cache: a cold start reads them.
  const cache = config.configCacheFile === null || withoutDatabase ? null : new ConfigCacheFile(config.configCacheFile, logger);
  if (cache) snapshots.onSwap((state) => cache.save(state));
  const changes = new ConfigChanges(db, follower, logger);
  const memory = new ActorMemory(FACTS_REMEMBERED, config.stickyMissTtlMs);
  const changeFeed = new ConfigChangeFeed(storedChanges(db), follower, logger, {
    queueMax: config.subscriberQueueMax,
    currentVersion: () => (snapshots.isLoaded ? snapshots.version : null),
  });
  const bootstrap = config.auth.adminKey === null ? null : { secret: config.auth.adminKey, rateLimit: config.auth.adminKeyRateLimit };
  const keys = new KeyRegistry(db, logger, { bootstrap, usageFlushMs: KEY_USAGE_FLUSH_MS });
  keys.follow(follower);
  const apiKeys = new ApiKeyService(changes, keys, bootstrap);
  const gate = new AccessGate(buildAppSchema(), keys, new RateLimiter(), (key) => {
    if (!snapshots.isLoaded) return null;
    const experiment = snapshots.snapshot.experiments.get(key);
    return experiment ? (snapshots.snapshot.layers.get(experiment.layer)?.services ?? null) : null;
  }, (key) => (snapshots.isLoaded ? (snapshots.snapshot.flags.get(key)?.services ?? null) : null), {
    authOff: !config.auth.enabled,
    refused: refusedInMode({ fileMode: source.kind !== "database", withoutDatabase }),
    trusted,
  });
  if (trusted) logger.info({ documents: trusted.documents.size, roles: [...trusted.roles] }, "TRUSTED_DOCUMENTS: these roles run only the manifest's documents");
  if (!config.auth.enabled) logger.warn({ host: config.host }, "AUTH=off: no API key is checked; every caller may change every experiment (loopback only)");
  const assignmentStore = new AssignmentStore(db, memory, logger, { timeoutMs: config.stickyTimeoutMs, queueMax: config.assignmentQueueMax });
  const decisions = new DecisionService(assignmentStore, snapshots, exposures, memory, follower, { assignments: !withoutDatabase, exposures: !withoutDatabase });
  const experiments = new ExperimentService(db, changes);
  const layers = new LayerService(db, changes);
  const flags = new FlagService(db, changes);
  const configDocuments = new ConfigDocumentService(db, changes);
  // File mode: on a database the files are imported into it (the snapshot follows it); without one they are the snapshot.
  const files = source.kind === "database" ? null : new FileConfiguration(source, withoutDatabase ? new SnapshotSink(snapshots) : new DatabaseSink(configDocuments), logger);
  const assignments = new AssignmentService(db, h32, exposures, changes, memory);
  const services = {
    experiments,
    assignments,
    allocation: new AllocationService(db, changes),
    layers,
    decisions,
    changeFeed,
    apiKeys,
    flags,
    flagDecisions: new FlagDecisionService(decisions, snapshots),
    configDocuments,
    reads: files !== null && withoutDatabase ? documentReads(() => files.document) : databaseReads(experiments, layers, flags, configDocuments),
    configVersion: withoutDatabase ? () => snapshots.version : () => experiments.configVersion(),
  };
  const readiness = new Readiness(db, snapshots, follower, files);
  const metrics = config.metrics.enabled ? appMetrics({ snapshots, follower, decisions, exposures, assignmentStore, assignments }) : null;
  const server = createServer({
    services,
    logger,
    production: config.production,
    readiness: () => readiness.report(),
    gate,
    keys,
    metrics,
    metricsPublic: config.metrics.public,
    servedVersion: () => (snapshots.isLoaded ? snapshots.version : null),
  });

  let closed = false;
  const connect = async () => {
    if (dataSource === null) return;
    if (!dataSource.isInitialized) await dataSource.initialize();
    if (config.migrate) await applyMigrations(dataSource, logger, config.database);
    await follower.catchUp();
    await keys.reload();
    await follower.startFollowing();
    if (config.auth.enabled && config.auth.adminKey === null) {
      const created = await apiKeys.createFirstKey(FIRST_START);
      if (created) (options.announceFirstKey ?? announceFirstKey)(created);
    }
  };
  /** Retries a database that cannot be reached at start with the listener's backoff, until it answers or the app closes. */
  const retry = async (delayMs: number): Promise<void> => {
    await new Promise((resolve) => setTimeout(resolve, jittered(delayMs)).unref());
    if (closed) return;
    try {
      await connect();
      logger.info({ configVersion: snapshots.version }, "database reached: following the configuration");
    } catch (error) {
      if (!isUnreachable(error)) logger.error({ err: error }, "starting on the database failed; retrying");
      else logger.warn({ retryInMs: delayMs }, "the database is still unreachable");
      void retry(Math.min(delayMs * 2, DEFAULT_BACKOFF.maxMs));
    }
  };
  try {
    await connect();
  } catch (error) {
    // The embedded database cannot be "unreachable": a failure there is a real one.
    if (config.database.kind !== "postgres" || !isUnreachable(error)) throw error;
    const cached = cache?.read() ?? null;
    if (cached) {
      snapshots.replace(cached);
      logger.warn({ configVersion: cached.version, file: cache!.file }, "the database is unreachable: serving the cached configuration");
    } else logger.warn("the database is unreachable and no configuration is cached: not ready until it answers");
    void retry(DEFAULT_BACKOFF.initialMs);
  }
  if (files !== null) {
    // On a database the files are written into it; until it answers they are tried again every second.
    logger.info({ storage: config.database.kind }, "file mode: the configuration comes from files and is read-only");
    await files.start();
  }
  await server.start();

  return {
    follower,
    snapshots,
    changeFeed,
    keys,
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
      closed = true;
      await server.stop();
      files?.close();
      await changeFeed.close();
      logger.debug({ ms: Date.now() - started }, "sockets closed, requests drained");
      await follower.close();
      await settlesWithin(keys.close(), STOP_WRITE_MS);
      cache?.flush();
      await assignmentStore.close();
      // A database that hangs must not hold the stop: what it has not taken by then is counted as lost.
      if (!(await settlesWithin(exposures.flush(), STOP_WRITE_MS)) || exposures.unwritten > 0) {
        logger.error({ lost: exposures.unwritten }, "stopping: exposures the database did not take are lost");
      }
      logger.debug({ ms: Date.now() - started }, "queued assignments and exposures flushed");
      if (dataSource?.isInitialized && !(await settlesWithin(dataSource.destroy(), STOP_WRITE_MS))) {
        logger.warn("stopping: the database connections did not close in time");
      }
      logger.info({ ms: Date.now() - started }, "stopped");
    },
  };
}
