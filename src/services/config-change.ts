// ConfigChanges: one configuration change = version bump, the change, its change record and its
// change event (with NOTIFY), one transaction; then this instance catches up before answering.

import type { EntityManager } from "typeorm";
import type { Logger } from "../logger";
import { ChangeLogRepository } from "../persistence/change-log.repository";
import { type ChangeTouch, ConfigChangeRepository } from "../persistence/config-change.repository";
import type { Database } from "../persistence/database";
import type { Caller } from "./caller";

/** What a change is about: its kind names the change event's `kind` (SPEC §10). */
export interface ChangeSubject {
  readonly kind: "experiment" | "layer" | "flag" | "api_key";
  readonly key: string;
}

export const experimentSubject = (key: string): ChangeSubject => ({ kind: "experiment", key });
export const layerSubject = (key: string): ChangeSubject => ({ kind: "layer", key });
export const flagSubject = (key: string): ChangeSubject => ({ kind: "flag", key });
export const apiKeySubject = (id: string): ChangeSubject => ({ kind: "api_key", key: id });

/** What catches this instance up after a commit (the ConfigFollower). */
export interface CatchUp {
  catchUp(): Promise<void>;
}

const union = (a: readonly string[], b: readonly string[]) => [...new Set([...a, ...b])].sort();

/** An API key touches no service and no layer: followers recompile nothing for it. */
const UNTOUCHED: ChangeTouch = { services: [], layers: [] };

function touchOf(events: ConfigChangeRepository, subject: ChangeSubject): Promise<ChangeTouch> {
  switch (subject.kind) {
    case "api_key": return Promise.resolve(UNTOUCHED);
    case "flag": return events.touchOfFlag(subject.key);
    case "experiment": return events.touchOfExperiment(subject.key);
    case "layer": return events.touchOfLayer(subject.key);
  }
}

export class ConfigChanges {
  constructor(
    readonly db: Database,
    private readonly follower: CatchUp,
    private readonly logger: Logger,
  ) {}

  /**
   * Bumps the configuration version first: its row lock serializes every configuration writer,
   * so `work` sees all earlier changes and versions have no gaps. The change event records the
   * services and layers the subject had before and has after. After the commit this instance
   * catches up before the caller gets its answer, so a decision made after a mutation returns
   * sees it (the NOTIFY it sent then finds the snapshot current: no second reload).
   */
  async apply<T>(subject: ChangeSubject, mutation: string, caller: Caller, work: (em: EntityManager) => Promise<T>): Promise<T> {
    const result = await this.db.transaction(async (em) => {
      const log = new ChangeLogRepository(em);
      const events = new ConfigChangeRepository(em);
      const version = await log.bumpVersion();
      const before = await touchOf(events, subject);
      const value = await work(em);
      const after = await touchOf(events, subject);
      await log.append({ key: subject.key, mutation, actor: caller.actor, apiKey: caller.key?.name ?? null, configVersion: version });
      await events.append({
        version,
        kind: subject.kind,
        keys: [subject.key],
        services: union(before.services, after.services),
        layers: union(before.layers, after.layers),
        mutation,
        actor: caller.actor,
        apiKey: caller.key?.name ?? null,
      });
      return value;
    });
    try {
      await this.follower.catchUp();
    } catch (error) {
      // The change is committed; the follower's next catch-up picks it up.
      this.logger.error({ err: error, key: subject.key, mutation }, "catching up after a change failed");
    }
    return result;
  }
}
