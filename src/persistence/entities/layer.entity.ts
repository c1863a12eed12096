// Table `layers`: explicit layers and the implicit layer of each stand-alone experiment.

import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from "typeorm";
import type { JsonObject } from "../../engine/types";

@Entity({ name: "layers" })
export class LayerEntity {
  @PrimaryColumn({ primaryKeyConstraintName: "pk_layers", type: "text" })
  key!: string;

  @Column({ type: "text", nullable: true })
  description!: string | null;

  @Column({ type: "integer", default: 0 })
  priority!: number;

  @Column({ type: "text", array: true, default: () => "'{}'" })
  services!: string[];

  @Column({ name: "hash_key", type: "text", default: "user_id" })
  hashKey!: string;

  @Column({ type: "text" })
  salt!: string;

  @Column({ name: "hash_version", type: "integer", default: 1 })
  hashVersion!: number;

  @Column({ type: "boolean", default: true })
  enabled!: boolean;

  @Column({ name: "default_params", type: "jsonb", default: () => "'{}'" })
  defaultParams!: JsonObject;

  @Column({ type: "boolean", default: false })
  implicit!: boolean;

  @CreateDateColumn({ name: "created_at", type: "timestamptz" })
  createdAt!: Date;

  @UpdateDateColumn({ name: "updated_at", type: "timestamptz" })
  updatedAt!: Date;
}
