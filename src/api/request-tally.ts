// RequestTally: what Apollo's pipeline learns of one request (its root fields, its errors' codes) for the
// metrics, which server.ts records once the answer is written, whatever path and outcome it had.

import type { ApolloServerPlugin } from "@apollo/server";
import type { GraphQLFormattedError } from "graphql";
import { type RequestFailure, UNKNOWN_OPERATION } from "../observability/metrics";
import type { AccessGate } from "./access-gate";
import type { AppContext } from "./context";
import type { OperationAccess } from "./operation-access";

const UNKNOWN = [UNKNOWN_OPERATION] as const;

/** The operations a request is counted as: its root fields, or `unknown` when none is known (or it asks only `__typename`). */
export const operationsOf = (access: OperationAccess | null): readonly string[] => (access?.names.length ? access.names : UNKNOWN);

export class RequestTally {
  /** Root fields of the operation, once Apollo resolved it; null before (a parse or validation error). */
  access: OperationAccess | null = null;
  failures: RequestFailure[] | null = null;

  get operations(): readonly string[] {
    return operationsOf(this.access);
  }
}

/**
 * Whose an error is: the root field at its path (an alias is read through the operation), else (a
 * request error: a refusal, validation) every root field of the request, once each.
 */
export function failuresOf(errors: readonly GraphQLFormattedError[], access: OperationAccess | null): RequestFailure[] {
  const operations = operationsOf(access);
  const failures: RequestFailure[] = [];
  for (const error of errors) {
    const code = typeof error.extensions?.code === "string" ? error.extensions.code : "INTERNAL_SERVER_ERROR";
    const key = error.path?.[0];
    const field = typeof key === "string" ? access?.fieldOf.get(key) : undefined;
    if (field !== undefined) failures.push({ operation: field, code });
    else for (const operation of operations) failures.push({ operation, code });
  }
  return failures;
}

/** Fills the request's tally (when metrics are on: server.ts gives one in the context). */
export function tallyPlugin(gate: AccessGate): ApolloServerPlugin<AppContext> {
  return {
    async requestDidStart({ contextValue }) {
      const tally = contextValue.tally;
      if (tally === undefined) return;
      return {
        async didResolveOperation({ document, operation }) {
          if (operation !== undefined) tally.access = gate.accessOf(document, operation);
        },
        async willSendResponse({ response }) {
          const body = response.body;
          const errors = body.kind === "single" ? body.singleResult.errors : body.initialResult.errors;
          if (errors?.length) tally.failures = failuresOf(errors, tally.access);
        },
      };
    },
  };
}
