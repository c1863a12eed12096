// Who is calling: `x-actor` and `x-request-id` from HTTP headers, or from graphql-ws connectionParams.

import type { IncomingHttpHeaders } from "node:http";
import type { Caller } from "../services/caller";

const MAX_HEADER_VALUE = 256;

export function headerValue(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text ? text.slice(0, MAX_HEADER_VALUE) : null;
}

export function callerOfHeaders(headers: IncomingHttpHeaders): Caller {
  return { actor: headerValue(headers, "x-actor"), requestId: headerValue(headers, "x-request-id") };
}

/**
 * A graphql-ws client names itself in `connectionParams` (browsers cannot set headers on a
 * websocket); the upgrade request's headers count when it does not.
 */
export function callerOfConnection(params: Readonly<Record<string, unknown>> | undefined, headers: IncomingHttpHeaders): Caller {
  const param = (name: string): string | null => {
    const value = params?.[name];
    return typeof value === "string" && value !== "" ? value.slice(0, MAX_HEADER_VALUE) : headerValue(headers, name);
  };
  return { actor: param("x-actor"), requestId: param("x-request-id") };
}
