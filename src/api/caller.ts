// Who is calling (SPEC §13): the key, `x-actor` and `x-request-id` from HTTP headers or graphql-ws
// connectionParams; the actor is the header when sent, else the key's name.

import type { IncomingHttpHeaders } from "node:http";
import type { AccessKey } from "../services/access-key";
import type { Caller } from "../services/caller";

const MAX_HEADER_VALUE = 256;

export function headerValue(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text ? text.slice(0, MAX_HEADER_VALUE) : null;
}

/** `params` (graphql-ws connectionParams) name the caller when given; the headers count when they do not. */
export function callerOf(headers: IncomingHttpHeaders, params: Readonly<Record<string, unknown>> | undefined | null, key: AccessKey | null): Caller {
  const value = (name: string): string | null => {
    const param = params?.[name];
    return typeof param === "string" && param !== "" ? param.slice(0, MAX_HEADER_VALUE) : headerValue(headers, name);
  };
  return { actor: value("x-actor") ?? key?.name ?? null, requestId: value("x-request-id"), key };
}
