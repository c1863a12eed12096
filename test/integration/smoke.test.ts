import { ASSIGN, HISTORY, ok, runningExperiment } from "../helpers/factories";
import { startTestServer, type TestServer } from "../helpers/test-server";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

it("creates, starts, assigns, records history", async () => {
  await runningExperiment(server, "smoke");
  const a = ok(await server.gql(ASSIGN, { experiment: "smoke", actor: "user:1" })).assign;
  expect(["control", "treatment"]).toContain(a.variant);
  const h = ok(await server.gql(HISTORY, { key: "smoke" })).history;
  expect(h.map((r: any) => r.mutation)).toEqual(["started", "created"]);
});
