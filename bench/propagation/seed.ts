// A fresh PostgreSQL database holding 1,000 layers × 10 experiments, written in a few bulk INSERTs.

import { Client } from "pg";
import { largeState } from "../engine/config-state";

/** Creates database `name` next to `adminUrl`'s and returns its URL. */
export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

export async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Writes the configuration of `largeState(layers, perLayer)` into a migrated database, as version 1. */
export async function seedLarge(url: string, layers: number, perLayer: number): Promise<{ experiments: string[] }> {
  const state = largeState(layers, perLayer);
  await withClient(url, async (c) => {
    await c.query("BEGIN");
    await c.query(
      `INSERT INTO layers (key, priority, services, hash_key, salt, enabled, default_params, implicit)
       SELECT key, priority, services, hash_key, salt, enabled, default_params, false FROM json_to_recordset($1::json)
         AS l(key text, priority int, services text[], hash_key text, salt text, enabled boolean, default_params jsonb)`,
      [JSON.stringify(state.layers.map((l) => ({ ...l, hash_key: l.hashKey, default_params: l.defaultParams })))],
    );
    await c.query(
      `INSERT INTO experiments (key, layer_key, services, state, rule, slots, ranges)
       SELECT key, layer_key, services, state::experiment_state, rule, slots, ranges FROM json_to_recordset($1::json)
         AS e(key text, layer_key text, services text[], state text, rule jsonb, slots jsonb, ranges jsonb)`,
      [JSON.stringify(state.experiments.map((e) => ({ ...e, layer_key: e.layer })))],
    );
    const variants = state.experiments.flatMap((e) => e.variants.map((v, position) => ({ ...v, experiment_key: e.key, position })));
    await c.query(
      `INSERT INTO variants (vid, experiment_key, key, weight, params, position)
       SELECT vid, experiment_key, key, weight, params, position FROM json_to_recordset($1::json)
         AS v(vid int, experiment_key text, key text, weight int, params jsonb, position int)`,
      [JSON.stringify(variants)],
    );
    await c.query(`UPDATE config_version SET version = 1 WHERE id = 1`);
    await c.query("COMMIT");
  });
  return { experiments: state.experiments.map((e) => e.key) };
}
