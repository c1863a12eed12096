// ConfigChanges: one configuration change = version bump, the change, its change record and its
// change event (with NOTIFY), one transaction; then this instance catches up before answering.

import type { EntityManager } from "typeorm";
import type { Logger } from "../logger";
import { ChangeLogRepository } from "../persistence/change-log.repository";
import { type ChangeKind, type ChangeTouch, ConfigChangeRepository } from "../persistence/config-change.repository";
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

/** What a change of many objects names: its keys (none: nothing to commit) and the services and layers they touch. */
export interface ManyChanged<T> {
  readonly value: T;
  readonly keys: readonly string[];
  readonly services: readonly string[];
  readonly layers: readonly string[];
}

interface Committed<T> extends ManyChanged<T> {
  readonly kind: ChangeKind;
}

/** Rolls back a transaction that found nothing to change, carrying its answer out. */
class NothingCommitted<T> extends Error {
  constructor(readonly value: T) {
    super("nothing to commit");
  }
}

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
  apply<T>(subject: ChangeSubject, mutation: string, caller: Caller, work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.commit(mutation, caller, async (em, events) => {
      const before = await touchOf(events, subject);
      const value = await work(em);
      const after = await touchOf(events, subject);
      return { value, kind: subject.kind, keys: [subject.key], services: union(before.services, after.services), layers: union(before.layers, after.layers) };
    });
  }

  /**
   * A change of many objects at once (an import): one version, one change record per key it names,
   * one change event of kind `import`. `work` gets the version it will commit under; when it names
   * no key nothing is committed and the version stays.
   */
  applyMany<T>(mutation: string, caller: Caller, work: (em: EntityManager, version: number) => Promise<ManyChanged<T>>): Promise<T> {
    return this.commit(mutation, caller, async (em, _events, version) => ({ ...(await work(em, version)), kind: "import" }));
  }

  private async commit<T>(mutation: string, caller: Caller, work: (em: EntityManager, events: ConfigChangeRepository, version: number) => Promise<Committed<T>>): Promise<T> {
    let result: T;
    try {
      result = await this.db.transaction(async (em) => {
        const log = new ChangeLogRepository(em);
        const events = new ConfigChangeRepository(em);
        const version = await log.bumpVersion();
        const done = await work(em, events, version);
        if (done.keys.length === 0) throw new NothingCommitted(done.value);
        const apiKey = caller.key?.name ?? null;
        for (const key of done.keys) await log.append({ key, mutation, actor: caller.actor, apiKey, configVersion: version });
        await events.append({ version, kind: done.kind, keys: done.keys, services: done.services, layers: done.layers, mutation, actor: caller.actor, apiKey });
        return done.value;
      });
    } catch (error) {
      if (error instanceof NothingCommitted) return error.value as T;
      throw error;
    }
    try {
      await this.follower.catchUp();
    } catch (error) {
      // The change is committed; the follower's next catch-up picks it up.
      this.logger.error({ err: error, mutation }, "catching up after a change failed");
    }
    return result;
  }
}
