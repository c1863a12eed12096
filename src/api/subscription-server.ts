// serveSubscriptions(httpServer): graphql-ws (graphql-transport-ws) on /graphql, with the context and the
// error shapes of the HTTP path; closes the socket of a subscriber that fell behind (code 4410).

import type http from "node:http";
import {
  type DocumentNode,
  type ExecutionArgs,
  type FormattedExecutionResult,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  getOperationAST,
  getVariableValues,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  validate,
} from "graphql";
import type { SubscribePayload } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import type { Logger } from "../logger";
import type { RequestFailure, RequestMetrics } from "../observability/metrics";
import type { KeyRegistry } from "../services/key-registry";
import type { Caller } from "../services/caller";
import type { AccessGate } from "./access-gate";
import type { OperationAccess } from "./operation-access";
import { operationsOf } from "./request-tally";
import { AccessRefusal } from "./access-refusal";
import { queryLimitRules, queryParseOptions } from "./query-limits";
import type { AppContext, AppServices } from "./context";

/**
 * Closes the socket of a subscriber with more live changes waiting than SUBSCRIBER_QUEUE_MAX; the
 * reason says which `since` to resubscribe with. "Gone", after HTTP 410 and graphql-ws's own
 * 4000 + status codes (4400, 4401, 4403, 4408, 4409, 4429, 4500 and 4499 are taken): the live
 * position is gone, the stored changes are not.
 */
export const FELL_BEHIND_CLOSE_CODE = 4410;
/** SPEC §13: graphql-ws messages are at most 64 KiB (ws closes with 1009 beyond). */
const MAX_MESSAGE_BYTES = 64 * 1024;
/** SPEC §13: a socket that has not sent connection_init by then is closed with 4408 (graphql-ws's default, said here). */
const CONNECTION_INIT_WAIT_MS = 3_000;
/** How long a closing socket has to answer the close frame before it is cut at shutdown. */
const CLOSE_GRACE_MS = 2_000;

export interface SubscriptionServerDeps {
  readonly schema: GraphQLSchema;
  readonly services: AppServices;
  readonly logger: Logger;
  readonly production: boolean;
  /** The HTTP path's formatError: every error leaves in one shape. */
  readonly formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  readonly gate: AccessGate;
  readonly keys: KeyRegistry;
  /** A subscription is counted when it starts (or is refused), not timed: it lasts as long as its socket. */
  readonly metrics: RequestMetrics;
}

/** SPEC §13: at most this many open sockets per API key on an instance; the next one is closed with 4429. */
export const MAX_SOCKETS_PER_KEY = 100;
/** setTimeout's longest delay; a key expiring later is checked again then. */
const MAX_TIMER_MS = 2 ** 31 - 1;

type Extra = { socket: import("ws").WebSocket; request: http.IncomingMessage; caller?: Caller };

export interface SubscriptionServer {
  /** Closes every socket (1001), cutting those that do not answer within a grace period. */
  close(): Promise<void>;
}

/** A request error of graphql-js given the code Apollo gives it, so the formatter treats both paths alike. */
const withCode = (error: GraphQLError, code: string): GraphQLError =>
  new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, extensions: { ...error.extensions, code } });

const inputError = (message: string): GraphQLError => new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT", field: "query" } });

