// Table `exposures`: an actor was served a variant (append-only, written in batches).

import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from "typeorm";

@Entity({ name: "exposures" })
@Index("idx_exposures_experiment", ["experimentKey", "variantKey"])
export class ExposureEntity {
  @PrimaryGeneratedColumn("identity", { type: "bigint", generatedIdentity: "ALWAYS", primaryKeyConstraintName: "pk_exposures" })
  id!: string;

  @Column({ name: "experiment_key", type: "text" })
  experimentKey!: string;

  @Column({ name: "variant_key", type: "text" })
  variantKey!: string;

  @Column({ type: "integer" })
  vid!: number;

  @Column({ type: "text" })
  actor!: string;

  @Column({ name: "request_id", type: "text", nullable: true })
  requestId!: string | null;

  @Column({ name: "is_override", type: "boolean", default: false })
  isOverride!: boolean;

  @CreateDateColumn({ name: "created_at", type: "timestamptz" })
  createdAt!: Date;
}
