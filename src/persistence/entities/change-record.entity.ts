// Table `change_records`: the history of every experiment and layer mutation.

import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from "typeorm";

@Entity({ name: "change_records" })
@Index("idx_change_records_subject", ["subjectKey", "id"])
export class ChangeRecordEntity {
  @PrimaryGeneratedColumn("identity", { type: "integer", generatedIdentity: "ALWAYS", primaryKeyConstraintName: "pk_change_records" })
  id!: number;

  /** Experiment or layer key (they share one namespace). */
  @Column({ name: "subject_key", type: "text" })
  subjectKey!: string;

  @Column({ type: "text" })
  mutation!: string;

  /** Who made the change, as the caller named itself; null when unknown. */
  @Column({ type: "text", nullable: true })
  actor!: string | null;

  /** The name of the API key the change was made with; null with AUTH=off. */
  @Column({ name: "api_key", type: "text", nullable: true })
  apiKey!: string | null;

  @Column({ name: "config_version", type: "integer" })
  configVersion!: number;

  @CreateDateColumn({ type: "timestamptz" })
  at!: Date;
}
