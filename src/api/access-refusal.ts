// AccessRefusal: why a request may not go on (SPEC §13), in each transport's terms: an HTTP status
// with a GraphQL error body, a GraphQLError carrying that status for Apollo, a graphql-ws close code.

import { GraphQLError } from "graphql";
import { HeaderMap } from "@apollo/server";

export type RefusalCode = "UNAUTHENTICATED" | "FORBIDDEN" | "RATE_LIMITED";

export class AccessRefusal {
  constructor(
    readonly code: RefusalCode,
    readonly message: string,
    /** The offending field (and, for a service outside an SDK key's list, the service). */
    readonly details: Readonly<Record<string, unknown>> = {},
    /** RATE_LIMITED: when to try again. */
    readonly retryAfterSeconds: number | null = null,
    /** UNAUTHENTICATED: the key exists but was revoked or expired (graphql-ws 4403, not 4401). */
    readonly keyRetired = false,
  ) {}

  get status(): number {
    return this.code === "UNAUTHENTICATED" ? 401 : this.code === "FORBIDDEN" ? 403 : 429;
  }

  /** The graphql-ws close code: 4401 no or unknown key, 4403 revoked or expired (SPEC §13), 4429 too many. */
  get closeCode(): number {
    if (this.code === "RATE_LIMITED") return 4429;
    return this.code === "UNAUTHENTICATED" && !this.keyRetired ? 4401 : 4403;
  }

  headers(): Record<string, string> {
    if (this.code === "UNAUTHENTICATED") return { "www-authenticate": 'Bearer realm="tessera"' };
    if (this.retryAfterSeconds !== null) return { "retry-after": String(this.retryAfterSeconds) };
    return {};
  }

  body(): { errors: Array<{ message: string; extensions: Record<string, unknown> }> } {
    return { errors: [{ message: this.message, extensions: { ...this.details, code: this.code } }] };
  }

  /** For Apollo, `extensions.http` sets the answer's status and headers (Apollo removes it from the body); graphql-ws has no status. */
  toGraphQLError(transport: "http" | "ws" = "http"): GraphQLError {
    const http = transport === "http" ? { http: { status: this.status, headers: new HeaderMap(Object.entries(this.headers())) } } : {};
    return new GraphQLError(this.message, { extensions: { ...this.details, code: this.code, ...http } });
  }
}
