// Assertions on the domain errors the engine throws.

import { DomainError } from "../../src/engine/errors";

/** The BAD_USER_INPUT error `fn` throws; fails when it throws nothing or something else. */
export function expectBadInput(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    expect((e as DomainError).code).toBe("BAD_USER_INPUT");
    return e as DomainError;
  }
  throw new Error("expected BAD_USER_INPUT, nothing was thrown");
}
