// Table `experiments`: one row per experiment; slot ownership and ranges as jsonb.

import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, OneToMany, PrimaryColumn, UpdateDateColumn , type Relation } from "typeorm";
import { EXPERIMENT_STATES, type ExperimentState, type JsonObject, type Segment, type SlotRange } from "../../engine/types";
import { LayerEntity } from "./layer.entity";
import { VariantEntity } from "./variant.entity";

@Entity({ name: "experiments" })
@Index("idx_experiments_layer", ["layerKey"])
@Index("idx_experiments_exclusion_group", ["exclusionGroup"])
export class ExperimentEntity {
  @PrimaryColumn({ primaryKeyConstraintName: "pk_experiments", type: "text" })
  key!: string;

  @Column({ name: "layer_key", type: "text" })
  layerKey!: string;

  @ManyToOne(() => LayerEntity, { onDelete: "RESTRICT" })
  @JoinColumn({ name: "layer_key", foreignKeyConstraintName: "fk_experiments_layer" })
  layer?: Relation<LayerEntity>;

  @Column({ type: "text", nullable: true })
  description!: string | null;

  @Column({ type: "text", array: true, default: () => "'{}'" })
  services!: string[];

  @Column({ type: "enum", enum: EXPERIMENT_STATES, enumName: "experiment_state", default: "DRAFT" })
  state!: ExperimentState;

  @Column({ type: "text", nullable: true })
  winner!: string | null;

  @Column({ name: "exclusion_group", type: "text", nullable: true })
  exclusionGroup!: string | null;

  @Column({ type: "jsonb", nullable: true })
  rule!: JsonObject | null;

  /** Owned slots of the layer, sorted and disjoint. */
  @Column({ type: "jsonb", default: () => "'[]'" })
  slots!: Segment[];

  /** Which vid serves which owned slot. */
  @Column({ type: "jsonb", default: () => "'[]'" })
  ranges!: SlotRange[];

  @Column({ type: "integer", default: 1 })
  version!: number;

  @OneToMany(() => VariantEntity, (v) => v.experiment)
  variants?: Relation<VariantEntity[]>;

  @CreateDateColumn({ name: "created_at", type: "timestamptz" })
  createdAt!: Date;

  @UpdateDateColumn({ name: "updated_at", type: "timestamptz" })
  updatedAt!: Date;
}
