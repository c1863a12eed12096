// formatError: DomainError → extensions.code and field; anything unexpected masked and logged.

import type { GraphQLFormattedError } from "graphql";
import { unwrapResolverError } from "@apollo/server/errors";
import { DomainError, type DomainErrorCode } from "../engine/errors";
import type { Logger } from "../logger";

/** Exhaustive: a new domain error code cannot be added without saying how it is logged. */
const LOG_LEVEL: Record<DomainErrorCode, "debug" | "warn" | "error"> = {
  BAD_USER_INPUT: "debug",
  NOT_FOUND: "debug",
  NOT_RUNNING: "debug",
  ARCHIVED: "debug",
  EXCLUDED_BY_GROUP: "debug",
  NO_VARIANT: "debug",
  CONFLICT: "debug",
  UNAUTHENTICATED: "warn",
  FORBIDDEN: "warn",
  UNAVAILABLE: "error",
};

/**
 * Apollo's own request errors are all bad input in the terms of SPEC §8. (The persisted-query
 * codes stay as they are: clients of that protocol act on them.)
 */
const APOLLO_INPUT_CODES = new Set(["GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "BAD_REQUEST", "BAD_USER_INPUT", "OPERATION_RESOLUTION_FAILURE"]);

/** A query refused by a limit of query-limits.ts (graphql-armor's rules, graphql-js's token count). */
// graphql-js 16 spells its token message "more that".
const LIMIT_MESSAGE = /limit of \d+ exceeded|contains more tha[nt] \d+ tokens/;
/** graphql-js's suggestions name fields, arguments and types of the schema: withheld in production with introspection. */
const SUGGESTION = /\s*Did you mean [^?]*\?/g;
/** Longest input echoed back between quotes: an unknown 1 MB key must not come back as a 2 MB error. */
const MAX_ECHOED_CHARS = 100;
/** Quoted strings, paired from the left, or a long unquoted word (graphql-js prints an invalid input object's keys bare). */
const ECHO = new RegExp(`"([^"]*)"|[^\\s"]{${MAX_ECHOED_CHARS + 1},}`, "g");
const cut = (text: string): string => (text.length > MAX_ECHOED_CHARS ? `${text.slice(0, MAX_ECHOED_CHARS)}…` : text);

const boundEchoes = (text: string): string => text.replace(ECHO, (word, quoted: string | undefined) => (quoted === undefined ? cut(word) : `"${cut(quoted)}"`));

export function createErrorFormatter(logger: Logger, production: boolean) {
  const clean = (message: string): string => boundEchoes(production ? message.replace(SUGGESTION, "") : message);
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const answer = formatError(formatted, error);
    const field = answer.extensions?.field;
    return {
      ...answer,
      message: clean(answer.message),
      ...(typeof field === "string" && field.length > MAX_ECHOED_CHARS ? { extensions: { ...answer.extensions, field: cut(field) } } : {}),
    };
  };

  function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
    const original = unwrapResolverError(error);
    if (original instanceof DomainError) {
      logger[LOG_LEVEL[original.code]]({ code: original.code, details: original.details }, original.message);
      return { message: original.message, path: formatted.path, locations: formatted.locations, extensions: { ...original.details, code: original.code } };
    }
    const code = formatted.extensions?.code;
    if (typeof code === "string" && APOLLO_INPUT_CODES.has(code)) {
      const field = code === "OPERATION_RESOLUTION_FAILURE" ? "operationName" : LIMIT_MESSAGE.test(formatted.message) ? "query" : offendingField(formatted.message);
      return { ...formatted, extensions: { ...formatted.extensions, code: "BAD_USER_INPUT", reason: code, ...(field ? { field } : {}) } };
    }
    if (typeof code === "string" && code !== "INTERNAL_SERVER_ERROR") return formatted;
    logger.error({ err: original, path: formatted.path }, "unexpected error");
    return { message: "Internal server error", path: formatted.path, locations: formatted.locations, extensions: { code: "INTERNAL_SERVER_ERROR" } };
  }
}

/**
 * graphql-js names the fault in its message: `Variable "$input" got invalid value … at "input.variants[0].weight"`,
 * or `Variable "$input" … Field "bogus" is not defined …`, or for inline arguments `Field "bogus" …`;
 * an argument as `Unknown argument "x" on field "Query.decide"` or `Field "decide" argument "x" … is required`.
 */
function offendingField(message: string): string | undefined {
  const at = /at "([^"]+)"/.exec(message)?.[1];
  if (at) return at;
  const argument = /argument "([^"]+)"/.exec(message)?.[1];
  const owner = /[Ff]ield "(?:[A-Za-z_]\w*\.)?([^".]+)"/.exec(message)?.[1];
  if (argument && owner) return `${owner}.${argument}`;
  const variable = /Variable "\$([^"]+)"/.exec(message)?.[1];
  const field = /[Ff]ield "([^"]+)"/.exec(message)?.[1];
  if (variable && field) return `${variable}.${field}`;
  return variable ?? field;
}
