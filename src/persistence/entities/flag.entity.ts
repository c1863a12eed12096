// Table `flags` (SPEC §16): one row per feature flag; its ordered rules as one jsonb array.

import { Check, Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from "typeorm";
import type { FlagRule } from "../../engine/flag-definition";
import type { JsonObject } from "../../engine/types";

@Entity({ name: "flags" })
@Check("ck_flags_variables", `jsonb_typeof("variables") = 'object'`)
@Check("ck_flags_rules", `jsonb_typeof("rules") = 'array'`)
@Check("ck_flags_version", `"version" > 0`)
export class FlagEntity {
  @PrimaryColumn({ primaryKeyConstraintName: "pk_flags", type: "text" })
  key!: string;

  @Column({ type: "text", nullable: true })
  description!: string | null;

  @Column({ type: "text", array: true, default: () => "'{}'" })
  services!: string[];

  @Column({ type: "boolean", default: true })
  enabled!: boolean;

  @Column({ name: "hash_key", type: "text", default: "user_id" })
  hashKey!: string;

  @Column({ type: "jsonb", default: () => "'{}'" })
  variables!: JsonObject;

  /** In decision order; always read and written whole. */
  @Column({ type: "jsonb", default: () => "'[]'" })
  rules!: FlagRule[];

  @Column({ type: "boolean", default: false })
  archived!: boolean;

  @Column({ type: "integer", default: 1 })
  version!: number;

  @CreateDateColumn({ name: "created_at", type: "timestamptz" })
  createdAt!: Date;

  @UpdateDateColumn({ name: "updated_at", type: "timestamptz" })
  updatedAt!: Date;
}
