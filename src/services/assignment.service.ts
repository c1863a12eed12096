// AssignmentService: `assign` (SPEC §5 for one experiment, with typed errors, its exposure stored before the answer), overrides, exposures.

import { MAX_ACTOR_LENGTH } from "../engine/actor";
import { decideExperiment } from "../engine/single-decision";
import { isJsonObject } from "../engine/definition";
import { DomainError, badInput, notFound } from "../engine/errors";
import { assertMutable } from "../engine/lifecycle";
import type { Experiment, Hash32, JsonObject } from "../engine/types";
import { AssignmentRepository, type BatchWriteOutcome, type StoredAssignment, type StoredOverride } from "../persistence/assignment.repository";
import type { Database } from "../persistence/database";
import { ExperimentRepository } from "../persistence/experiment.repository";
import { type Exposure, ExposureRepository } from "../persistence/exposure.repository";
import type { ActorMemory } from "./actor-memory";
import type { Caller } from "./caller";
import { type ConfigChanges, experimentSubject } from "./config-change";
import type { ExposureWriter } from "./exposure-writer";

export interface AssignmentView {
  readonly experiment: string;
  readonly actor: string;
  readonly variant: string;
  readonly vid: number;
  readonly isOverride: boolean;
  readonly assignedAt: Date;
}

export interface VariantCount {
  readonly variant: string;
  readonly exposures: number;
}

export { MAX_ACTOR_LENGTH };
const MAX_REQUEST_ID_LENGTH = 256;

/** Rolls back a clearOverride that found nothing to clear. */
const NOTHING_TO_CLEAR = Symbol("nothing to clear");

function validateActor(actor: string): void {
  if (actor === "" || actor.length > MAX_ACTOR_LENGTH) {
    throw badInput("actor", `actor must be 1-${MAX_ACTOR_LENGTH} characters`);
  }
  // PostgreSQL text cannot hold it: refused here, with the field, rather than by the database.
  if (actor.includes("\u0000")) throw badInput("actor", "actor must not contain a NUL character");
}

/** Checked before anything is written: a value the exposure row cannot hold would fail only after the assignment is stored. */
function validateRequestId(requestId: string | null | undefined): void {
  if (requestId == null) return;
  if (requestId.length > MAX_REQUEST_ID_LENGTH) throw badInput("requestId", `requestId must be at most ${MAX_REQUEST_ID_LENGTH} characters`);
  if (requestId.includes("\u0000")) throw badInput("requestId", "requestId must not contain a NUL character");
}

export class AssignmentService {
  /** Assignments `assign` has stored since the process started (metrics read it). */
  private written = 0;

  constructor(
    private readonly db: Database,
    private readonly h32: Hash32,
    private readonly exposures: ExposureWriter,
    private readonly changes: ConfigChanges,
    /** Shared with decide: what this process writes, decide knows without asking the database. */
    private readonly memory: ActorMemory,
  ) {}

  /**
   * The single-experiment decision for `actor`. Returns null when the actor is
   * simply not in the experiment; throws NOT_FOUND, NOT_RUNNING, ARCHIVED,
   * EXCLUDED_BY_GROUP or NO_VARIANT. Every call that serves a variant of a
   * RUNNING experiment stores one exposure before it answers (UNAVAILABLE, and no
   * answer, if the exposure could not be stored).
   */
  async assign(experimentKey: string, actor: string, context: unknown, requestId: string | null, caller: Caller): Promise<AssignmentView | null> {
    validateActor(actor);
    validateRequestId(requestId);
    if (context != null && !isJsonObject(context)) throw badInput("context", "context must be a JSON object");
    const found = await this.db.read((em) => new ExperimentRepository(em).find(experimentKey));
    if (!found) throw notFound("experiment", experimentKey);
    const { experiment: exp, layer } = found;
    assertMutable(experimentKey, exp.state);
    if (exp.state === "DRAFT") {
      throw new DomainError("NOT_RUNNING", `experiment "${experimentKey}" is DRAFT: start it first`, { key: experimentKey, state: exp.state });
    }

    const [override, sticky, heldByGroup] = await this.db.read(async (em) => {
      const repo = new AssignmentRepository(em);
      return Promise.all([
        repo.findOverride(experimentKey, actor),
        repo.findAssignment(experimentKey, actor),
        exp.exclusionGroup === null ? false : repo.heldByGroup(actor, exp.exclusionGroup, experimentKey),
      ]);
    });
    const outcome = decideExperiment({
      experiment: exp,
      layer,
      actor,
      context: (context as JsonObject | null) ?? {},
      facts: { override: override?.variant ?? null, sticky: sticky?.variant ?? null, heldByGroup },
      h32: this.h32,
    });

    if (!outcome.in) {
      if (outcome.reason === "EXCLUDED_BY_GROUP") throw this.excluded(experimentKey, exp.exclusionGroup);
      if (outcome.reason === "NO_VARIANT") {
        throw new DomainError("NO_VARIANT", `experiment "${experimentKey}" has no variant to serve: all weights are zero`, { key: experimentKey });
      }
      return null;
    }
    const { variant, source } = outcome;
    const request = requestId ?? caller.requestId;
    if (source === "WINNER") {
      return { experiment: experimentKey, actor, variant: variant.key, vid: variant.vid, isOverride: false, assignedAt: exp.updatedAt };
    }
    if (source === "OVERRIDE") {
      await this.expose(experimentKey, variant.key, variant.vid, actor, request, true);
      return { experiment: experimentKey, actor, variant: variant.key, vid: variant.vid, isOverride: true, assignedAt: override!.createdAt };
    }
    if (source === "STICKY") {
      await this.expose(experimentKey, variant.key, variant.vid, actor, request, false);
      return { ...sticky!, isOverride: false };
    }
    // The same first-wins write as decide's: a row already there, or the group's holder, wins.
    type Written = { held: BatchWriteOutcome["excluded"][number] } | { stored: StoredAssignment; inserted: number };
    const written = await this.db.transaction(async (em): Promise<Written> => {
      const repo = new AssignmentRepository(em);
      const row = { experiment: experimentKey, actor, variant: variant.key, vid: variant.vid, group: exp.exclusionGroup };
      const outcome = await repo.insertManyFirstWins([row]);
      const held = outcome.excluded[0];
      return held ? { held } : { stored: (await repo.findAssignment(experimentKey, actor))!, inserted: outcome.inserted.length };
    });
    if ("held" in written) {
      this.memory.rememberStored(written.held.holder, actor, written.held.vid);
      throw this.excluded(experimentKey, exp.exclusionGroup);
    }
    const stored = written.stored;
    this.written += written.inserted;
    this.memory.rememberStored(experimentKey, actor, stored.vid);
    await this.expose(experimentKey, stored.variant, stored.vid, actor, request, false);
    return { ...stored, isOverride: false };
  }

