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
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import type { Logger } from "../logger";
import { callerOfConnection } from "./caller";
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
}

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

  const server = useServer<Record<string, unknown> | undefined, { socket: import("ws").WebSocket; request: http.IncomingMessage }>(
    {
      schema,
      connectionInitWaitTimeout: CONNECTION_INIT_WAIT_MS,
      // Parsed, validated and coerced here, so every request error carries Apollo's code before execution.
      onSubscribe: (_ctx, _id, payload): ExecutionArgs | readonly GraphQLError[] => {
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
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables };
      },
      context: (ctx): AppContext => {
        const { socket, request } = ctx.extra;
        return {
          services: deps.services,
          caller: callerOfConnection(ctx.connectionParams, request.headers),
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
