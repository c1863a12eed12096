// Table `config_version`: one row whose counter every configuration change increases.

import { Check, Column, Entity, PrimaryColumn } from "typeorm";

@Entity({ name: "config_version" })
@Check("ck_config_version_single_row", `"id" = 1`)
export class ConfigVersionEntity {
  @PrimaryColumn({ primaryKeyConstraintName: "pk_config_version", type: "integer", default: 1 })
  id!: number;

  @Column({ type: "integer", default: 0 })
  version!: number;
}
