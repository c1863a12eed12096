// Table `forced_decisions` (SPEC §16): a pinned variation for one actor at one rule of one flag.

import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from "typeorm";
import { FlagEntity } from "./flag.entity";

@Entity({ name: "forced_decisions" })
export class ForcedDecisionEntity {
  @PrimaryColumn({ primaryKeyConstraintName: "pk_forced_decisions", name: "flag_key", type: "text" })
  flagKey!: string;

  @PrimaryColumn({ primaryKeyConstraintName: "pk_forced_decisions", name: "rule_key", type: "text" })
  ruleKey!: string;

  @PrimaryColumn({ primaryKeyConstraintName: "pk_forced_decisions", type: "text" })
  actor!: string;

  @ManyToOne(() => FlagEntity, { onDelete: "CASCADE" })
  @JoinColumn({ name: "flag_key", foreignKeyConstraintName: "fk_forced_decisions_flag" })
  flag?: Relation<FlagEntity>;

  @Column({ type: "text" })
  variation!: string;
}
