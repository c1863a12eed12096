// AccessGate: the one place requests are let in (SPEC §13). Apollo's path (a plugin), the compiled
// fast path and graphql-ws all ask it the same two questions: who is this (authenticate), and may
// they run this operation now (admit: mode, trusted documents, role, services, rate).

import type { IncomingHttpHeaders } from "node:http";
import { type DocumentNode, type GraphQLSchema, type OperationDefinitionNode, getArgumentValues, getVariableValues } from "graphql";
import type { AccessKey, Role } from "../services/access-key";
import type { Caller } from "../services/caller";
import type { KeyRegistry } from "../services/key-registry";
import { flagVisibleTo } from "../services/flag-decision.service";
import type { RateLimiter } from "../services/rate-limiter";
import { AccessRefusal } from "./access-refusal";
import { callerOf } from "./caller";
import { operationAccess, type OperationAccess, type RootField } from "./operation-access";
import type { TrustedDocuments } from "./trusted-documents";

/** Longer bearer tokens are not hashed: no key is that long (TESSERA_ADMIN_KEY included). */
const MAX_SECRET_CHARS = 512;
const BEARER = /^Bearer +([\x21-\x7e]+) *$/;

/** The services an experiment is decided for (its layer's), or null when it is not being decided. */
export type ExperimentServices = (experiment: string) => readonly string[] | null;

/** A flag's services (none: every key may decide it), or null when the flag is unknown (decideFlags answers NOT_FOUND). */
export type FlagServices = (flag: string) => readonly string[] | null;

const MISSING_KEY = new AccessRefusal("UNAUTHENTICATED", "an API key is required: send it as Authorization: Bearer <key>", { field: "authorization" });
const MALFORMED = new AccessRefusal("UNAUTHENTICATED", "the Authorization header must be Bearer <key>", { field: "authorization" });
const UNKNOWN = new AccessRefusal("UNAUTHENTICATED", "unknown API key", { field: "authorization" });
const REVOKED = new AccessRefusal("UNAUTHENTICATED", "this API key was revoked", { field: "authorization" }, null, true);
const EXPIRED = new AccessRefusal("UNAUTHENTICATED", "this API key has expired", { field: "authorization" }, null, true);

export interface AccessGateOptions {
  /** AUTH=off: every caller is let in as ADMIN, unlimited (local work only). */
  readonly authOff: boolean;
  /** Root fields refused to everyone in this server's mode (file mode, STORAGE=none), with the reason: refusedInMode. */
  readonly refused?: ReadonlyMap<string, string>;
  /** TRUSTED_DOCUMENTS: callers of these roles run only the manifest's documents (AUTH=off callers count as ADMIN). */
  readonly trusted?: { readonly documents: TrustedDocuments; readonly roles: ReadonlySet<Role> };
}

/**
 * A list argument as execution will coerce it: a client may send one value where a list is
 * expected (GraphQL makes it a list of one); null and undefined are no list.
 */
const listOf = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : value == null ? [] : [value]);

