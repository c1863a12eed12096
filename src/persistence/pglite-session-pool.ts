// PGlite is a single database session: hand it to one TypeORM query runner at a time, in one process per directory.
//
// Stock typeorm-pglite gives every query runner the same session, so concurrent
// transactions interleave (a failed transaction's insert was committed by another,
// see STACK.md). This pool keeps typeorm-pglite's instance management and queues
// `connect` until the previous runner releases, like a pg pool of size one. Before
// PGlite opens a data directory, the pool takes the directory's lock (data-dir-lock.ts).

import { EventEmitter } from "node:events";
import type { PGliteOptions } from "@electric-sql/pglite";
import { PGliteDriver } from "typeorm-pglite";
import { type DataDirLock, lockDataDir } from "./data-dir-lock";

type Release = () => void;
type BasePool = InstanceType<ReturnType<typeof basePoolClass>>;
type ConnectCallback = Parameters<BasePool["connect"]>[0];
type QueryCallback = Parameters<BasePool["query"]>[2];
type EndCallback = (error: Error | null) => void;

const basePoolClass = (options: PGliteOptions) => new PGliteDriver(options).driver.Pool;

/** A FIFO mutex: `acquire()` resolves with a release function once the holder is gone. */
class SessionLock {
  private tail: Promise<void> = Promise.resolve();

  acquire(): Promise<Release> {
    let release!: Release;
    const released = new Promise<void>((resolve) => (release = resolve));
    const acquired = this.tail.then(() => release);
    this.tail = this.tail.then(() => released);
    return acquired;
  }
}

export interface PGliteSessionDriver {
  Pool: new (...args: unknown[]) => EventEmitter;
}

/** A `pg`-shaped driver module for TypeORM's `driver` option, backed by one PGlite session. */
export function createPGliteSessionDriver(options: PGliteOptions): PGliteSessionDriver {
  const Base = basePoolClass(options);
  const runQuery = Base.prototype.query;

  const dataDir = options.dataDir;
  const onDisk = dataDir !== undefined && !dataDir.startsWith("memory://");

  class SessionPool extends Base {
    private readonly lock = new SessionLock();
    private taking: Promise<void> | null = null;
    private directory: DataDirLock | null = null;

    /** Takes the data directory for this process before PGlite first opens it; fails for good if another has it. */
    private takeDirectory(): Promise<void> {
      this.taking ??= onDisk
        ? lockDataDir(dataDir).then((lock) => {
            this.directory = lock;
          })
        : Promise.resolve();
      return this.taking;
    }

    override async connect(callback: ConnectCallback): Promise<void> {
      try {
        await this.takeDirectory();
      } catch (error) {
        callback(error as Error, null, () => {});
        return;
      }
      const release = await this.lock.acquire();
      let released = false;
      const done = () => {
        if (!released) {
          released = true;
          release();
        }
      };
      const client = Object.assign(new EventEmitter(), {
        query: (sql: string, params?: unknown[], cb?: QueryCallback) => runQuery.call(this, sql, params, cb),
        release: done,
      });
      // An unused runner's session must not stay locked if the instance fails to start.
      super.connect((error) => {
        if (error) {
          done();
          callback(error, null, done);
        } else callback(null, client as unknown as BasePool, done);
      });
    }

    override async query(sql: string, params?: unknown[], callback?: QueryCallback): ReturnType<BasePool["query"]> {
      await this.takeDirectory();
      const release = await this.lock.acquire();
      try {
        return await runQuery.call(this, sql, params, callback);
      } finally {
        release();
      }
    }

    override end(callback: EndCallback): void {
      super.end((error: Error | null) => {
        // Released once PGlite has closed its files, before the caller hears of it (a restart in this process may follow).
        this.directory?.release();
        this.directory = null;
        callback(error);
      });
    }
  }
  return { Pool: SessionPool as unknown as PGliteSessionDriver["Pool"] };
}
