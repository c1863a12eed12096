// Database: the one way services reach storage; every driver error leaves it as a DomainError.

import type { Pool } from "pg";
import type { DataSource, EntityManager, QueryRunner } from "typeorm";
import { QueryFailedError, QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from "typeorm";
import type { IsolationLevel } from "typeorm/driver/types/IsolationLevel";
import { DomainError } from "../engine/errors";
import { isServerPool } from "./data-source";

/**
 * SQLSTATEs and socket codes meaning "the database cannot do this now": connection exceptions
 * (class 08), a backend terminated or the server shutting down (57P01-57P03), too many
 * connections (53300), a statement cancelled by statement_timeout (57014), a lock not had within
 * lock_timeout (55P03), a session ended by idle_in_transaction_session_timeout (25P03).
 */
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN",
  "57P01", "57P02", "57P03", "53300", "57014", "55P03", "25P03",
]);

/**
 * What pg, pg-pool and TypeORM say when there is no database to talk to: "timeout exceeded when
 * trying to connect" (pool), "Connection terminated unexpectedly" / "… due to connection timeout"
 * (a connection lost or never made), "Query read timeout" (query_timeout), "Client has encountered
 * a connection error and is not queryable", "Client was closed and is not queryable", "Cannot use
 * a pool after calling end on the pool", "connect ECONNREFUSED …".
 */
const UNAVAILABLE_MESSAGE =
  /timeout exceeded when trying to connect|Connection terminated|Query read timeout|not queryable|after calling end on the pool|connect ECONN|not connected|closed/i;

interface DriverError {
  code?: string;
  message?: string;
  constraint?: string;
  cause?: unknown;
}

const unavailable = (cause: string): DomainError => new DomainError("UNAVAILABLE", "the database cannot be reached", { cause });

/** The error and its causes (pg wraps a connection timeout's socket error in `cause`), a few deep. */
function* causes(error: unknown): Generator<DriverError> {
  let current: unknown = error instanceof QueryFailedError ? error.driverError : error;
  for (let depth = 0; depth < 4 && current !== null && typeof current === "object"; depth++) {
    yield current as DriverError;
    current = (current as DriverError).cause;
  }
}

/** Driver errors → domain errors: unique violations are conflicts, values the database refuses bad input, lost connections unavailability. */
export function translateDriverError(error: unknown): unknown {
  if (error instanceof DomainError) return error;
  // TypeORM's own error for a data source that never connected (a start while the database was down).
  if (error instanceof Error && error.name === "CannotExecuteNotConnectedError") {
    return new DomainError("UNAVAILABLE", "the database cannot be reached", { cause: "not connected yet" });
  }
  const driverError = causes(error).next().value as DriverError | undefined;
  const code = driverError?.code ?? "";
  if (code === "23505") {
    return new DomainError("CONFLICT", `already exists (${driverError?.constraint ?? "unique constraint"})`, {
      constraint: driverError?.constraint,
    });
  }
  const message = driverError?.message ?? "";
  // Class 22, data exception: a value the column cannot hold (a NUL character in text or JSON, say).
  if (code.startsWith("22")) {
    return new DomainError("BAD_USER_INPUT", `a value cannot be stored: ${message || code}`, { sqlState: code });
  }
  // TypeORM gives a connection back when it reports an error (the server ended the session, say):
  // the transaction's next query then finds its runner released.
  if (error instanceof QueryRunnerAlreadyReleasedError || error instanceof QueryRunnerProviderAlreadyReleasedError) return unavailable("connection lost");
  for (const cause of causes(error)) {
    const causeCode = cause.code ?? "";
    if (UNAVAILABLE_CODES.has(causeCode) || causeCode.startsWith("08") || UNAVAILABLE_MESSAGE.test(cause.message ?? "")) {
      return unavailable(causeCode || cause.message || "unknown");
    }
  }
  return error;
}

export const isUnavailable = (error: unknown): boolean => error instanceof DomainError && error.code === "UNAVAILABLE";

/** TypeORM's PostgreSQL query runner (PGlite's too): it can give its connection back as broken. */
interface DiscardableRunner extends QueryRunner {
  releasePostgresConnection?(error?: Error): Promise<void>;
}

/**
 * Gives the runner's connection back as broken: pg's pool closes it (a connection that lost its
 * server or waits on one that hangs is of no further use; closing it rolls back its transaction
 * on the server, so no ROLLBACK is sent to wait on it). PGlite's single session is kept.
 */
function discard(runner: QueryRunner, reason: unknown): void {
  const release = (runner as DiscardableRunner).releasePostgresConnection;
  const error = reason instanceof Error ? reason : new Error(String(reason));
  if (release) void release.call(runner, error).catch(() => {});
  else void runner.release().catch(() => {});
}

