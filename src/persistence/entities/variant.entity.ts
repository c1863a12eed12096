// Table `variants`: vid is unique across the server, key unique within an experiment.

import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, Unique , type Relation } from "typeorm";
import type { JsonObject } from "../../engine/types";
import { ExperimentEntity } from "./experiment.entity";

@Entity({ name: "variants" })
@Unique("uq_variants_experiment_key", ["experimentKey", "key"])
export class VariantEntity {
  @PrimaryColumn({ primaryKeyConstraintName: "pk_variants", type: "integer" })
  vid!: number;

  @Column({ name: "experiment_key", type: "text" })
  experimentKey!: string;

  @ManyToOne(() => ExperimentEntity, (e) => e.variants, { onDelete: "CASCADE" })
  @JoinColumn({ name: "experiment_key", foreignKeyConstraintName: "fk_variants_experiment" })
  experiment?: Relation<ExperimentEntity>;

  @Column({ type: "text" })
  key!: string;

  @Column({ type: "integer" })
  weight!: number;

  @Column({ type: "jsonb", default: () => "'{}'" })
  params!: JsonObject;

  /** Order of the variant in its experiment: the contiguous split follows it. */
  @Column({ type: "integer" })
  position!: number;
}
