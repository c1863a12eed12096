// Table `overrides`: a forced variant for one actor in one experiment.

import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn , type Relation } from "typeorm";
import { ExperimentEntity } from "./experiment.entity";

@Entity({ name: "overrides" })
export class OverrideEntity {
  @PrimaryColumn({ primaryKeyConstraintName: "pk_overrides", name: "experiment_key", type: "text" })
  experimentKey!: string;

  @PrimaryColumn({ primaryKeyConstraintName: "pk_overrides", type: "text" })
  actor!: string;

  @ManyToOne(() => ExperimentEntity, { onDelete: "CASCADE" })
  @JoinColumn({ name: "experiment_key", foreignKeyConstraintName: "fk_overrides_experiment" })
  experiment?: Relation<ExperimentEntity>;

  @Column({ name: "variant_key", type: "text" })
  variantKey!: string;

  @CreateDateColumn({ name: "created_at", type: "timestamptz" })
  createdAt!: Date;
}