export class AccessGate {
  private readonly plans = new WeakMap<OperationDefinitionNode, OperationAccess>();
  /**
   * A limited key's services verdict on an operation whose scoped arguments are literals (the
   * usual `decide(services: ["web"], context: $c)`): worked out once per key, since a key's
   * services never change. Keys are few; operations are bounded by the compiled-query cache.
   */
  private readonly scopeVerdicts = new WeakMap<OperationAccess, Map<string, AccessRefusal | null>>();
  /** The mode's verdict on an operation (it never changes while the server runs). */
  private readonly modeVerdicts = new WeakMap<OperationAccess, AccessRefusal | null>();
  /** Is the operation's document one of TRUSTED_DOCUMENTS (worked out once per parsed document)? */
  private readonly trustVerdicts = new WeakMap<OperationAccess, boolean>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly keys: KeyRegistry,
    private readonly limiter: RateLimiter,
    private readonly experimentServices: ExperimentServices,
    private readonly flagServices: FlagServices,
    private readonly options: AccessGateOptions,
  ) {}

  /** Who calls, from an HTTP request's headers. */
  authenticate(headers: IncomingHttpHeaders): Caller | AccessRefusal {
    const key = this.keyOf(headers.authorization);
    return key instanceof AccessRefusal ? key : callerOf(headers, null, key);
  }

  /** Who calls, from graphql-ws's connection_init payload (browsers cannot set headers on a websocket), else the upgrade request's headers. */
  authenticateConnection(params: Readonly<Record<string, unknown>> | undefined, headers: IncomingHttpHeaders): Caller | AccessRefusal {
    const param = params?.authorization ?? params?.Authorization;
    const key = this.keyOf(typeof param === "string" ? param : headers.authorization);
    return key instanceof AccessRefusal ? key : callerOf(headers, params, key);
  }

  /** The operation's access facts, worked out once per parsed operation. */
  accessOf(document: DocumentNode, operation: OperationDefinitionNode): OperationAccess {
    let access = this.plans.get(operation);
    if (access === undefined) {
      access = operationAccess(this.schema, document, operation);
      this.plans.set(operation, access);
    }
    return access;
  }

  /**
   * May `caller` run the operation now? Role first, then the services of a limited SDK key, then
   * the key's rate (a refused request takes no tokens). Null: go on.
   */
  admit(caller: Caller, access: OperationAccess, variables: Readonly<Record<string, unknown>> | undefined): AccessRefusal | null {
    // Before the key: what the mode refuses, it refuses to AUTH=off callers too.
    if (this.options.refused !== undefined && this.options.refused.size > 0) {
      const inMode = this.refusedInMode(access);
      if (inMode !== null) return inMode;
    }
    if (this.options.trusted !== undefined && this.restrictsDocuments(caller) && !this.isTrusted(access)) {
      const role = caller.key?.role ?? "ADMIN";
      return new AccessRefusal("FORBIDDEN", `the ${role} role may run only trusted documents: send one of the server's persisted documents, or its documentId`, { field: "query", role });
    }
    const key = caller.key;
    if (key === null) return null;
    const forbidden = access.forbidden.get(key.role)!;
    if (forbidden.length > 0) {
      return new AccessRefusal("FORBIDDEN", `the ${key.role} role may not use ${forbidden.join(", ")}`, { field: forbidden[0], fields: forbidden, role: key.role });
    }
    const limited = key.services !== null && access.scoped.length > 0;
    const scopePerRequest = limited && !access.scopeIsConstant;
    const args = scopePerRequest || access.batches.length > 0 ? this.argumentsOf(access, variables) : null;
    const outside = !limited ? null : scopePerRequest ? args && this.outsideServices(key, access.scoped, args) : this.constantScopeVerdict(key, access);
    if (outside) return outside;
    let cost = access.decides;
    if (args !== null) for (const batch of access.batches) cost += listOf(args.get(batch)?.requests).length;
    return this.rate(key, Math.max(1, cost));
  }

  /** A request that is no operation (GET /metrics): one token of the caller's key, nothing else asked. */
  charge(caller: Caller): AccessRefusal | null {
    return caller.key === null ? null : this.rate(caller.key, 1);
  }

  private rate(key: AccessKey, cost: number): AccessRefusal | null {
    const refused = this.limiter.take(key.id, key.rateLimit, cost);
    if (refused === null) return null;
    return new AccessRefusal("RATE_LIMITED", `the API key "${key.name}" is over its limit of ${key.rateLimit} requests per second`, { rateLimit: key.rateLimit }, refused.retryAfterSeconds);
  }

  /**
   * The text of the trusted document `id` names, for a request that sends only the id. Null: no such
   * document, and the caller may run any (Apollo answers the id as it would without TRUSTED_DOCUMENTS).
   */
  trustedDocument(caller: Caller, id: string): string | AccessRefusal | null {
    const text = this.options.trusted?.documents.textOf(id);
    if (text !== undefined) return text;
    if (this.options.trusted === undefined || !this.restrictsDocuments(caller)) return null;
    return new AccessRefusal("FORBIDDEN", "no trusted document has this id", { field: "documentId", role: caller.key?.role ?? "ADMIN" });
  }

  private restrictsDocuments(caller: Caller): boolean {
    return this.options.trusted!.roles.has(caller.key?.role ?? "ADMIN");
  }

  private isTrusted(access: OperationAccess): boolean {
    let verdict = this.trustVerdicts.get(access);
    if (verdict === undefined) this.trustVerdicts.set(access, (verdict = this.options.trusted!.documents.holds(access.document)));
    return verdict;
  }

  private refusedInMode(access: OperationAccess): AccessRefusal | null {
    let verdict = this.modeVerdicts.get(access);
    if (verdict === undefined) {
      const refused = access.names.filter((name) => this.options.refused!.has(name));
      verdict = refused.length === 0 ? null : new AccessRefusal("FORBIDDEN", this.options.refused!.get(refused[0]!)!, { field: refused[0], fields: refused });
      this.modeVerdicts.set(access, verdict);
    }
    return verdict;
  }

  /** The verdict on services written as literals: the same for every request of the operation by this key. */
  private constantScopeVerdict(key: AccessKey, access: OperationAccess): AccessRefusal | null {
    let verdicts = this.scopeVerdicts.get(access);
    if (verdicts === undefined) this.scopeVerdicts.set(access, (verdicts = new Map()));
    let verdict = verdicts.get(key.id);
    if (verdict === undefined) verdicts.set(key.id, (verdict = this.outsideServices(key, access.scoped, this.argumentsOf(access, undefined)!)));
    return verdict;
  }

  private keyOf(authorization: string | undefined): AccessKey | null | AccessRefusal {
    if (this.options.authOff) return null;
    if (authorization === undefined || authorization === "") return MISSING_KEY;
    const secret = authorization.length <= MAX_SECRET_CHARS + 7 ? BEARER.exec(authorization)?.[1] : undefined;
    if (secret === undefined) return authorization.length > MAX_SECRET_CHARS + 7 ? UNKNOWN : MALFORMED;
    const verdict = this.keys.identify(secret);
    switch (verdict.status) {
      case "valid":
        return verdict.key;
      case "revoked":
        return REVOKED;
      case "expired":
        return EXPIRED;
      default:
        return UNKNOWN;
    }
  }

  /**
   * The scoped and batch fields' argument values; null when the variables do not coerce (execution
   * then refuses the request itself). Most operations are read without coercing anything.
   */
  private argumentsOf(access: OperationAccess, variables: Readonly<Record<string, unknown>> | undefined): Map<RootField, Record<string, unknown>> | null {
    const fields = access.scoped.length === 0 ? access.batches : access.batches.length === 0 ? access.scoped : [...access.scoped, ...access.batches];
    const args = new Map<RootField, Record<string, unknown>>();
    let coerced: Record<string, unknown> | null = null;
    for (const field of fields) {
      if (field.readArguments) {
        args.set(field, field.readArguments(variables ?? {}));
        continue;
      }
      if (coerced === null) {
        const result = getVariableValues(this.schema, access.operation.variableDefinitions ?? [], variables ?? {});
        if (result.errors) return null;
        coerced = result.coerced;
      }
      try {
        args.set(field, getArgumentValues(field.definition, field.node, coerced));
      } catch {
        return null;
      }
    }
    return args;
  }

  private outsideServices(key: AccessKey, fields: readonly RootField[], args: ReadonlyMap<RootField, Record<string, unknown>>): AccessRefusal | null {
    const allowed = key.services!;
    const outside = (list: unknown): string | undefined => listOf(list).find((s): s is string => typeof s === "string" && !allowed.has(s));
    const refuse = (field: string, service: string) =>
      new AccessRefusal("FORBIDDEN", `the API key "${key.name}" may not decide for service "${service.slice(0, 100)}"`, { field, service: service.slice(0, 100) });
    for (const field of fields) {
      const values = args.get(field) ?? {};
      if (field.name === "assign") {
        const experiment = String(values.experiment ?? "");
        const services = this.experimentServices(experiment) ?? [];
        if (!services.some((s) => allowed.has(s))) {
          return new AccessRefusal("FORBIDDEN", `the API key "${key.name}" may not assign "${experiment.slice(0, 100)}": it serves none of the key's services`, { field: "experiment" });
        }
      } else if (field.name === "decideFlags") {
        // Without keys the service lists only the flags the key may see; named ones must be among them.
        for (const flag of listOf(values.keys)) {
          if (typeof flag !== "string") continue;
          const services = this.flagServices(flag);
          if (services !== null && !flagVisibleTo(allowed, services)) {
            return new AccessRefusal("FORBIDDEN", `the API key "${key.name}" may not decide flag "${flag.slice(0, 100)}": it serves none of the key's services`, { field: "keys", flag: flag.slice(0, 100) });
          }
        }
      } else if (field.name === "decideBatch") {
        const requests = listOf(values.requests);
        for (let i = 0; i < requests.length; i++) {
          const service = outside((requests[i] as { services?: unknown } | null)?.services);
          if (service !== undefined) return refuse(`requests[${i}].services`, service);
        }
      } else {
        const service = outside(values.services);
        if (service !== undefined) return refuse("services", service);
      }
    }
    return null;
  }

}
