// Typed domain errors: the codes of SPEC §8, with no transport dependency.

export const DOMAIN_ERROR_CODES = [
  "BAD_USER_INPUT",
  "NOT_FOUND",
  "NOT_RUNNING",
  "ARCHIVED",
  "EXCLUDED_BY_GROUP",
  "NO_VARIANT",
  "CONFLICT",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "UNAVAILABLE",
] as const;

export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

export interface DomainErrorDetails {
  /** The offending input field or JSON path, e.g. `input.variants[1].key`. */
  field?: string;
  [key: string]: unknown;
}

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details: DomainErrorDetails = {},
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export const badInput = (field: string, message: string): DomainError =>
  new DomainError("BAD_USER_INPUT", message, { field });

export const notFound = (what: string, key: string): DomainError =>
  new DomainError("NOT_FOUND", `${what} "${key}" not found`, { key });
