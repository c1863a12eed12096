// One configuration change: version bump, the change itself, its change record, one transaction.

import type { EntityManager } from "typeorm";
import { ChangeLogRepository } from "../persistence/change-log.repository";
import type { Database } from "../persistence/database";
import type { Caller } from "./caller";

/**
 * Bumps the configuration version first: its row lock serializes every
 * configuration writer, so `work` sees all earlier changes and cannot race them.
 */
export function applyConfigChange<T>(
  db: Database,
  key: string,
  mutation: string,
  caller: Caller,
  work: (em: EntityManager) => Promise<T>,
): Promise<T> {
  return db.transaction(async (em) => {
    const log = new ChangeLogRepository(em);
    const version = await log.bumpVersion();
    const result = await work(em);
    await log.append({ key, mutation, actor: caller.actor, configVersion: version });
    return result;
  });
}
