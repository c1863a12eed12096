// Reads the deciding configuration (layers, active experiments, overrides, version) for a snapshot: whole, or the layers a change touched.

import type { EntityManager } from "typeorm";
import type { ConfigState, OverrideRow } from "../engine/snapshot";
import type { ConfigDelta } from "../engine/snapshot-delta";
import { ChangeLogRepository } from "./change-log.repository";
import { ExperimentRepository } from "./experiment.repository";
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
    return { version, layers, experiments, overrides };
  }

  /**
   * What `applyDelta` needs for the layers a change named: their deciding rows, their RUNNING and
   * CONCLUDED experiments and those experiments' overrides, in four queries whatever the number of
   * layers. Call inside one REPEATABLE READ transaction, as `load`.
   */
  async loadDelta(layerKeys: readonly string[]): Promise<ConfigDelta> {
    const keys = [...new Set(layerKeys)];
    const version = await new ChangeLogRepository(this.em).currentVersion();
    if (keys.length === 0) return { version, layerKeys: keys, layers: [], experiments: [], overrides: [] };
    const layers = await new LayerRepository(this.em).listDeciding(keys);
    const experiments = await new ExperimentRepository(this.em).list({ layers: keys, states: ["RUNNING", "CONCLUDED"] });
    const overrides: OverrideRow[] = await this.em.query(`${OVERRIDES_OF_ACTIVE} AND e.layer_key = ANY($1)`, [keys]);
    return { version, layerKeys: keys, layers, experiments, overrides };
  }
}
