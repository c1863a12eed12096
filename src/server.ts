// createServer(deps): node:http + Apollo on /graphql, graphql-ws on the same path, POST /experiment, /healthz, /readyz
// and /metrics, GraphiQL in development; no listen (tests use it).

import http from "node:http";
import { ApolloServer, HeaderMap } from "@apollo/server";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import type { ExecutionResult } from "graphql";
import type { AccessGate } from "./api/access-gate";
import { accessPlugin } from "./api/access-plugin";
import { AccessRefusal } from "./api/access-refusal";
import { headerValue } from "./api/caller";
import { BodyError, isJsonContentType, readBody, sendBadRequest, sendJson, sendRefusal } from "./api/http-json";
import { CompiledQueries } from "./api/compiled-queries";
import { queryLimitRules, queryParseOptions } from "./api/query-limits";
import type { AppContext, AppServices } from "./api/context";
import { createErrorFormatter } from "./api/errors";
import { experimentEndpoint } from "./api/experiment-endpoint";
import { GRAPHIQL_PREFIX, graphiqlIde } from "./api/graphiql-page";
import { metricsEndpoint } from "./api/metrics-endpoint";
import { mutationLogPlugin } from "./api/mutation-log";
import { operationsOf, RequestTally, tallyPlugin } from "./api/request-tally";
import { buildAppSchema } from "./api/schema";
import { serveSubscriptions } from "./api/subscription-server";
import { refuseSubscriptionsOverHttp } from "./api/subscriptions-over-http";
import { documentIdOf, withDocumentText } from "./api/trusted-documents";
import { HttpDrain } from "./http-drain";
import type { Logger } from "./logger";
import { type Metrics, NO_METRICS, type RequestMetrics, UNKNOWN_OPERATION } from "./observability/metrics";
import { ResponseBatch } from "./response-batch";
import type { KeyRegistry } from "./services/key-registry";
import type { ReadinessReport } from "./services/readiness";

export interface ServerDeps {
  readonly services: AppServices;
  readonly logger: Logger;
  readonly production: boolean;
  /** The /readyz report (SPEC §10). */
  readonly readiness: () => Promise<ReadinessReport>;
  /** Who may call what (SPEC §13): every path asks it. */
  readonly gate: AccessGate;
  /** The keys, for closing the sockets of a revoked one. */
  readonly keys: KeyRegistry;
  /** SPEC §14; null when METRICS=off (nothing counted, /metrics answers 404). */
  readonly metrics: Metrics | null;
  /** METRICS_PUBLIC=true: /metrics needs no key. */
  readonly metricsPublic: boolean;
  /** The configuration version this instance serves (the mutation log says it); null before the first load. */
  readonly servedVersion: () => number | null;
}

export interface TesseraServer {
  readonly httpServer: http.Server;
  start(): Promise<void>;
  /** Closes the websockets, stops accepting, answers every request begun (with `Connection: close`), closes every connection. */
  stop(): Promise<void>;
}

/** answered: the fast path sent the answer; admitted: it let the request in but leaves the answer to Apollo; declined: Apollo does all. */
type FastPathOutcome = "answered" | "admitted" | "declined";

const UNKNOWN = [UNKNOWN_OPERATION] as const;

const isPromise = <T>(value: T | Promise<T>): value is Promise<T> => typeof (value as Promise<T>)?.then === "function";

/** The development IDE's page: a static page a browser loads without headers; every operation it sends needs a key. */
const isIdePageRequest = (req: http.IncomingMessage): boolean =>
  req.method === "GET" && (req.url ?? "").indexOf("?") === -1 && (req.headers.accept ?? "").includes("text/html");

interface GraphQLBody {
  readonly query?: unknown;
  readonly operationName?: unknown;
  readonly variables?: unknown;
  readonly extensions?: unknown;
}

/**
 * A well-formed POSTed query the compiled fast path may answer; anything unusual (GET,
 * persisted queries, the graphql-response media type, batches) is left to Apollo.
 */
