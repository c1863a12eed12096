// DecisionService: `decide` and `decideBatch` (SPEC §5, §7) over the current snapshot, with sticky reads and writes batched.
// Its rounds (stored assignments read, new ones written first-wins, exposures deduplicated) also carry
// decideFlags' EXPERIMENT rules (flag-decision.service.ts): one way to store and expose, whoever decides.

import DataLoader from "dataloader";
import type { ExperimentDecision, ServiceDecision } from "../engine/answer";
import { type ActorLookups, NO_STICKY, decideService } from "../engine/decide";
import { isJsonObject } from "../engine/definition";
import { badInput } from "../engine/errors";
import type { Snapshot } from "../engine/snapshot";
import type { ActorPair, NewAssignment } from "../persistence/assignment.repository";
import { isUnavailable } from "../persistence/database";
import type { ActorMemory, ActorRecord } from "./actor-memory";
import { MAX_ACTOR_LENGTH } from "./assignment.service";
import { pairKey } from "./assignment-queue";
import type { AssignmentStore } from "./assignment-store";
import type { Caller } from "./caller";
import type { CatchUp } from "./config-change";
import type { ExposureWriter } from "./exposure-writer";
import type { SnapshotStore } from "./snapshot-store";
import { StickyView } from "./sticky-view";

export const MAX_BATCH = 1_000;
const MAX_SERVICES = 100;

export interface DecideRequest {
  readonly services: readonly string[];
  readonly context: unknown;
  readonly requestId?: string | null;
}

export interface Decision {
  readonly configVersion: number;
  readonly results: ServiceDecision[];
}

/** Every experiment decision a round's results hold, with the index of the request it answers: what is stored and exposed. */
export type VisitExperiments<R> = (results: R, each: (request: number, e: ExperimentDecision) => void) => void;

/** One round of decisions against one snapshot (decide's requests, or one decideFlags), for the steps after a database round trip. */
export interface Round<R, T> {
  readonly snapshot: Snapshot;
  readonly view: StickyView;
  /** Decides again, on what the view knows now. */
  readonly run: () => R;
  readonly visit: VisitExperiments<R>;
  /** The answer, once assignments are stored and exposures queued. */
  readonly finish: (results: R) => T;
  /** The whole round again on a newer configuration, as its `attempt`th retry. */
  readonly retry: (attempt: number) => T | Promise<T>;
  /** Each request's own id, recorded with its exposures (else the caller's). */
  readonly requestIds: readonly (string | null | undefined)[];
  readonly caller: Caller;
  /** How many times the configuration changed under this decision before its write. */
  readonly attempt: number;
}

const visitServices: VisitExperiments<ServiceDecision[][]> = (results, each) => {
  for (let i = 0; i < results.length; i++) for (const service of results[i]!) for (const e of service.experiments) each(i, e);
};

/**
 * An actor longer than `assign` accepts is refused with its field, as `assign` refuses it, rather
 * than decided as "no actor": a client whose ids grew too long learns it at once instead of
 * silently getting the defaults; and its assignment could not be stored (an index row too large).
 */
function checkActors(context: Record<string, unknown>, keys: readonly string[], prefix: string): void {
  for (const key of keys) {
    const value = context[key];
    if (typeof value === "string" && value.length > MAX_ACTOR_LENGTH) {
      throw badInput(`${prefix}context.${key}`, `${key}, the attribute a layer hashes, must be at most ${MAX_ACTOR_LENGTH} characters, got ${value.length}`);
    }
  }
}

/** What decisions keep (SPEC §15): all of it on the database; less in file mode and with STORAGE=none. */
export interface DecisionStorage {
  /**
   * Stored assignments read and first ones written (sticky). False in file mode: the files' experiments are
   * not rows of the database, which the assignments table refers to; then every decision buckets by slot.
   */
  readonly assignments: boolean;
  /** Exposures recorded. False with STORAGE=none (the layered system's data plane records none). */
  readonly exposures: boolean;
}

export const STORE_EVERYTHING: DecisionStorage = { assignments: true, exposures: true };

/** After this many configuration changes under one decision's write, it is stored unchecked (changes that fast are a storm, not a race). */
const MAX_STALE_RETRIES = 3;

export class DecisionService {
  /** Targeting rules run by decisions since the process started (a plain number: the metrics read it when scraped). */
  private ruleEvaluationCount = 0;

