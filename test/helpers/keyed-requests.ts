// API keys for the access tests: created over GraphQL with the tests' ADMIN key, and raw requests
// sent with any key (or none) so the tests can read statuses and headers.

import { ADMIN_HEADERS } from "./test-server";
// (api-keys.ts has the same key documents for in-process servers; these requests also reach server processes.)

/** A server reached over HTTP: the in-process test server or a server process. */
export interface Reachable {
  readonly url: string;
}

export const ROLES = ["ADMIN", "DEVELOPER", "VIEWER", "SDK"] as const;
export type Role = (typeof ROLES)[number];

export const CREATE_API_KEY = `mutation($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { secret apiKey { id name role services rateLimit expiresAt revokedAt } } }`;
export const REVOKE_API_KEY = `mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }`;

export interface TestKey {
  readonly id: string;
  readonly name: string;
  readonly secret: string;
  /** `authorization: Bearer <secret>`, for server.gql and raw requests. */
  readonly headers: Record<string, string>;
}

export const bearer = (secret: string): Record<string, string> => ({ authorization: `Bearer ${secret}` });

export interface KeyInput {
  name: string;
  role: Role;
  services?: string[];
  expiresAt?: string;
  rateLimit?: number;
}

/** Creates a key with the tests' ADMIN key. */
export async function createKey(server: Reachable, input: KeyInput): Promise<TestKey> {
  const reply = await post(server, { query: CREATE_API_KEY, variables: { input } }, ADMIN_HEADERS);
  if (reply.status !== 200 || reply.body.errors) throw new Error(`createApiKey failed: ${reply.status} ${reply.text}`);
  const created = reply.body.data!.createApiKey as { secret: string; apiKey: { id: string; name: string } };
  return { id: created.apiKey.id, name: created.apiKey.name, secret: created.secret, headers: bearer(created.secret) };
}

/** One key per role, each with a rate no test here reaches. */
export async function keyPerRole(server: Reachable, prefix: string): Promise<Record<Role, TestKey>> {
  const keys = {} as Record<Role, TestKey>;
  for (const role of ROLES) keys[role] = await createKey(server, { name: `${prefix}-${role.toLowerCase()}`, role, rateLimit: 100_000 });
  return keys;
}

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly body: {
    data?: Record<string, any> | null;
    errors?: Array<{ message: string; extensions: { code: string; field?: string; [k: string]: unknown } }>;
  };
}

/** POSTs `body` as JSON with exactly `headers` (no key unless they carry one). */
export async function post(server: Reachable, body: unknown, headers: Record<string, string> = {}, contentType = "application/json"): Promise<Reply> {
  return request(server, { method: "POST", headers: { "content-type": contentType, ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });
}

export async function request(server: Reachable, init: RequestInit, search = ""): Promise<Reply> {
  const res = await fetch(server.url + search, init);
  const text = await res.text();
  let body: Reply["body"] = {};
  try {
    body = JSON.parse(text) as Reply["body"];
  } catch {
    // Not JSON: the test reads `text`.
  }
  return { status: res.status, headers: res.headers, text, body };
}

export const firstError = (reply: Reply) => reply.body.errors?.[0];
