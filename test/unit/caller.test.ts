// Who is calling: HTTP headers, or graphql-ws connectionParams before the upgrade request's headers.

import { callerOfConnection, callerOfHeaders } from "../../src/api/caller";

it("reads x-actor and x-request-id from headers, at most 256 characters, null when absent or empty", () => {
  expect(callerOfHeaders({ "x-actor": "alice", "x-request-id": "r-1" })).toEqual({ actor: "alice", requestId: "r-1" });
  expect(callerOfHeaders({ "x-actor": "a".repeat(300), "x-request-id": "" })).toEqual({ actor: "a".repeat(256), requestId: null });
});

it("over graphql-ws, connectionParams win over the upgrade request's headers; anything but a non-empty string is ignored", () => {
  const headers = { "x-actor": "from-header", "x-request-id": "header-id" };
  expect(callerOfConnection({ "x-actor": "from-params" }, headers)).toEqual({ actor: "from-params", requestId: "header-id" });
  expect(callerOfConnection({ "x-actor": 42, "x-request-id": "" }, headers)).toEqual({ actor: "from-header", requestId: "header-id" });
  expect(callerOfConnection(undefined, {})).toEqual({ actor: null, requestId: null });
  expect(callerOfConnection({ "x-request-id": "p".repeat(300) }, {}).requestId).toHaveLength(256);
});
