// What a follower reads to catch up, in ONE statement: the version, the change events after its
// own, the deciding rows of the layers they name and the flags (with their forced decisions) they
// name. One statement is one consistent view without a transaction, and one round trip instead of nine (BEGIN, seven reads, COMMIT): on a busy
// instance each round trip waits for its event loop, and propagation pays for every one.

import type { EntityManager } from "typeorm";
import type { ConfigDelta } from "../engine/snapshot-delta";
import type { Experiment } from "../engine/types";
import type { ConfigChangeEvent } from "./config-change.repository";

export interface CatchUpRead {
  readonly version: number;
  /** The events after the follower's version, oldest first. */
  readonly events: readonly ConfigChangeEvent[];
  /** The rows of every layer those events name. */
  readonly delta: ConfigDelta;
}

const JSON_LIST = (expression: string, order = "") => `coalesce(json_agg(${expression}${order ? ` ORDER BY ${order}` : ""}), '[]'::json)`;

// Objects are built with the domain's own field names, so the rows need no mapping but dates.
const CATCH_UP = `
WITH ev AS (SELECT * FROM config_changes WHERE version > $1),
     lk AS (SELECT DISTINCT unnest(layers) AS key FROM ev),
     ex AS (SELECT * FROM experiments WHERE layer_key IN (SELECT key FROM lk) AND state IN ('RUNNING', 'CONCLUDED')),
     fk AS (SELECT DISTINCT unnest(keys) AS key FROM ev WHERE kind IN ('flag', 'import'))
SELECT
  (SELECT version FROM config_version WHERE id = 1) AS version,
  (SELECT ${JSON_LIST(`json_build_object('version', version, 'kind', kind, 'keys', keys, 'services', services, 'layers', layers,
     'mutation', mutation, 'actor', actor, 'apiKey', api_key, 'at', at)`, "version")} FROM ev) AS events,
  (SELECT ${JSON_LIST("key", "key")} FROM lk) AS layer_keys,
  (SELECT ${JSON_LIST(`json_build_object('key', l.key, 'description', l.description, 'priority', l.priority, 'services', l.services,
     'hashKey', l.hash_key, 'salt', l.salt, 'hashVersion', l.hash_version, 'enabled', l.enabled, 'defaultParams', l.default_params,
     'implicit', l.implicit)`, "l.key")}
     FROM layers l WHERE l.key IN (SELECT key FROM lk) AND (NOT l.implicit OR EXISTS (SELECT 1 FROM ex WHERE ex.layer_key = l.key))) AS layers,
  (SELECT ${JSON_LIST(`json_build_object('key', e.key, 'description', e.description, 'services', e.services, 'layer', e.layer_key,
     'state', e.state, 'winner', e.winner, 'exclusionGroup', e.exclusion_group, 'rule', e.rule, 'slots', e.slots, 'ranges', e.ranges,
     'version', e.version, 'createdAt', e.created_at, 'updatedAt', e.updated_at,
     'variants', (SELECT ${JSON_LIST("json_build_object('key', v.key, 'vid', v.vid, 'weight', v.weight, 'params', v.params)", "v.position")}
                    FROM variants v WHERE v.experiment_key = e.key))`, "e.key")} FROM ex e) AS experiments,
  (SELECT ${JSON_LIST("json_build_object('experiment', o.experiment_key, 'actor', o.actor, 'variant', o.variant_key)", "o.experiment_key, o.actor")}
     FROM overrides o JOIN ex ON ex.key = o.experiment_key) AS overrides,
  (SELECT ${JSON_LIST("key", "key")} FROM fk) AS flag_keys,
  (SELECT ${JSON_LIST(`json_build_object('key', f.key, 'services', f.services, 'enabled', f.enabled, 'archived', f.archived,
     'hashKey', f.hash_key, 'variables', f.variables, 'rules', f.rules)`, "f.key")} FROM flags f WHERE f.key IN (SELECT key FROM fk)) AS flags,
  (SELECT ${JSON_LIST("json_build_object('flag', d.flag_key, 'rule', d.rule_key, 'actor', d.actor, 'variation', d.variation)", "d.flag_key, d.rule_key, d.actor")}
     FROM forced_decisions d WHERE d.flag_key IN (SELECT key FROM fk)) AS forced`;

interface CatchUpRow {
  version: number;
  events: Array<Omit<ConfigChangeEvent, "at"> & { at: string }>;
  layer_keys: string[];
  layers: ConfigDelta["layers"];
  experiments: Array<Omit<Experiment, "createdAt" | "updatedAt"> & { createdAt: string; updatedAt: string }>;
  overrides: ConfigDelta["overrides"];
  flag_keys: string[];
  flags: NonNullable<ConfigDelta["flags"]>;
  forced: NonNullable<ConfigDelta["forced"]>;
}

export class CatchUpRepository {
  constructor(private readonly em: EntityManager) {}

  async readSince(from: number): Promise<CatchUpRead> {
    const rows: CatchUpRow[] = await this.em.query(CATCH_UP, [from]);
    const row = rows[0]!;
    const version = Number(row.version);
    return {
      version,
      events: row.events.map((e) => ({ ...e, at: new Date(e.at) })),
      delta: {
        version,
        layerKeys: row.layer_keys,
        layers: row.layers,
        experiments: row.experiments.map((e) => ({ ...e, createdAt: new Date(e.createdAt), updatedAt: new Date(e.updatedAt) })),
        overrides: row.overrides,
        flagKeys: row.flag_keys,
        flags: row.flags,
        forced: row.forced,
      },
    };
  }
}
