// Table `config_changes`: one change event per configuration version (SPEC §10).

import { Column, Entity, PrimaryColumn } from "typeorm";

@Entity({ name: "config_changes" })
export class ConfigChangeEntity {
  @PrimaryColumn({ type: "integer", primaryKeyConstraintName: "pk_config_changes" })
  version!: number;

  /** experiment, layer, flag, api_key or import. */
  @Column({ type: "text" })
  kind!: string;

  @Column({ type: "text", array: true, default: () => "'{}'" })
  keys!: string[];

  /** Services the change touched, before and after. */
  @Column({ type: "text", array: true, default: () => "'{}'" })
  services!: string[];

  /** Layers whose deciding rows changed: what a follower recompiles. */
  @Column({ type: "text", array: true, default: () => "'{}'" })
  layers!: string[];

  @Column({ type: "text" })
  mutation!: string;

  @Column({ type: "text", nullable: true })
  actor!: string | null;

  /** The name of the API key the change was made with; null with AUTH=off. */
  @Column({ name: "api_key", type: "text", nullable: true })
  apiKey!: string | null;

  @Column({ type: "timestamptz", default: () => "now()" })
  at!: Date;
}
