// The experiment lifecycle of SPEC §6 as a table: which state may follow which.

import { DomainError } from "./errors";
import type { ExperimentState } from "./types";

/**
 * DRAFT → RUNNING → CONCLUDED → ARCHIVED, where every live state may be started
 * (again), concluded (again, e.g. with another winner) or archived; ARCHIVED is
 * terminal.
 */
export const TRANSITIONS: Readonly<Record<ExperimentState, readonly ExperimentState[]>> = {
  DRAFT: ["RUNNING", "CONCLUDED", "ARCHIVED"],
  RUNNING: ["RUNNING", "CONCLUDED", "ARCHIVED"],
  CONCLUDED: ["RUNNING", "CONCLUDED", "ARCHIVED"],
  ARCHIVED: [],
};

/** Throws when `from → to` is not allowed: `ARCHIVED` out of the terminal state, else `CONFLICT`. */
export function assertTransition(key: string, from: ExperimentState, to: ExperimentState): void {
  if (TRANSITIONS[from].includes(to)) return;
  assertMutable(key, from);
  throw new DomainError("CONFLICT", `experiment "${key}" cannot go from ${from} to ${to}`, { key, state: from });
}

/** Throws `ARCHIVED` for an experiment that may no longer be changed at all. */
export function assertMutable(key: string, state: ExperimentState): void {
  if (state === "ARCHIVED") {
    throw new DomainError("ARCHIVED", `experiment "${key}" is archived`, { key, state });
  }
}

/** Weights may change while an experiment is DRAFT or RUNNING (SPEC §6 `setWeights`). */
export function assertWeightsMutable(key: string, state: ExperimentState): void {
  assertMutable(key, state);
  if (state === "CONCLUDED") {
    throw new DomainError("NOT_RUNNING", `experiment "${key}" is concluded; its weights are final`, {
      key,
      state,
    });
  }
}
