// TesseraError: a refusal or failure of the server (SPEC §8 codes from `extensions.code`), or of the transport.

/** SPEC §8's codes, Apollo's request codes, and the client's own (NETWORK, BAD_RESPONSE); others pass through as strings. */
export type TesseraErrorCode =
  | "BAD_USER_INPUT"
  | "NOT_FOUND"
  | "NOT_RUNNING"
  | "ARCHIVED"
  | "EXCLUDED_BY_GROUP"
  | "NO_VARIANT"
  | "CONFLICT"
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "RATE_LIMITED"
  | "UNAVAILABLE"
  | "INTERNAL_SERVER_ERROR"
  | "GRAPHQL_PARSE_FAILED"
  | "GRAPHQL_VALIDATION_FAILED"
  | "NETWORK"
  | "BAD_RESPONSE"
  | (string & {});

/** One GraphQL error as the server sends it. */
export interface GraphQLErrorBody {
  readonly message: string;
  readonly path?: ReadonlyArray<string | number>;
  readonly extensions?: Readonly<Record<string, unknown>>;
}

export class TesseraError extends Error {
  override readonly name = "TesseraError";

  constructor(
    readonly code: TesseraErrorCode,
    message: string,
    /** The offending field or JSON path (BAD_USER_INPUT, FORBIDDEN), when the server names one. */
    readonly field: string | null = null,
    /** The HTTP status, or the graphql-ws close code; null when there was no answer. */
    readonly status: number | null = null,
    /** Everything the server sent: all errors with their extensions (Retry-After's seconds for RATE_LIMITED among them). */
    readonly errors: readonly GraphQLErrorBody[] = [],
  ) {
    super(message);
  }

  /** The first error of a GraphQL answer speaks for all (the others stay in `errors`). */
  static fromErrors(errors: readonly GraphQLErrorBody[], status: number | null): TesseraError {
    const first = errors[0]!;
    const code = typeof first.extensions?.code === "string" ? first.extensions.code : "INTERNAL_SERVER_ERROR";
    const field = typeof first.extensions?.field === "string" ? first.extensions.field : null;
    return new TesseraError(code, first.message, field, status, errors);
  }
}