export class Database {
  /** PGlite is one session in this process: it cannot hang, and a query it runs cannot be walked away from. */
  private readonly canTimeOut: boolean;

  constructor(private readonly source: DataSource | null) {
    this.canTimeOut = source !== null && isServerPool(source);
  }

  /** STORAGE=none: no database at all; whatever asks for one is answered UNAVAILABLE (the access gate refuses it first). */
  static absent(): Database {
    return new Database(null);
  }

  get isAbsent(): boolean {
    return this.source === null;
  }

  get dataSource(): DataSource {
    if (this.source === null) throw new DomainError("UNAVAILABLE", "this server runs without a database (STORAGE=none)", { cause: "STORAGE=none" });
    return this.source;
  }

  /** Runs `work` in one transaction; use only the given manager inside (PGlite has one session). */
  transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.run(work, { transaction: true });
  }

  /** Runs reads in one REPEATABLE READ transaction: a consistent view of several tables. */
  consistentRead<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.run(work, { transaction: true, isolation: "REPEATABLE READ" });
  }

  /** Runs reads outside a transaction. */
  async read<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await work(this.dataSource.manager);
    } catch (error) {
      throw translateDriverError(error);
    }
  }

  /**
   * Runs `work` on one connection, in a transaction when asked, and gives up after `deadlineMs`
   * (0: no deadline; none on PGlite) with UNAVAILABLE. The connection is then closed: a database
   * that hangs may never answer on it, and it must not hold a place in the pool meanwhile.
   */
  async withDeadline<T>(deadlineMs: number, work: (em: EntityManager) => Promise<T>, options: { transaction: boolean }): Promise<T> {
    if (deadlineMs <= 0 || !this.canTimeOut) return options.transaction ? this.transaction(work) : this.read(work);
    const runner = this.dataSource.createQueryRunner();
    let expired = false;
    let timer: NodeJS.Timeout | undefined;
    const expiry = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        expired = true;
        // Not yet connected (waiting for the pool): the attempt gives the connection back when it comes.
        if ((runner as { databaseConnection?: unknown }).databaseConnection) discard(runner, "deadline");
        reject(unavailable(`no answer within ${deadlineMs} ms`));
      }, deadlineMs);
    });
    const attempt = this.run(work, { ...options, runner, abandoned: () => expired });
    attempt.catch(() => {});
    try {
      return await Promise.race([attempt, expiry]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Closes the pool's idle connections (PostgreSQL). Called when the database stopped answering:
   * an idle connection may be stalled the same way, and a mutation handed one would wait for
   * query_timeout, where a new connection fails within the connect timeout. Through the pool's
   * public API: each idle connection is checked out and given back as broken.
   */
  dropIdleConnections(): void {
    const pool = this.canTimeOut ? (this.dataSource.driver as unknown as { master?: Pool }).master : undefined;
    for (let i = pool?.idleCount ?? 0; i > 0; i--) {
      pool!.connect().then(
        (client) => client.release(new Error("closed: the database stopped answering")),
        () => {},
      );
    }
  }

  /** Whether `SELECT 1` is answered within `deadlineMs`. */
  async isReachable(deadlineMs = 2_000): Promise<boolean> {
    if (this.source === null) return false;
    try {
      await this.withDeadline(deadlineMs, (em) => em.query("SELECT 1"), { transaction: false });
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Like TypeORM's `transaction`, except that a lost or hanging connection is closed instead of
   * sent a ROLLBACK (which would wait on it as long again: query_timeout twice).
   */
  private async run<T>(
    work: (em: EntityManager) => Promise<T>,
    options: { transaction: boolean; isolation?: IsolationLevel; runner?: QueryRunner; abandoned?: () => boolean },
  ): Promise<T> {
    const runner = options.runner ?? this.dataSource.createQueryRunner();
    const abandoned = options.abandoned ?? (() => false);
    let discarded = false;
    try {
      await runner.connect();
    } catch (error) {
      await runner.release();
      throw translateDriverError(error);
    }
    // The caller gave up while this waited for the pool: the connection is sound, and goes back unused.
    if (abandoned()) {
      await runner.release();
      throw unavailable("deadline passed while waiting for a connection");
    }
    try {
      if (options.transaction) await runner.startTransaction(options.isolation);
      const result = await work(runner.manager);
      if (options.transaction) await runner.commitTransaction();
      return result;
    } catch (error) {
      const translated = translateDriverError(error);
      if (isUnavailable(translated) || abandoned()) {
        discarded = true;
        discard(runner, error);
      } else if (runner.isTransactionActive) {
        await runner.rollbackTransaction().catch((rollbackError: unknown) => {
          discarded = true;
          discard(runner, rollbackError);
        });
      }
      throw translated;
    } finally {
      if (!discarded) await runner.release();
    }
  }
}
