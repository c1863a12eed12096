// API keys for the access-control tests (SPEC §13): documents, keys made over HTTP, and raw graphql-ws
// connections that report how the server answered connection_init (ack, or a close code).

import WebSocket from "ws";
import { ok } from "./factories";
import type { GqlResponse, TestServer } from "./test-server";

export const KEY_FIELDS = "id name role services prefix rateLimit createdAt expiresAt revokedAt lastUsedAt";
export const CREATE_KEY = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { ${KEY_FIELDS} } } }`;
export const REVOKE_KEY = `mutation($id: ID!) { revokeApiKey(id: $id) { ${KEY_FIELDS} } }`;
export const API_KEYS = `query { apiKeys { ${KEY_FIELDS} } }`;
export const ME = `query { me { id name role services } }`;

export interface ApiKey {
  id: string;
  name: string;
  role: string;
  services: string[] | null;
  prefix: string;
  rateLimit: number;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface CreatedKey {
  secret: string;
  apiKey: ApiKey;
}

export const bearer = (secret: string): Record<string, string> => ({ authorization: `Bearer ${secret}` });

/** A key made by the tests' ADMIN key; fails unless it was made. */
export async function createKey(server: TestServer, input: Record<string, unknown>): Promise<CreatedKey> {
  return ok(await server.gql(CREATE_KEY, { input })).createApiKey as CreatedKey;
}

export async function revokeKey(server: TestServer, id: string): Promise<ApiKey> {
  return ok(await server.gql(REVOKE_KEY, { id })).revokeApiKey as ApiKey;
}

/** `me` asked with `secret`. */
export const meAs = (server: TestServer, secret: string): Promise<GqlResponse> => server.gql(ME, {}, bearer(secret));

/** Polls `me` with `secret` until the answer's HTTP status is `status` (another instance following a change); a hang fails the test's own timeout. */
export async function untilStatus(server: TestServer, secret: string, status: number): Promise<GqlResponse> {
  for (;;) {
    const res = await meAs(server, secret);
    if (res.status === status) return res;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** How the server answered a connection_init: "ack", or the close code and reason. */
export type InitOutcome = { readonly acked: true } | { readonly acked: false; readonly code: number; readonly reason: string };

export interface RawSocket {
  readonly socket: WebSocket;
  /** Settles at connection_ack or at a close before it. */
  readonly init: Promise<InitOutcome>;
  /** Settles when the socket closes, with its code. */
  readonly closed: Promise<number>;
}

/** A bare graphql-transport-ws socket sending connection_init with `payload` (none when undefined) once open. */
export function rawConnect(server: TestServer | { url: string }, payload: Record<string, unknown> | undefined): RawSocket {
  const socket = new WebSocket(server.url.replace(/^http/, "ws"), "graphql-transport-ws");
  const closed = new Promise<number>((resolve) => socket.on("close", (code) => resolve(code)));
  const init = new Promise<InitOutcome>((resolve, reject) => {
    socket.on("open", () => socket.send(JSON.stringify(payload === undefined ? { type: "connection_init" } : { type: "connection_init", payload })));
    socket.on("message", (data) => {
      if ((JSON.parse(data.toString()) as { type: string }).type === "connection_ack") resolve({ acked: true });
    });
    socket.on("close", (code, reason) => resolve({ acked: false, code, reason: reason.toString() }));
    socket.on("error", reject);
  });
  return { socket, init, closed };
}

/** Closes the sockets and waits until each has closed. */
export async function closeAll(sockets: readonly RawSocket[]): Promise<void> {
  for (const s of sockets) if (s.socket.readyState !== WebSocket.CLOSED) s.socket.close(1000);
  await Promise.all(sockets.map((s) => s.closed));
}
