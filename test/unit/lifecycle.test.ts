// The lifecycle table of SPEC §6: DRAFT → RUNNING → CONCLUDED → ARCHIVED, ARCHIVED terminal.

import { DomainError } from "../../src/engine/errors";
import { TRANSITIONS, assertMutable, assertTransition, assertWeightsMutable } from "../../src/engine/lifecycle";
import { EXPERIMENT_STATES, type ExperimentState } from "../../src/engine/types";
import { expectDomainError } from "../helpers/domain-errors";

/** What SPEC §6 allows: start / conclude / archive from any state but ARCHIVED; nothing leads back to DRAFT. */
const ALLOWED: Record<ExperimentState, Record<ExperimentState, boolean>> = {
  DRAFT: { DRAFT: false, RUNNING: true, CONCLUDED: true, ARCHIVED: true },
  RUNNING: { DRAFT: false, RUNNING: true, CONCLUDED: true, ARCHIVED: true },
  CONCLUDED: { DRAFT: false, RUNNING: true, CONCLUDED: true, ARCHIVED: true },
  ARCHIVED: { DRAFT: false, RUNNING: false, CONCLUDED: false, ARCHIVED: false },
};

const PAIRS = EXPERIMENT_STATES.flatMap((from) =>
  EXPERIMENT_STATES.map((to) => ({ from, to, allowed: ALLOWED[from][to] })),
);


describe("TRANSITIONS / assertTransition", () => {
  it("covers all 16 pairs", () => {
    expect(PAIRS).toHaveLength(16);
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...EXPERIMENT_STATES].sort());
  });

  it.each(PAIRS)("$from → $to allowed: $allowed", ({ from, to, allowed }) => {
    expect(TRANSITIONS[from].includes(to)).toBe(allowed);
    if (allowed) {
      expect(() => assertTransition("exp", from, to)).not.toThrow();
    } else {
      const e = expectDomainError(() => assertTransition("exp", from, to));
      expect(e.details).toMatchObject({ key: "exp", state: from });
    }
  });

  it.each(EXPERIMENT_STATES)("ARCHIVED → %s throws code ARCHIVED (terminal)", (to) => {
    const e = expectDomainError(() => assertTransition("old_exp", "ARCHIVED", to));
    expect(e.code).toBe("ARCHIVED");
    expect(e.message).toContain("old_exp");
  });

  it("ARCHIVED is the only state with no way out", () => {
    const terminal = EXPERIMENT_STATES.filter((s) => TRANSITIONS[s].length === 0);
    expect(terminal).toEqual(["ARCHIVED"]);
  });
});

describe("assertMutable", () => {
  it.each<[ExperimentState, string | null]>([
    ["DRAFT", null],
    ["RUNNING", null],
    ["CONCLUDED", null],
    ["ARCHIVED", "ARCHIVED"],
  ])("%s → %p", (state, code) => {
    if (code === null) expect(() => assertMutable("exp", state)).not.toThrow();
    else expect(expectDomainError(() => assertMutable("exp", state)).code).toBe(code);
  });
});

describe("assertWeightsMutable (setWeights guard)", () => {
  it.each<[ExperimentState, string | null]>([
    ["DRAFT", null],
    ["RUNNING", null],
    ["CONCLUDED", "NOT_RUNNING"],
    ["ARCHIVED", "ARCHIVED"],
  ])("%s → %p", (state, code) => {
    if (code === null) {
      expect(() => assertWeightsMutable("exp", state)).not.toThrow();
    } else {
      const e = expectDomainError(() => assertWeightsMutable("exp", state));
      expect(e.code).toBe(code);
      expect(e.details).toMatchObject({ key: "exp", state });
    }
  });
});
