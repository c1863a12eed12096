// SPEC §10 with a database that hangs instead of refusing (a proxy that accepts and never answers, and stalls
// the connections it had): decide answers within its deadline, mutations answer UNAVAILABLE once the pool gives
// up, the process keeps serving, and the assignments given meanwhile are stored when the database answers again.

import { CREATE, FIFTY_FIFTY, errorCode, ok, uniqueKey } from "../helpers/factories";
import { decideFor, lostOf, type ProxiedServer, proxiedServer, shapeOf, twoServices } from "../helpers/outage";
import { loadSlotOf, type SlotOf } from "../helpers/slots";
import { postgresSettings } from "../../src/config";

let slot: SlotOf;
let running: ProxiedServer;
beforeAll(async () => {
  slot = await loadSlotOf();
  // Short pool bounds, so the mutations' UNAVAILABLE comes soon (what the defaults cost is measured, not tested).
  running = await proxiedServer({ config: { postgres: { ...postgresSettings(), connectTimeoutMs: 1_000, statementTimeoutMs: 1_000, queryTimeoutMs: 2_000 } } });
});
afterAll(() => running.close());

it("answers warm and new actors, answers mutations UNAVAILABLE, keeps serving, and stores the queued assignments when the database answers again", async () => {
  const { server, proxy, database } = running;
  const { services, expected, given, main, side } = await twoServices(server, slot);
  const warm = Array.from({ length: 10 }, (_, i) => `hwarm${i}`);
  const fresh = Array.from({ length: 30 }, (_, i) => `hnew${i}`);
  const checkAll = async (list: string[]) => {
    const answers = await Promise.all(list.map((actor) => decideFor(server, services, actor)));
    answers.forEach(({ errors, decision }, i) => {
      expect(errors).toBeUndefined();
      const want = expected(list[i]!);
      expect(decision?.results.map(shapeOf)).toEqual([want.web, want.other]);
    });
  };
  await checkAll(warm);

  await proxy.setMode("hang");

  // All at once: those that ask the database wait for the deadline together, the circuit opens, the rest ask nothing.
  await checkAll([...fresh.slice(0, 20), ...warm]);
  await checkAll(fresh.slice(20));
  expect(errorCode(await server.gql(CREATE, { input: { key: uniqueKey("hung"), variants: FIFTY_FIFTY } }))).toBe("UNAVAILABLE");
  // Still serving after the pool gave up on its connections.
  await checkAll([...fresh.slice(0, 5), ...warm.slice(0, 5)]);

  await proxy.setMode("pass");
  const want = given(fresh);
  expect(await lostOf(database, [main.key, side.key], want)).toEqual({ lost: 0, of: want.size });
  ok(await server.gql(CREATE, { input: { key: uniqueKey("back"), variants: FIFTY_FIFTY } }));
});
