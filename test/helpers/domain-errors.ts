// Assertions on the domain errors the engine throws.

import { DomainError } from "../../src/engine/errors";

/** The DomainError `fn` throws (with `code`, when given); fails when it throws nothing or something else. */
export function expectDomainError(fn: () => unknown, code?: string): DomainError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    if (code !== undefined) expect((e as DomainError).code).toBe(code);
    return e as DomainError;
  }
  throw new Error(`expected ${code ?? "a DomainError"}, nothing was thrown`);
}

/** The BAD_USER_INPUT error `fn` throws; fails when it throws nothing or something else. */
export const expectBadInput = (fn: () => unknown): DomainError => expectDomainError(fn, "BAD_USER_INPUT");