  constructor(
    /** Stored assignments under a deadline; while the database is unreachable, a queue of new ones. */
    private readonly assignments: AssignmentStore,
    private readonly snapshots: SnapshotStore,
    private readonly exposures: ExposureWriter,
    /** Stored assignments (they never change), absent ones, and exposures already recorded, per actor. */
    private readonly memory: ActorMemory,
    /** Catches this instance up when a write finds the configuration changed under it. */
    private readonly follower: CatchUp,
    private readonly storage: DecisionStorage = STORE_EVERYTHING,
  ) {}

  get ruleEvaluations(): number {
    return this.ruleEvaluationCount;
  }

  /** The decision itself, or a promise of it when stored assignments must be read or written first. */
  decide(request: DecideRequest, explain: boolean, caller: Caller): Decision | Promise<Decision> {
    const decided = this.decideMany([request], explain, caller, "");
    return Array.isArray(decided) ? decided[0]! : decided.then((d) => d[0]!);
  }

  decideBatch(requests: readonly DecideRequest[], explain: boolean, caller: Caller): Decision[] | Promise<Decision[]> {
    if (requests.length > MAX_BATCH) throw badInput("requests", `at most ${MAX_BATCH} requests per batch, got ${requests.length}`);
    return this.decideMany(requests, explain, caller, "requests");
  }

  /**
   * All requests against one snapshot: one batched sticky read, one batched write, exposures queued.
   * When memory already holds every stored assignment asked about and nothing new is to be stored
   * (an actor's every decision after its first), the answer is returned at once, without a promise:
   * the executor then builds the response in the same tick. So it is while the database is known
   * unreachable (SPEC §10): what memory holds is honoured, an actor whose rows cannot be read is
   * bucketed by slot (the first pass takes rows not read as none), and new assignments are queued.
   */
  private decideMany(requests: readonly DecideRequest[], explain: boolean, caller: Caller, at: string, attempt = 0): Decision[] | Promise<Decision[]> {
    const snapshot = this.snapshots.snapshot;
    const contexts = requests.map((r, i) => {
      const prefix = at === "" ? "" : `${at}[${i}].`;
      if (!isJsonObject(r.context)) throw badInput(`${prefix}context`, "context must be a JSON object");
      if (r.services.length > MAX_SERVICES) throw badInput(`${prefix}services`, `at most ${MAX_SERVICES} services per request`);
      checkActors(r.context, snapshot.hashKeys, prefix);
      return r.context;
    });
    const { view, lookups } = this.stickyLookups(snapshot);
    const run = () =>
      requests.map((r, i) =>
        r.services.map((s) => {
          const decided = decideService(snapshot, s, contexts[i]!, lookups, explain);
          this.ruleEvaluationCount += decided.ruleEvaluations;
          return decided;
        }),
      );
    return this.settle(
      {
        snapshot,
        view,
        run,
        visit: visitServices,
        finish: (results) => results.map((r) => ({ configVersion: snapshot.version, results: r })),
        retry: (next) => this.decideMany(requests, explain, caller, at, next),
        requestIds: requests.map((r) => r.requestId),
        caller,
        attempt,
      },
      run(),
    );
  }

  /** A request's view of stored assignments, and the engine's lookups over it. */
  stickyLookups(snapshot: Snapshot): { view: StickyView; lookups: ActorLookups } {
    const view = new StickyView(this.memory, snapshot.groups);
    // Nothing stored: the view is never asked, so nothing is pending and no round trip is made.
    if (!this.storage.assignments) return { view, lookups: NO_STICKY };
    return { view, lookups: this.assignments.lookups(view, snapshot.groups) };
  }

  /**
   * A round after its first pass (`results`): answered at once when memory held every stored
   * assignment asked about and nothing new is to be stored; else stored assignments are read, new
   * ones written first-wins (or queued while the database is unreachable), and it is decided again.
   */
  settle<R, T>(round: Round<R, T>, results: R): T | Promise<T> {
    const view = round.view;
    if (!this.storage.assignments) return this.answer(round, results);
    if (view.pending.length === 0) {
      const fresh = this.newAssignments(round, results);
      if (fresh.length === 0) return this.answer(round, results);
      if (this.assignments.isUnreachable) return this.unstored(round, results, fresh);
      return this.store(round, results, fresh);
    }
    if (this.assignments.isUnreachable) return this.unstored(round, results, this.newAssignments(round, results));
    return this.load(view).then(
      () => {
        const decided = round.run();
        return this.store(round, decided, this.newAssignments(round, decided));
      },
      (error: unknown) => {
        if (!isUnavailable(error)) throw error;
        return this.unstored(round, results, this.newAssignments(round, results));
      },
    );
  }

