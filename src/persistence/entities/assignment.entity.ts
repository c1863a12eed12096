// Table `assignments`: the variant an actor was first given; never changes afterwards.

import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn , type Relation } from "typeorm";
import { ExperimentEntity } from "./experiment.entity";

@Entity({ name: "assignments" })
@Index("idx_assignments_actor", ["actor"])
export class AssignmentEntity {
  @PrimaryColumn({ primaryKeyConstraintName: "pk_assignments", name: "experiment_key", type: "text" })
  experimentKey!: string;

  @PrimaryColumn({ primaryKeyConstraintName: "pk_assignments", type: "text" })
  actor!: string;

  @ManyToOne(() => ExperimentEntity, { onDelete: "CASCADE" })
  @JoinColumn({ name: "experiment_key", foreignKeyConstraintName: "fk_assignments_experiment" })
  experiment?: Relation<ExperimentEntity>;

  @Column({ name: "variant_key", type: "text" })
  variantKey!: string;

  @Column({ type: "integer" })
  vid!: number;

  @CreateDateColumn({ name: "assigned_at", type: "timestamptz" })
  assignedAt!: Date;
}
