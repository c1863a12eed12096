// AssignmentStore: decide's reads and first-wins writes of stored assignments, under a deadline; a circuit and a queue while the database is unreachable.

import type { EntityManager } from "typeorm";
import type { ActorLookups } from "../engine/decide";
import type { CompiledExperiment } from "../engine/snapshot";
import type { Logger } from "../logger";
import { type ActorPair, AssignmentRepository, type BatchWriteOutcome, type NewAssignment } from "../persistence/assignment.repository";
import { ChangeLogRepository } from "../persistence/change-log.repository";
import { type Database, isUnavailable } from "../persistence/database";
import type { ActorMemory } from "./actor-memory";
import { AssignmentQueue } from "./assignment-queue";
import { DatabaseCircuit } from "./database-circuit";

export interface AssignmentStoreOptions {
  /** How long decide waits for a read or a write of stored assignments (0: no deadline). */
  readonly timeoutMs: number;
  /** New assignments held while the database is unreachable, at most. */
  readonly queueMax: number;
}

/** A queued batch write may take longer than a request's read: it runs off the request path. */
const QUEUE_WRITE_TIMEOUT_MIN_MS = 5_000;

export class AssignmentStore {
  readonly circuit: DatabaseCircuit;
  readonly queue: AssignmentQueue;
  /** First assignments decide has stored since the process started (the queue counts its own). */
  private written = 0;

  constructor(
    private readonly db: Database,
    private readonly memory: ActorMemory,
    logger: Logger,
    private readonly options: AssignmentStoreOptions,
  ) {
    const bounded = options.timeoutMs > 0;
    this.circuit = new DatabaseCircuit(db, logger, { probeTimeoutMs: bounded ? options.timeoutMs : 2_000 });
    this.queue = new AssignmentQueue(db, memory, this.circuit, logger, {
      max: options.queueMax,
      writeTimeoutMs: bounded ? Math.max(QUEUE_WRITE_TIMEOUT_MIN_MS, 10 * options.timeoutMs) : 0,
    });
  }

  /** Assignments written since the process started: decide's first-wins writes and the queue's. */
  get writtenCount(): number {
    return this.written + this.queue.counts.written;
  }

  /** True while the database is believed unreachable: decide asks it nothing then. */
  get isUnreachable(): boolean {
    return this.circuit.isOpen;
  }

  /** The vids stored for these pairs, in one query. */
  findVids(pairs: readonly ActorPair[]): Promise<Array<ActorPair & { vid: number }>> {
    return this.bounded((em) => new AssignmentRepository(em).findVids(pairs), false);
  }

  /**
   * Stores first assignments, first-wins (see AssignmentRepository.insertManyFirstWins), only while
   * `decidedWith` is still the current configuration version: else nothing is written and the
   * current version is returned, to decide again on it (a weight moved to 0 on another instance
   * must not gain one more actor here). `decidedWith` null: written unchecked.
   */
  insertFirstWins(rows: readonly NewAssignment[], decidedWith: number | null): Promise<BatchWriteOutcome | { readonly staleVersion: number }> {
    return this.bounded(async (em) => {
      const current = decidedWith === null ? null : await new ChangeLogRepository(em).versionHeldShared();
      if (current !== null && current !== decidedWith) return { staleVersion: current };
      return new AssignmentRepository(em).insertManyFirstWins(rows);
    }, true).then((outcome) => {
      if ("inserted" in outcome) this.written += outcome.inserted.length;
      return outcome;
    });
  }

  /** Assignments given that could not be stored now: written when the database is back. */
  defer(rows: readonly NewAssignment[]): void {
    this.queue.add(rows);
  }

  /** The lookups a decision uses: the request's view, and what is queued when anything is. */
  lookups(view: ActorLookups, groups: ReadonlyMap<string, readonly string[]>): ActorLookups {
    return this.queue.size === 0 ? view : new QueuedLookups(view, this.queue, this.memory, groups);
  }

  /** Writes what is queued if it can, and stops probing. */
  async close(): Promise<void> {
    await this.queue.close();
    this.circuit.stop();
  }

  private async bounded<T>(work: (em: EntityManager) => Promise<T>, transaction: boolean): Promise<T> {
    try {
      return await this.db.withDeadline(this.options.timeoutMs, work, { transaction });
    } catch (error) {
      if (isUnavailable(error)) this.circuit.trip(error);
      throw error;
    }
  }
}

/**
 * A queued assignment counts as stored for its actor (answered STICKY, not queued again), so
 * an actor keeps its first answer through the outage even if the configuration changes meanwhile.
 * A row memory knows to be stored wins over it.
 */
class QueuedLookups implements ActorLookups {
  constructor(
    private readonly view: ActorLookups,
    private readonly queue: AssignmentQueue,
    private readonly memory: ActorMemory,
    /** The snapshot's exclusion groups (SnapshotStore's group index). */
    private readonly groups: ReadonlyMap<string, readonly string[]>,
  ) {}

  sticky(experiment: string, actor: string): number | null | undefined {
    const queued = this.queue.vidOf(experiment, actor);
    if (queued === undefined) return this.view.sticky(experiment, actor);
    return this.memory.find(actor)?.stored?.get(experiment) ?? queued;
  }

  heldByGroup(experiment: CompiledExperiment, actor: string): boolean {
    const members = experiment.exclusionGroup === null ? undefined : this.groups.get(experiment.exclusionGroup);
    for (const peer of members ?? []) {
      if (peer !== experiment.key && this.queue.vidOf(peer, actor) !== undefined) return true;
    }
    return this.view.heldByGroup(experiment, actor);
  }
}
