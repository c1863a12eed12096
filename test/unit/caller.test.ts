// Who is calling: HTTP headers, or graphql-ws connectionParams before the upgrade request's headers;
// the actor is x-actor when sent, else the key's name (SPEC §13).

import { callerOf } from "../../src/api/caller";
import type { AccessKey } from "../../src/services/access-key";

const key: AccessKey = { id: "k1", name: "ci-pipeline", role: "DEVELOPER", services: null, rateLimit: 100, expiresAt: null };

it("reads x-actor and x-request-id from headers, at most 256 characters, null when absent or empty", () => {
  expect(callerOf({ "x-actor": "alice", "x-request-id": "r-1" }, null, null)).toEqual({ actor: "alice", requestId: "r-1", key: null });
  expect(callerOf({ "x-actor": "a".repeat(300), "x-request-id": "" }, null, null)).toEqual({ actor: "a".repeat(256), requestId: null, key: null });
});

it("the actor is the key's name when no x-actor is sent, and x-actor when it is", () => {
  expect(callerOf({}, null, key)).toEqual({ actor: "ci-pipeline", requestId: null, key });
  expect(callerOf({ "x-actor": "alice" }, null, key).actor).toBe("alice");
});

it("over graphql-ws, connectionParams win over the upgrade request's headers; anything but a non-empty string is ignored", () => {
  const headers = { "x-actor": "from-header", "x-request-id": "header-id" };
  expect(callerOf(headers, { "x-actor": "from-params" }, null)).toEqual({ actor: "from-params", requestId: "header-id", key: null });
  expect(callerOf(headers, { "x-actor": 42, "x-request-id": "" }, null)).toEqual({ actor: "from-header", requestId: "header-id", key: null });
  expect(callerOf({}, undefined, null)).toEqual({ actor: null, requestId: null, key: null });
  expect(callerOf({}, { "x-request-id": "p".repeat(300) }, null).requestId).toHaveLength(256);
});