function fastPathCandidate(req: http.IncomingMessage, body: unknown): { query: string; operationName: string | undefined; variables: Record<string, unknown> | undefined } | null {
  if (req.method !== "POST" || typeof body !== "object" || body === null || Array.isArray(body)) return null;
  if ((req.headers.accept ?? "").includes("graphql-response+json")) return null;
  const { query, operationName, variables, extensions } = body as GraphQLBody;
  if (typeof query !== "string" || extensions !== undefined) return null;
  if (operationName !== undefined && operationName !== null && typeof operationName !== "string") return null;
  if (variables !== undefined && variables !== null && (typeof variables !== "object" || Array.isArray(variables))) return null;
  return { query, operationName: operationName ?? undefined, variables: (variables as Record<string, unknown> | null) ?? undefined };
}

export function createServer(deps: ServerDeps): TesseraServer {
  const httpServer = http.createServer();
  // Before the request handler below, so that answers given while stopping carry `Connection: close`.
  const drain = new HttpDrain(httpServer, deps.logger);
  // Two instances: Apollo instruments the resolvers of its schema in place, the fast path needs them bare.
  const compiled = new CompiledQueries(buildAppSchema(), !deps.production);
  const answers = new ResponseBatch();
  const meter: RequestMetrics = deps.metrics ?? NO_METRICS;
  const experiment = experimentEndpoint({ gate: deps.gate, decisions: deps.services.decisions, answers, logger: deps.logger, metrics: meter });
  const metrics = metricsEndpoint({ gate: deps.gate, metrics: deps.metrics, isPublic: deps.metricsPublic });
  const formatError = createErrorFormatter(deps.logger, deps.production);
  const apollo = new ApolloServer<AppContext>({
    schema: buildAppSchema(),
    formatError,
    includeStacktraceInErrorResponses: false,
    introspection: !deps.production,
    validationRules: [...queryLimitRules],
    parseOptions: queryParseOptions,
    // Apollo never serves a page (its Sandbox loads from a CDN): in development GraphiQL is served before Apollo.
    plugins: [
      refuseSubscriptionsOverHttp,
      // Before the access plugin: its refusal of an operation still leaves the operation's fields tallied.
      tallyPlugin(deps.gate),
      accessPlugin(deps.gate),
      mutationLogPlugin(deps.logger, deps.servedVersion),
      ApolloServerPluginLandingPageDisabled(),
    ],
    allowBatchedHttpRequests: false,
    // main.ts owns the signals: drain, then flush exposures, then close the database.
    stopOnTerminationSignals: false,
  });
  const ide = deps.production ? null : graphiqlIde();
  const subscriptions = serveSubscriptions(httpServer, {
    schema: buildAppSchema(),
    services: deps.services,
    logger: deps.logger,
    production: deps.production,
    formatError,
    gate: deps.gate,
    keys: deps.keys,
    metrics: meter,
  });

  /** A request refused before its operation is read: counted as the operation "unknown". */
  const refusedEarly = (started: number, code: string, role: string | null) => meter.request(UNKNOWN, started, [{ operation: UNKNOWN_OPERATION, code }], role);

  async function handleGraphQL(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (ide !== null && isIdePageRequest(req)) return ide.sendPage(res);
    const started = meter.now();
    let body: unknown;
    const raw = req.method === "POST" ? await readBody(req) : "";
    const caller = deps.gate.authenticate(req.headers);
    if (!("actor" in caller)) {
      refusedEarly(started, caller.code, null);
      return sendRefusal(res, caller);
    }
    const role = caller.key?.role ?? null;
    if (req.method === "POST") {
      // CSRF (SPEC §13): a browser sends text/plain, form and multipart bodies cross-site without a
      // preflight, so a POST is only read as JSON; nothing else reaches execution.
      if (!isJsonContentType(req.headers["content-type"])) {
        refusedEarly(started, "BAD_USER_INPUT", role);
        return sendBadRequest(res, 415, "a POST body must be JSON: send it with content-type application/json", "content-type");
      }
      try {
        body = raw === "" ? undefined : JSON.parse(raw);
      } catch {
        refusedEarly(started, "BAD_USER_INPUT", role);
        return sendBadRequest(res, 400, "the request body is not valid JSON");
      }
      // One operation per request: an array of operations would multiply every limit (SPEC §13).
      if (Array.isArray(body)) {
        refusedEarly(started, "BAD_USER_INPUT", role);
        return sendBadRequest(res, 400, "batched operations (a JSON array body) are not accepted: send one operation per request");
      }
      // A trusted document named by its id runs as its text, on either path, and is judged as any text is.
      const id = documentIdOf(body);
      if (id !== null) {
        const text = deps.gate.trustedDocument(caller, id);
        if (text instanceof AccessRefusal) {
          refusedEarly(started, text.code, role);
          return sendRefusal(res, text);
        }
        if (text !== null) body = withDocumentText(body as object, text);
      }
    }
    const context: AppContext = { services: deps.services, caller };
    const fast = answerCompiled(req, res, body, context, started);
    const outcome = typeof fast === "string" ? fast : await fast;
    if (outcome === "answered") return;
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
    }
    const url = new URL(req.url ?? "/", "http://localhost");
    const tally = deps.metrics === null ? undefined : new RequestTally();
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? "GET", headers, search: url.search, body },
      context: async () => (outcome === "admitted" ? { ...context, tally, admitted: true } : tally ? { ...context, tally } : context),
    });
    for (const [key, value] of result.headers) res.setHeader(key, value);
    res.statusCode = result.status ?? 200;
    if (result.body.kind === "complete") res.end(result.body.string);
    else {
      for await (const chunk of result.body.asyncIterator) res.write(chunk);
      res.end();
    }
    // An HTTP refusal of Apollo's before its pipeline (a GET without a query) tallies no error of its own.
    const failures = tally?.failures ?? (res.statusCode >= 400 ? [{ operation: UNKNOWN_OPERATION, code: "BAD_USER_INPUT" }] : null);
    if (tally) meter.request(tally.operations, started, failures, role);
  }

  /**
   * The fast path: a valid query compiled once by graphql-jit, run without Apollo's
   * per-request pipeline, admitted by the same AccessGate as Apollo's path. A refused request,
   * or a result with errors, goes to Apollo, so every error answer keeps one shape (a refusal
   * takes nothing, so asking again is safe; an admitted one is not charged twice); only queries
   * (reads, and decide's idempotent first-wins writes) come here, so running again is safe.
   */
  function answerCompiled(req: http.IncomingMessage, res: http.ServerResponse, body: unknown, context: AppContext, started: number): FastPathOutcome | Promise<FastPathOutcome> {
    const candidate = fastPathCandidate(req, body);
    const query = candidate && compiled.get(candidate.query, candidate.operationName);
    if (!candidate || !query) return "declined";
    const access = deps.gate.accessOf(query.document, query.operation);
    if (deps.gate.admit(context.caller, access, candidate.variables) !== null) return "declined";
    const send = (result: ExecutionResult): FastPathOutcome => {
      if (result.errors?.length) return "admitted";
      answers.json(res, query.json(result));
      // Counted here only when answered here: a declined or admitted request is Apollo's to count.
      meter.request(operationsOf(access), started, null, context.caller.key?.role ?? null);
      return "answered";
    };
    // A decision whose stored assignments are all in memory comes back at once: answered in the same tick.
    const result = query.run(undefined, context, candidate.variables);
    return isPromise(result) ? result.then(send) : send(result);
  }

  httpServer.on("request", (req, res) => {
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const path = query === -1 ? url : url.slice(0, query);
    const handle = async () => {
      if (path === "/graphql") return handleGraphQL(req, res);
      if (path === "/experiment") return experiment(req, res);
      if (path === "/metrics") return metrics(req, res);
      if (path === "/healthz") return sendJson(res, 200, { status: "ok" });
      if (ide !== null && path.startsWith(GRAPHIQL_PREFIX)) return ide.sendAsset(req, res, path.slice(GRAPHIQL_PREFIX.length));
      if (path === "/readyz") {
        const report = await deps.readiness();
        return sendJson(res, report.status === "unavailable" ? 503 : 200, report);
      }
      sendJson(res, 404, { error: "not found: use POST /graphql, POST /experiment or GET /metrics" });
    };
    handle().catch((error: unknown) => {
      if (error instanceof BodyError) return sendBadRequest(res, error.status, error.message);
      deps.logger.error({ err: error, requestId: headerValue(req.headers, "x-request-id") }, "request failed");
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } }] });
      else res.end();
    });
  });

  return {
    httpServer,
    start: () => apollo.start(),
    // Websockets first: the HTTP drain would end their connections without a close frame.
    stop: async () => {
      await subscriptions.close();
      await drain.stop();
      await apollo.stop();
    },
  };
}
