// POST /experiment (SPEC §15): the layered system's HTTP API of 001, answered from decide's decision
// (same gate verdict, same DecisionService round) and written straight to JSON, without GraphQL.

import type http from "node:http";
import { type FieldNode, Kind, type ListValueNode, type OperationDefinitionNode, parse, type StringValueNode } from "graphql";
import type { ServiceDecision } from "../engine/answer";
import { isJsonObject } from "../engine/definition";
import { badInput, DomainError, type DomainErrorCode } from "../engine/errors";
import type { Logger } from "../logger";
import type { RequestMetrics } from "../observability/metrics";
import type { ResponseBatch } from "../response-batch";
import type { Caller } from "../services/caller";
import type { Decision, DecisionService } from "../services/decision.service";
import type { AccessGate } from "./access-gate";
import type { AccessRefusal } from "./access-refusal";
import type { OperationAccess } from "./operation-access";
import { BodyError, isJsonContentType, readBody, sendBadRequest, sendJson, sendRefusal } from "./http-json";
import { quoteString, writeAny } from "./result-json";

/**
 * How the gate judges POST /experiment: as this `decide`, with the body's services. So decide's role
 * rule, an SDK key's services (403 naming the service, field `services`) and the rate limit (one
 * token, as one decide) hold here with no second copy of them.
 */
const AS_DECIDE = parse(`query PostExperiment($services: [String!]!, $context: JSON!, $requestId: String) {
  decide(services: $services, context: $context, requestId: $requestId) { configVersion } }`);

/** Service lists judged as literals (see DecideAccess): at most this many, each at most this long in all. */
const MAX_LITERAL_LISTS = 1_000;
const MAX_LITERAL_CHARS = 1_000;

/**
 * The gate's view of a request as `decide`. With the services as a variable, the gate reads them on
 * every request; written as a literal, its verdict for a limited key is worked out once per key and
 * then looked up (access-gate.ts). An SDK asks for the same few lists again and again, so each list
 * gets its own `decide(services: [...])` operation, up to a bound; past it (or for a list too long to
 * keep) the variable form is judged per request, with the same verdicts.
 */
class DecideAccess {
  private readonly operation: OperationDefinitionNode;
  private readonly byVariable: OperationAccess;
  private readonly single = new Map<string, OperationAccess>();
  private readonly lists = new Map<string, OperationAccess>();
  private kept = 0;

  constructor(private readonly gate: AccessGate) {
    this.operation = AS_DECIDE.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
    this.byVariable = gate.accessOf(AS_DECIDE, this.operation);
  }

  admit(caller: Caller, services: readonly string[]): AccessRefusal | null {
    const one = services.length === 1;
    const name = one ? services[0]! : JSON.stringify(services);
    const known = (one ? this.single : this.lists).get(name);
    if (known !== undefined) return this.gate.admit(caller, known, undefined);
    if (name.length > MAX_LITERAL_CHARS) return this.gate.admit(caller, this.byVariable, { services });
    if (this.kept >= MAX_LITERAL_LISTS) {
      this.single.clear();
      this.lists.clear();
      this.kept = 0;
    }
    const access = this.literal(services);
    (one ? this.single : this.lists).set(name, access);
    this.kept++;
    return this.gate.admit(caller, access, undefined);
  }

  /** The operation with `services: ["a", …]` written in, built as a syntax tree (no text is parsed, so no name can inject). */
  private literal(services: readonly string[]): OperationAccess {
    const field = this.operation.selectionSet.selections[0] as FieldNode;
    const list: ListValueNode = { kind: Kind.LIST, values: services.map((value): StringValueNode => ({ kind: Kind.STRING, value })) };
    const args = field.arguments!.map((a) => (a.name.value === "services" ? { ...a, value: list } : a));
    const operation: OperationDefinitionNode = {
      ...this.operation,
      variableDefinitions: this.operation.variableDefinitions!.filter((v) => v.variable.name.value !== "services"),
      selectionSet: { ...this.operation.selectionSet, selections: [{ ...field, arguments: args }] },
    };
    return this.gate.accessOf({ ...AS_DECIDE, definitions: [operation] }, operation);
  }
}

/** A DomainError's HTTP status here (GraphQL answers them with 200 and `errors`; this API has statuses). Exhaustive on purpose. */
const STATUS: Record<DomainErrorCode, number> = {
  BAD_USER_INPUT: 400,
  NOT_FOUND: 404,
  NOT_RUNNING: 409,
  ARCHIVED: 409,
  EXCLUDED_BY_GROUP: 409,
  NO_VARIANT: 409,
  CONFLICT: 409,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  UNAVAILABLE: 503,
};

interface ExperimentRequest {
  readonly services: readonly string[];
  readonly context: unknown;
  readonly requestId: string | null;
}

const SHAPE = 'send {"services":["<service>",…],"context":{…}}';

