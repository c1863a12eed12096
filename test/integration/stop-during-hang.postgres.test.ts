// A stop while PostgreSQL hangs (a proxy that stalls every connection) still ends, exit 0, and says
// what it could not write: a hung database must not hold a process that was told to stop.

import { DECIDE } from "../helpers/decide-factories";
import { FIFTY_FIFTY } from "../helpers/factories";
import { startServerProcess } from "../helpers/server-process";
import { startTcpProxy } from "../helpers/tcp-proxy";
import { createTestDatabase } from "../helpers/test-database";

it("exits 0 within the stop's bounds, counting the exposures the hung database did not take", async () => {
  const database = await createTestDatabase();
  const direct = new URL((database.config as { url: string }).url);
  const proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  const server = await startServerProcess({ DATABASE_URL: proxy.urlFor(direct.toString()), EXPOSURE_FLUSH_MS: "60000" });
  try {
    const input = { key: "hung_stop", services: ["web"], variants: FIFTY_FIFTY };
    expect((await server.gql(`mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { key } }`, { input })).errors).toBeUndefined();
    expect((await server.gql(`mutation { startExperiment(key: "hung_stop") { state } }`)).errors).toBeUndefined();
    for (let i = 0; i < 10; i++) {
      const res = await server.gql(DECIDE, { services: ["web"], context: { user_id: `u${i}` } });
      expect(res.errors).toBeUndefined();
    }
    await proxy.setMode("hang");
    server.child.kill("SIGTERM");
    // The default query timeout is 35 s: ending well before it proves the stop bounds its waits.
    const code = await Promise.race([server.exited, new Promise((resolve) => setTimeout(() => resolve("still running"), 20_000))]);
    if (code !== 0) process.stderr.write(server.output());
    expect(code).toBe(0);
    const lost = server
      .output()
      .split("\n")
      .filter((line) => line.includes("exposures the database did not take are lost"))
      .map((line) => JSON.parse(line).lost);
    expect(lost).toEqual([10]);
  } finally {
    if (server.child.exitCode === null) server.child.kill("SIGKILL");
    await proxy.close();
    await database.drop();
  }
});