  /** The answer while the database cannot be reached: the new assignments are queued, to be written when it is back. */
  private unstored<R, T>(round: Round<R, T>, results: R, fresh: readonly NewAssignment[]): T {
    this.assignments.defer(fresh);
    return this.answer(round, results);
  }

  /** Writes the new assignments first-wins; decides again if another writer was first. */
  private async store<R, T>(round: Round<R, T>, decided: R, fresh: readonly NewAssignment[]): Promise<T> {
    const { snapshot, view, run } = round;
    let results = decided;
    if (fresh.length > 0) {
      let outcome;
      try {
        outcome = await this.assignments.insertFirstWins(fresh, round.attempt < MAX_STALE_RETRIES ? snapshot.version : null);
      } catch (error) {
        if (!isUnavailable(error)) throw error;
        return this.unstored(round, decided, fresh);
      }
      if ("staleVersion" in outcome) {
        // Decided on a configuration another instance has changed since: catch up, decide again.
        await this.follower.catchUp();
        return round.retry(round.attempt + 1);
      }
      const vidOf = new Map(fresh.map((f) => [pairKey(f), f.vid]));
      for (const p of outcome.inserted) view.wrote(p.experiment, p.actor, vidOf.get(pairKey(p))!);
      for (const p of outcome.existing) view.found(p.experiment, p.actor, p.vid);
      for (const p of outcome.excluded) view.found(p.holder, p.actor, p.vid);
      // Someone else was first (another request or instance): decide again on what is stored.
      if (outcome.existing.length > 0 || outcome.excluded.length > 0) results = run();
      for (const p of outcome.inserted) this.memory.rememberStored(p.experiment, p.actor, vidOf.get(pairKey(p))!);
      for (const p of outcome.existing) this.memory.rememberStored(p.experiment, p.actor, p.vid);
      for (const p of outcome.excluded) this.memory.rememberStored(p.holder, p.actor, p.vid);
    }
    return this.answer(round, results);
  }

  private answer<R, T>(round: Round<R, T>, results: R): T {
    this.recordExposures(round, results);
    return round.finish(results);
  }

  /** The stored assignments the first pass asked for, in one query (DataLoader batches the keys). */
  private async load(view: StickyView): Promise<void> {
    const pairs = view.pending;
    const askedAt = Date.now();
    const loader = new DataLoader<ActorPair, number | null, string>(
      async (keys) => {
        const found = await this.assignments.findVids(keys);
        const vids = new Map(found.map((f) => [pairKey(f), f.vid]));
        return keys.map((k) => vids.get(pairKey(k)) ?? null);
      },
      { cacheKeyFn: pairKey, maxBatchSize: 5_000 },
    );
    const vids = await loader.loadMany(pairs);
    const found: Array<ActorPair & { vid: number }> = [];
    vids.forEach((vid, i) => {
      if (vid instanceof Error) throw vid;
      if (vid !== null) found.push({ ...pairs[i]!, vid });
    });
    view.learn(pairs, found, askedAt);
  }

  /** First assignments to store: every BUCKET decision, once per (experiment, actor). */
  private newAssignments<R, T>(round: Round<R, T>, results: R): NewAssignment[] {
    let rows: Map<string, NewAssignment> | null = null;
    round.visit(results, (_, e) => {
      if (e.source !== "BUCKET") return;
      const key = pairKey({ experiment: e.experiment, actor: e.actor });
      rows ??= new Map();
      if (rows.has(key)) return;
      const group = round.snapshot.experiments.get(e.experiment)?.exclusionGroup ?? null;
      rows.set(key, { experiment: e.experiment, actor: e.actor, variant: e.variant, vid: e.vid, group });
    });
    return rows === null ? [] : [...(rows as Map<string, NewAssignment>).values()];
  }

  /** One exposure per (experiment, actor, variant) seen, remembered in a bounded cache; winners are not exposures. */
  private recordExposures<R, T>(round: Round<R, T>, results: R): void {
    if (!this.storage.exposures) return;
    let at: Date | null = null;
    let actor: string | null = null;
    let record: ActorRecord | null = null;
    round.visit(results, (i, e) => {
      if (e.source === "WINNER") return;
      if (e.actor !== actor) {
        actor = e.actor;
        record = this.memory.record(actor);
      }
      if (record!.exposed?.get(e.experiment) === e.vid) return;
      this.memory.rememberExposed(record!, e.experiment, e.vid);
      this.exposures.record({
        experiment: e.experiment,
        variant: e.variant,
        vid: e.vid,
        actor: e.actor,
        requestId: round.requestIds[i] ?? round.caller.requestId,
        isOverride: e.source === "OVERRIDE",
        at: (at ??= new Date()),
      });
    });
  }
}
