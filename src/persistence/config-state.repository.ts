// Reads the whole deciding configuration (layers, active experiments, overrides, version) for a snapshot.

import type { EntityManager } from "typeorm";
import type { ConfigState, OverrideRow } from "../engine/snapshot";
import { ChangeLogRepository } from "./change-log.repository";
import { ExperimentRepository } from "./experiment.repository";
import { LayerRepository } from "./layer.repository";

export class ConfigStateRepository {
  constructor(private readonly em: EntityManager) {}

  /** Call inside one REPEATABLE READ transaction so the parts agree with the version. */
  async load(): Promise<ConfigState> {
    const version = await new ChangeLogRepository(this.em).currentVersion();
    const layers = await new LayerRepository(this.em).listDeciding();
    const experiments = await new ExperimentRepository(this.em).list({ states: ["RUNNING", "CONCLUDED"] });
    const overrides: OverrideRow[] = await this.em.query(
      `SELECT o.experiment_key AS experiment, o.actor, o.variant_key AS variant
         FROM overrides o JOIN experiments e ON e.key = o.experiment_key
        WHERE e.state IN ('RUNNING', 'CONCLUDED')`,
    );
    return { version, layers, experiments, overrides };
  }
}