export function serveSubscriptions(httpServer: http.Server, deps: SubscriptionServerDeps): SubscriptionServer {
  const { schema } = deps;
  const rules = [...specifiedRules, ...queryLimitRules, ...(deps.production ? [NoSchemaIntrospectionCustomRule] : [])];
  const wss = new WebSocketServer({ server: httpServer, path: "/graphql", maxPayload: MAX_MESSAGE_BYTES });
  // The HTTP server's own errors (a taken port) reach the websocket server too: logged, never thrown.
  wss.on("error", (error) => deps.logger.error({ err: error }, "websocket server error"));
  const format = (error: GraphQLError) => deps.formatError(error.toJSON(), error.originalError ?? error);

  /** Open, acknowledged sockets by key id: the per-key limit, and whom to close when a key is revoked. */
  const socketsByKey = new Map<string, Set<import("ws").WebSocket>>();
  const stopFollowingRevocations = deps.keys.onRevoked((keyId) => {
    for (const socket of socketsByKey.get(keyId) ?? []) socket.close(4403, "Forbidden: the API key was revoked");
  });
  const refuse = (socket: import("ws").WebSocket, refusal: AccessRefusal): false => {
    socket.close(refusal.closeCode, refusal.message.slice(0, 120));
    return false;
  };

  /**
   * Parsed, validated and coerced here, so every request error carries Apollo's code before execution.
   * `counted.access` is set once the operation is known (the metrics count its fields).
   */
  const subscribe = (caller: Caller, payload: SubscribePayload, counted: { access: OperationAccess | null }): ExecutionArgs | readonly GraphQLError[] => {
    let document: DocumentNode;
    try {
      document = parse(payload.query, queryParseOptions);
    } catch (error) {
      return [error instanceof GraphQLError ? withCode(error, "GRAPHQL_PARSE_FAILED") : inputError("the query cannot be parsed")];
    }
    const invalid = validate(schema, document, rules);
    if (invalid.length > 0) return invalid.map((e) => withCode(e, "GRAPHQL_VALIDATION_FAILED"));
    const operation = getOperationAST(document, payload.operationName);
    if (!operation) {
      return [new GraphQLError("the operation to run cannot be determined: name it with operationName", { extensions: { code: "OPERATION_RESOLUTION_FAILURE" } })];
    }
    // The access rules and limits of the HTTP path apply to queries and mutations: they go there.
    if (operation.operation !== "subscription") {
      return [inputError(`graphql-ws on /graphql serves subscriptions; send ${operation.operation === "query" ? "queries" : "mutations"} by POST /graphql`)];
    }
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], payload.variables ?? {});
    if (coerced.errors) return coerced.errors.map((e) => withCode(e, "BAD_USER_INPUT"));
    const refusal = deps.gate.admit(caller, (counted.access = deps.gate.accessOf(document, operation)), payload.variables ?? undefined);
    if (refusal) return [refusal.toGraphQLError("ws")];
    return { schema, document, operationName: payload.operationName, variableValues: payload.variables };
  };
  /** The codes a refused subscription answers with, once each, as the formatter gives them. */
  const failuresOf = (errors: readonly GraphQLError[]): string[] => [...new Set(errors.map((e) => String(format(e).extensions?.code ?? "INTERNAL_SERVER_ERROR")))];

  const server = useServer<Record<string, unknown> | undefined, Extra>(
    {
      schema,
      connectionInitWaitTimeout: CONNECTION_INIT_WAIT_MS,
      // SPEC §13: no valid key → 4401, a revoked or expired one → 4403 (closed here: graphql-ws's own refusal is always 4403).
      onConnect: (ctx) => {
        const { socket, request } = ctx.extra;
        const caller = deps.gate.authenticateConnection(ctx.connectionParams, request.headers);
        if (caller instanceof AccessRefusal) return refuse(socket, caller);
        const key = caller.key;
        if (key !== null) {
          const open = socketsByKey.get(key.id) ?? new Set();
          if (open.size >= MAX_SOCKETS_PER_KEY) {
            return refuse(socket, new AccessRefusal("RATE_LIMITED", `at most ${MAX_SOCKETS_PER_KEY} open sockets per API key`));
          }
          open.add(socket);
          socketsByKey.set(key.id, open);
          let expiry: NodeJS.Timeout | undefined;
          const closeAtExpiry = () => {
            const left = key.expiresAt! - Date.now();
            expiry = left <= 0 ? undefined : setTimeout(closeAtExpiry, Math.min(left, MAX_TIMER_MS));
            if (left <= 0) socket.close(4403, "Forbidden: the API key has expired");
          };
          if (key.expiresAt !== null) closeAtExpiry();
          socket.once("close", () => {
            clearTimeout(expiry);
            open.delete(socket);
            if (open.size === 0 && socketsByKey.get(key.id) === open) socketsByKey.delete(key.id);
          });
        }
        ctx.extra.caller = caller;
        return true;
      },
      onSubscribe: (ctx, _id, payload): ExecutionArgs | readonly GraphQLError[] => {
        const counted: { access: OperationAccess | null } = { access: null };
        const outcome = subscribe(ctx.extra.caller!, payload, counted);
        const operations = operationsOf(counted.access);
        const failures = Array.isArray(outcome) ? failuresOf(outcome as readonly GraphQLError[]) : null;
        // Not timed: a subscription lasts as long as its socket.
        deps.metrics.request(operations, null, failures && operations.flatMap((operation) => failures.map((code): RequestFailure => ({ operation, code }))), ctx.extra.caller?.key?.role ?? null);
        return outcome;
      },
      context: (ctx): AppContext => {
        const { socket, caller } = ctx.extra;
        return {
          services: deps.services,
          // Set by onConnect, which acknowledges no socket without one.
          caller: caller!,
          subscriber: { fellBehind: (reason) => socket.close(FELL_BEHIND_CLOSE_CODE, reason) },
        };
      },
      onNext: (_ctx, _id, _payload, _args, result): FormattedExecutionResult | void => {
        if (result.errors) return { ...result, errors: result.errors.map(format) };
      },
      onError: (_ctx, _id, _payload, errors) => errors.map(format),
    },
    wss,
  );

  return {
    close: async () => {
      stopFollowingRevocations();
      for (const socket of wss.clients) socket.close(1001, "going away: the server is stopping");
      const cut = setTimeout(() => {
        for (const socket of wss.clients) socket.terminate();
      }, CLOSE_GRACE_MS);
      try {
        await server.dispose();
      } finally {
        clearTimeout(cut);
      }
    },
  };
}