/** The body, checked as decide's arguments would be coerced; unknown members are ignored (as the 001 server's serde does). */
function readRequest(raw: string): ExperimentRequest {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw badInput("body", `the request body is not valid JSON: ${SHAPE}`);
  }
  if (!isJsonObject(body)) throw badInput("body", `the request body must be a JSON object: ${SHAPE}`);
  const { services, context, requestId } = body;
  if (services === undefined || services === null) throw badInput("services", `services is required: ${SHAPE}`);
  if (!Array.isArray(services)) throw badInput("services", "services must be an array of service names");
  if (services.length === 0) throw badInput("services", "services must name at least one service");
  const notText = services.findIndex((s) => typeof s !== "string");
  if (notText !== -1) throw badInput(`services[${notText}]`, "services must be an array of strings");
  // Checked here too (DecisionService checks it again) so that bad input takes no token of the key's rate.
  if (!isJsonObject(context)) throw badInput("context", "context must be a JSON object");
  if (requestId !== undefined && requestId !== null && typeof requestId !== "string") throw badInput("requestId", "requestId must be a string");
  // The answer is an object keyed by service: a service named twice is decided and written once.
  const unique = services.length === 1 ? (services as string[]) : [...new Set(services as string[])];
  return { services: unique, context, requestId: requestId ?? null };
}

/** `{"results":{"<service>":{"parameters":…,"vids":[…],"matched_layers":[…]}}}`, keys in the order asked; leaves by result-json's writers. */
export function experimentJson(results: readonly ServiceDecision[]): string {
  let out = '{"results":{';
  for (let i = 0; i < results.length; i++) {
    const result = results[i]!;
    const experiments = result.experiments;
    out += `${i === 0 ? "" : ","}${quoteString(result.service)}:{"parameters":${writeAny(result.parameters)},"vids":[`;
    for (let j = 0; j < experiments.length; j++) out += `${j === 0 ? "" : ","}${experiments[j]!.vid}`;
    out += '],"matched_layers":[';
    for (let j = 0; j < experiments.length; j++) out += `${j === 0 ? "" : ","}${quoteString(experiments[j]!.layer)}`;
    out += "]}";
  }
  return `${out}}}`;
}

const isPromise = <T>(value: T | Promise<T>): value is Promise<T> => typeof (value as Promise<T>)?.then === "function";

export interface ExperimentEndpointDeps {
  readonly gate: AccessGate;
  readonly decisions: DecisionService;
  /** The server's batch of answers (shared with /graphql's fast path, so they are written in one run). */
  readonly answers: ResponseBatch;
  readonly logger: Logger;
  /** Each request counted as the operation `experiment` (SPEC §14). */
  readonly metrics: RequestMetrics;
}

const EXPERIMENT = ["experiment"] as const;

/**
 * The request handler. Order: key (401), method (405), content type (415), body (413, 400), the
 * gate's role/services/rate (403, 429), the decision (400 for what DecisionService refuses: an actor
 * too long, over 100 services). Every refusal has GraphQL's error shape: `{"errors":[{"message",
 * "extensions":{"code","field",…}}]}`. Rejections other than DomainError go to the server's handler
 * (413 for a body too large, else a masked 500).
 */
export function experimentEndpoint(deps: ExperimentEndpointDeps): (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> {
  const access = new DecideAccess(deps.gate);
  const answer = (res: http.ServerResponse, decision: Decision) => deps.answers.json(res, experimentJson(decision.results));

  /** Answers the request; returns the error code it answered with, null for a decision. */
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, caller: Caller): Promise<string | null> => {
    if (req.method !== "POST") {
      sendBadRequest(res, 405, `${req.method ?? "this method"} is not allowed on /experiment: use POST`, "method", { allow: "POST" });
      return "BAD_USER_INPUT";
    }
    if (!isJsonContentType(req.headers["content-type"])) {
      sendBadRequest(res, 415, "the body must be JSON: send it with content-type application/json", "content-type");
      return "BAD_USER_INPUT";
    }
    const raw = await readBody(req);
    try {
      const request = readRequest(raw);
      const refused = access.admit(caller, request.services);
      if (refused !== null) {
        sendRefusal(res, refused);
        return refused.code;
      }
      const decision = deps.decisions.decide(request, false, caller);
      answer(res, isPromise(decision) ? await decision : decision);
      return null;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      deps.logger.debug({ code: error.code, details: error.details }, error.message);
      sendJson(res, STATUS[error.code], { errors: [{ message: error.message, extensions: { ...error.details, code: error.code } }] });
      return error.code;
    }
  };

  const counted = (started: number, code: string | null, role: string | null) =>
    deps.metrics.request(EXPERIMENT, started, code === null ? null : [{ operation: EXPERIMENT[0], code }], role);

  return async (req, res) => {
    const started = deps.metrics.now();
    const caller = deps.gate.authenticate(req.headers);
    if (!("actor" in caller)) {
      counted(started, caller.code, null);
      return sendRefusal(res, caller);
    }
    const role = caller.key?.role ?? null;
    let code: string | null;
    try {
      code = await handle(req, res, caller);
    } catch (error) {
      // The server's handler answers it: a body too large (413), else a masked 500.
      counted(started, error instanceof BodyError ? "BAD_USER_INPUT" : "INTERNAL_SERVER_ERROR", role);
      throw error;
    }
    counted(started, code, role);
  };
}
