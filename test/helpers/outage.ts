// Outage tests: a server that reaches its PostgreSQL database through a TCP proxy, a configuration whose answers are computed from slots, the rows as stored.

import { Writable } from "node:stream";
import pino from "pino";
import type { AppConfig } from "../../src/config";
import type { Logger } from "../../src/logger";
import { type Decision, type ServiceDecision, decideRaw, started } from "./decide-factories";
import { uniqueKey } from "./factories";
import { createLayer } from "./layer-factories";
import type { SlotOf } from "./slots";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy";
import { createTestDatabase, type TestDatabase, withPg } from "./test-database";
import { startTestServer, type TestServer } from "./test-server";

export interface ProxiedServer {
  readonly server: TestServer;
  readonly proxy: TcpProxy;
  readonly database: TestDatabase;
  /** Lets the proxy pass (so the app can flush), stops the app, the proxy, and drops the database. */
  close(): Promise<void>;
}

/** A server whose every database connection goes through a proxy the test controls; the test itself reaches the database directly. */
export async function proxiedServer(options: { config?: Partial<AppConfig>; logger?: Logger; database?: TestDatabase } = {}): Promise<ProxiedServer> {
  const database = options.database ?? (await createTestDatabase());
  if (database.config.kind !== "postgres") throw new Error("a proxied server needs PostgreSQL");
  const direct = new URL(database.config.url);
  const proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  const server = await startTestServer({ database, databaseUrl: proxy.urlFor(database.config.url), config: options.config, logger: options.logger });
  return {
    server,
    proxy,
    database,
    async close() {
      await proxy.setMode("pass");
      await server.stop();
      await proxy.close();
      if (!options.database) await database.drop();
    },
  };
}

/** A pino logger keeping its JSON lines in memory, for tests that read what the app logged. */
export function collectingLogger(level = "info"): { logger: Logger; lines: () => Array<Record<string, any>> } {
  const lines: Array<Record<string, any>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n")) if (line.trim() !== "") lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level }, sink), lines: () => lines };
}

/** Waits (polling) until `check` returns true; fails naming `what` after `limitMs`. Not a timed assertion: only a bound on waiting. */
export async function waitUntil(what: string, check: () => Promise<boolean> | boolean, limitMs = 30_000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`still waiting for ${what} after ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The stored variant per `experiment/actor` of these experiments, read directly (not through the app). */
export async function storedVariants(database: TestDatabase, experiments: string[]): Promise<Map<string, string>> {
  return withPg(database, async (c) => {
    const res = await c.query<{ experiment_key: string; actor: string; variant_key: string }>(
      `SELECT experiment_key, actor, variant_key FROM assignments WHERE experiment_key = ANY($1)`,
      [experiments],
    );
    return new Map(res.rows.map((r) => [`${r.experiment_key}/${r.actor}`, r.variant_key]));
  });
}

/**
 * Waits until every `experiment/actor` of `want` has a stored row, then counts the rows that are not the
 * variant wanted: `{ lost, of }`.
 */
export async function lostOf(database: TestDatabase, experiments: string[], want: Map<string, string>): Promise<{ lost: number; of: number }> {
  let stored = new Map<string, string>();
  await waitUntil("the queued assignments to be written", async () => {
    stored = await storedVariants(database, experiments);
    return [...want.keys()].every((k) => stored.has(k));
  });
  return { lost: [...want].filter(([k, v]) => stored.get(k) !== v).length, of: want.size };
}

const PARAMS = { control: { button: "green" }, treatment: { button: "red" } };

/**
 * Service `web`: a base layer (defaults only) and a main layer whose experiment holds half the
 * slots, 50/50 (control [0,2500), treatment [2500,5000), defaults above); service `other`: an
 * experiment in an implicit layer, 50/50. `expected(actor)` is computed from the slots alone.
 */
export async function twoServices(server: TestServer, slot: SlotOf) {
  const p = uniqueKey("out");
  const web = `${p}_web`;
  const other = `${p}_other`;
  await createLayer(server, { key: `${p}_base`, services: [web], priority: 0, defaultParams: { theme: "light", size: 1 } });
  await createLayer(server, { key: `${p}_main`, services: [web], priority: 1, defaultParams: { button: "blue" } });
  const main = await started(server, `${p}_exp`, {
    layer: `${p}_main`,
    traffic: 5000,
    variants: [{ key: "control", weight: 50, params: PARAMS.control }, { key: "treatment", weight: 50, params: PARAMS.treatment }],
  });
  const side = await started(server, `${p}_side`, { services: [other] });
  const vid = (exp: { variants: Array<{ key: string; vid: number }> }, variant: string) => exp.variants.find((v) => v.key === variant)!.vid;

  /** What `decide([web, other])` answers `actor`, bar the sources. */
  const expected = (actor: string) => {
    const mainSlot = slot(`${p}_main`, actor);
    const mainVariant = mainSlot < 2500 ? "control" : mainSlot < 5000 ? "treatment" : null;
    const sideSlot = slot(side.key, actor);
    const sideVariant = sideSlot < 5000 ? "control" : "treatment";
    return {
      variants: { [main.key]: mainVariant, [side.key]: sideVariant } as Record<string, string | null>,
      web: {
        service: web,
        parameters: { theme: "light", size: 1, button: mainVariant === null ? "blue" : PARAMS[mainVariant].button },
        experiments: mainVariant === null ? [] : [{ experiment: main.key, variant: mainVariant, vid: vid(main, mainVariant), layer: `${p}_main`, slot: mainSlot }],
      },
      other: {
        service: other,
        parameters: {},
        experiments: [{ experiment: side.key, variant: sideVariant, vid: vid(side, sideVariant), layer: side.key, slot: sideSlot }],
      },
    };
  };
  /** The variant given to each of `actors`, by `experiment/actor`, where it is in an experiment. */
  const given = (actors: string[]) => {
    const out = new Map<string, string>();
    for (const actor of actors) {
      for (const [experiment, variant] of Object.entries(expected(actor).variants)) if (variant !== null) out.set(`${experiment}/${actor}`, variant);
    }
    return out;
  };
  return { web, other, main, side, services: [web, other], expected, given, vid };
}

/** The parts of a service decision `twoServices().expected` speaks of. */
export const shapeOf = (d: ServiceDecision) => ({
  service: d.service,
  parameters: d.parameters,
  experiments: d.experiments.map(({ experiment, variant, vid, layer, slot }) => ({ experiment, variant, vid, layer, slot })),
});

/** decide over HTTP, returning the raw response (errors included) and its decision. */
export async function decideFor(server: TestServer, services: string[], actor: string): Promise<{ errors: unknown; decision: Decision | null }> {
  const res = await decideRaw(server, services, { user_id: actor });
  return { errors: res.errors, decision: (res.data?.decide as Decision | null) ?? null };
}
