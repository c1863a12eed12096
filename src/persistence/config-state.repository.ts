// Reads the deciding configuration (layers, active experiments, overrides, version) for a snapshot: whole, or the layers a change touched.

import type { EntityManager } from "typeorm";
import type { ConfigState, OverrideRow } from "../engine/snapshot";
import type { ConfigDelta } from "../engine/snapshot-delta";
import type { Flag } from "../engine/flag-definition";
import type { FlagDefinition } from "../engine/flag-types";

/** What a snapshot compiles of a flag: no description, version or dates (the cache file keeps no more). */
export const flagDefinitionOf = (f: Flag): FlagDefinition => ({
  key: f.key,
  services: f.services,
  enabled: f.enabled,
  archived: f.archived,
  hashKey: f.hashKey,
  variables: f.variables,
  rules: f.rules,
});
import { ChangeLogRepository } from "./change-log.repository";
import { ExperimentRepository } from "./experiment.repository";
import { FlagRepository } from "./flag.repository";
import { LayerRepository } from "./layer.repository";

const OVERRIDES_OF_ACTIVE = `SELECT o.experiment_key AS experiment, o.actor, o.variant_key AS variant
  FROM overrides o JOIN experiments e ON e.key = o.experiment_key
  WHERE e.state IN ('RUNNING', 'CONCLUDED')`;

export class ConfigStateRepository {
  constructor(private readonly em: EntityManager) {}

  /** Call inside one REPEATABLE READ transaction so the parts agree with the version. */
  async load(): Promise<ConfigState> {
    const version = await new ChangeLogRepository(this.em).currentVersion();
    const layers = await new LayerRepository(this.em).listDeciding();
    const experiments = await new ExperimentRepository(this.em).list({ states: ["RUNNING", "CONCLUDED"] });
    const overrides: OverrideRow[] = await this.em.query(OVERRIDES_OF_ACTIVE);
    const flagRepository = new FlagRepository(this.em);
    const flags = (await flagRepository.list(null)).map(flagDefinitionOf);
    const forced = await flagRepository.listForced();
    return { version, layers, experiments, overrides, flags, forced };
  }

  /**
   * What `applyDelta` needs for the layers and flags a change named: the layers' deciding rows, their
   * RUNNING and CONCLUDED experiments and those experiments' overrides, the flags' rows and forced
   * decisions, in a fixed number of queries whatever the number of keys. Call inside one REPEATABLE READ transaction, as `load`.
   */
  async loadDelta(layerKeys: readonly string[], flagKeys: readonly string[] = []): Promise<ConfigDelta> {
    const keys = [...new Set(layerKeys)];
    const flagNames = [...new Set(flagKeys)].sort();
    const version = await new ChangeLogRepository(this.em).currentVersion();
    const flagRepository = new FlagRepository(this.em);
    const flags = flagNames.length === 0 ? [] : (await flagRepository.list(null)).filter((f) => flagNames.includes(f.key)).map(flagDefinitionOf);
    const forced = await flagRepository.listForced(flagNames);
    const flagPart = { flagKeys: flagNames, flags, forced };
    if (keys.length === 0) return { version, layerKeys: keys, layers: [], experiments: [], overrides: [], ...flagPart };
    const layers = await new LayerRepository(this.em).listDeciding(keys);
    const experiments = await new ExperimentRepository(this.em).list({ layers: keys, states: ["RUNNING", "CONCLUDED"] });
    const overrides: OverrideRow[] = await this.em.query(`${OVERRIDES_OF_ACTIVE} AND e.layer_key = ANY($1)`, [keys]);
    return { version, layerKeys: keys, layers, experiments, overrides, ...flagPart };
  }
}
