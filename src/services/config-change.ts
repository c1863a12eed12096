// ConfigChanges: one configuration change = version bump, the change, its change record, one transaction.

import type { EntityManager } from "typeorm";
import type { Logger } from "../logger";
import { ChangeLogRepository } from "../persistence/change-log.repository";
import type { Database } from "../persistence/database";
import type { Caller } from "./caller";
import type { SnapshotStore } from "./snapshot-store";

export class ConfigChanges {
  constructor(
    readonly db: Database,
    private readonly snapshots: SnapshotStore,
    private readonly logger: Logger,
  ) {}

  /**
   * Bumps the configuration version first: its row lock serializes every
   * configuration writer, so `work` sees all earlier changes and cannot race them.
   * After the commit the snapshot is reloaded before the caller gets its answer,
   * so a decision made after a mutation returns sees it.
   */
  async apply<T>(key: string, mutation: string, caller: Caller, work: (em: EntityManager) => Promise<T>): Promise<T> {
    const result = await this.db.transaction(async (em) => {
      const log = new ChangeLogRepository(em);
      const version = await log.bumpVersion();
      const value = await work(em);
      await log.append({ key, mutation, actor: caller.actor, configVersion: version });
      return value;
    });
    try {
      await this.snapshots.refresh();
    } catch (error) {
      // The change is committed; the next reload will pick it up.
      this.logger.error({ err: error, key, mutation }, "configuration snapshot reload failed after a change");
    }
    return result;
  }
}
