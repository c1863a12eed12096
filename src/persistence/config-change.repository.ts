// Change events (SPEC §10): written with each configuration change, NOTIFY sent in the same
// transaction, read in version order by followers and subscribers.

import { type EntityManager, MoreThan } from "typeorm";
import { ConfigChangeEntity } from "./entities";

/** The channel every instance LISTENs on; the payload is `{"version":N}`. */
export const CONFIG_CHANNEL = "tessera_config";

export type ChangeKind = "experiment" | "layer" | "flag" | "api_key" | "import";

export interface ConfigChangeEvent {
  readonly version: number;
  readonly kind: ChangeKind;
  readonly keys: readonly string[];
  readonly services: readonly string[];
  /** Layers whose deciding rows changed: what a follower recompiles. */
  readonly layers: readonly string[];
  readonly mutation: string;
  readonly actor: string | null;
  /** The name of the API key the change was made with; null with AUTH=off. */
  readonly apiKey: string | null;
  readonly at: Date;
}

/** What a change touches: the services and layers of its subject, read before and after the change. */
export interface ChangeTouch {
  readonly services: readonly string[];
  readonly layers: readonly string[];
}

const toEvent = (row: ConfigChangeEntity): ConfigChangeEvent => ({
  version: row.version,
  kind: row.kind as ChangeKind,
  keys: row.keys,
  services: row.services,
  layers: row.layers,
  mutation: row.mutation,
  actor: row.actor,
  apiKey: row.apiKey,
  at: row.at,
});

export class ConfigChangeRepository {
  constructor(private readonly em: EntityManager) {}

  /** The services and layer of an experiment: its own services and its layer's (decide serves the layer's). */
  async touchOfExperiment(key: string): Promise<ChangeTouch> {
    const rows: Array<{ services: string[]; layer: string; layer_services: string[] }> = await this.em.query(
      `SELECT e.services, e.layer_key AS layer, l.services AS layer_services
         FROM experiments e JOIN layers l ON l.key = e.layer_key WHERE e.key = $1`,
      [key],
    );
    const row = rows[0];
    return row ? { services: [...row.services, ...row.layer_services], layers: [row.layer] } : { services: [], layers: [] };
  }

  async touchOfLayer(key: string): Promise<ChangeTouch> {
    const rows: Array<{ services: string[] }> = await this.em.query(`SELECT services FROM layers WHERE key = $1`, [key]);
    return rows[0] ? { services: rows[0].services, layers: [key] } : { services: [], layers: [key] };
  }

  /** A flag touches its own services and no layer (flags are not compiled into layers). */
  async touchOfFlag(key: string): Promise<ChangeTouch> {
    const rows: Array<{ services: string[] }> = await this.em.query(`SELECT services FROM flags WHERE key = $1`, [key]);
    return { services: rows[0]?.services ?? [], layers: [] };
  }

  /** Stores the event and queues its notification, delivered by PostgreSQL when the transaction commits. */
  async append(event: Omit<ConfigChangeEvent, "at">): Promise<void> {
    await this.em.query(
      `INSERT INTO config_changes (version, kind, keys, services, layers, mutation, actor, api_key, at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, clock_timestamp())`,
      [event.version, event.kind, event.keys, event.services, event.layers, event.mutation, event.actor, event.apiKey],
    );
    await this.em.query(`SELECT pg_notify($1, $2)`, [CONFIG_CHANNEL, JSON.stringify({ version: event.version })]);
  }

  /** Events after `version`, oldest first; at most `limit` when given. */
  async after(version: number, limit?: number): Promise<ConfigChangeEvent[]> {
    const rows = await this.em.find(ConfigChangeEntity, {
      where: { version: MoreThan(version) },
      order: { version: "ASC" },
      ...(limit !== undefined ? { take: limit } : {}),
    });
    return rows.map(toEvent);
  }
}
