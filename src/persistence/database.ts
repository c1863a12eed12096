// Database: the one way services reach storage; every driver error leaves it as a DomainError.

import { DataSource, type EntityManager, QueryFailedError } from "typeorm";
import { DomainError } from "../engine/errors";

const CONNECTION_ERRORS = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "ETIMEDOUT", "EPIPE", "57P01", "57P02", "57P03"]);

/** Driver errors → domain errors: unique violations are conflicts, values the database refuses bad input, lost connections unavailability. */
export function translateDriverError(error: unknown): unknown {
  if (error instanceof DomainError) return error;
  // TypeORM's own error for a data source that never connected (a start while the database was down).
  if (error instanceof Error && error.name === "CannotExecuteNotConnectedError") {
    return new DomainError("UNAVAILABLE", "the database cannot be reached", { cause: "not connected yet" });
  }
  const driverError = (error instanceof QueryFailedError ? error.driverError : error) as
    | { code?: string; message?: string; constraint?: string; detail?: string }
    | undefined;
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
  if (CONNECTION_ERRORS.has(code) || code.startsWith("08") || /Connection terminated|connect ECONN|not connected|closed/i.test(message)) {
    return new DomainError("UNAVAILABLE", "the database cannot be reached", { cause: code || message });
  }
  return error;
}

export class Database {
  constructor(readonly dataSource: DataSource) {}

  /** Runs `work` in one transaction; use only the given manager inside (PGlite has one session). */
  async transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.dataSource.transaction(work);
    } catch (error) {
      throw translateDriverError(error);
    }
  }

  /** Runs reads in one REPEATABLE READ transaction: a consistent view of several tables. */
  async consistentRead<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.dataSource.transaction("REPEATABLE READ", work);
    } catch (error) {
      throw translateDriverError(error);
    }
  }

  /** Runs reads outside a transaction. */
  async read<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await work(this.dataSource.manager);
    } catch (error) {
      throw translateDriverError(error);
    }
  }

  async isReachable(): Promise<boolean> {
    try {
      await this.dataSource.query("SELECT 1");
      return true;
    } catch {
      return false;
    }
  }
}