  get writtenCount(): number {
    return this.written;
  }

  /** What the actor is given now: its override, else its stored assignment, else null. */
  async assignment(experimentKey: string, actor: string): Promise<AssignmentView | null> {
    return this.db.read(async (em) => {
      const found = await new ExperimentRepository(em).find(experimentKey);
      if (!found) return null;
      const repo = new AssignmentRepository(em);
      const override = await repo.findOverride(experimentKey, actor);
      const forced = override && found.experiment.variants.find((v) => v.key === override.variant);
      if (forced) {
        return { experiment: experimentKey, actor, variant: forced.key, vid: forced.vid, isOverride: true, assignedAt: override.createdAt };
      }
      const stored = await repo.findAssignment(experimentKey, actor);
      return stored ? { ...stored, isOverride: false } : null;
    });
  }

  async setOverride(experimentKey: string, actor: string, variantKey: string, caller: Caller): Promise<StoredOverride> {
    validateActor(actor);
    return this.overrideChange(experimentKey, "set_override", caller, async (repo, exp) => {
      if (!exp.variants.some((v) => v.key === variantKey)) {
        throw new DomainError("NO_VARIANT", `"${variantKey}" is not a variant of "${experimentKey}"`, { field: "variant", key: experimentKey });
      }
      return repo.upsertOverride(experimentKey, actor, variantKey);
    });
  }

  /** True when an override was removed; false (and no history, no version bump) when there was none. */
  async clearOverride(experimentKey: string, actor: string, caller: Caller): Promise<boolean> {
    try {
      return await this.overrideChange(experimentKey, "clear_override", caller, async (repo) => {
        // Checked inside the transaction, so concurrent clears record one change between them.
        if (!(await repo.deleteOverride(experimentKey, actor))) throw NOTHING_TO_CLEAR;
        return true;
      });
    } catch (error) {
      if (error === NOTHING_TO_CLEAR) return false;
      throw error;
    }
  }

  async exposureCounts(experimentKey: string): Promise<VariantCount[]> {
    await this.exposures.flush();
    return this.db.read(async (em) => {
      const found = await new ExperimentRepository(em).find(experimentKey);
      if (!found) throw notFound("experiment", experimentKey);
      const counts = await new ExposureRepository(em).countByVariant(experimentKey);
      const current = found.experiment.variants.map((v) => ({ variant: v.key, exposures: counts.get(v.key) ?? 0 }));
      // Variants removed since keep their exposures in the record.
      const removed = [...counts].filter(([k]) => !found.experiment.variants.some((v) => v.key === k));
      return [...current, ...removed.map(([variant, exposures]) => ({ variant, exposures }))];
    });
  }

  /** The exposure records of an experiment (optionally one actor's), newest first; limit 0 = all. */
  async exposureLog(experimentKey: string, actor: string | null, limit: number): Promise<Exposure[]> {
    if (!Number.isInteger(limit) || limit < 0) throw badInput("limit", "limit must be 0 (all) or more");
    await this.exposures.flush();
    return this.db.read((em) => new ExposureRepository(em).list(experimentKey, actor, limit));
  }

  private async overrideChange<T>(
    experimentKey: string,
    mutation: string,
    caller: Caller,
    work: (repo: AssignmentRepository, exp: Experiment) => Promise<T>,
  ): Promise<T> {
    return this.changes.apply(experimentSubject(experimentKey), mutation, caller, async (em) => {
      const found = await new ExperimentRepository(em).find(experimentKey);
      if (!found) throw notFound("experiment", experimentKey);
      assertMutable(experimentKey, found.experiment.state);
      return work(new AssignmentRepository(em), found.experiment);
    });
  }

  private excluded(key: string, group: string | null): DomainError {
    return new DomainError("EXCLUDED_BY_GROUP", `actor is already in another experiment of mutual exclusion group "${group}"`, { key, group });
  }

  private expose(experiment: string, variant: string, vid: number, actor: string, requestId: string | null, isOverride: boolean): Promise<void> {
    return this.exposures.store({ experiment, variant, vid, actor, requestId, isOverride, at: new Date() });
  }
}
