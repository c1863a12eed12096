// ConfigDocumentService: configuration as code (SPEC §15): export the document, plan an import, apply it
// in one transaction and one configuration version.

import type { EntityManager } from "typeorm";
import type { ConfigDocument, DocumentExperiment } from "../engine/config-document";
import { type ImportPlan, type PlannedChange, planImport } from "../engine/config-plan";
import { DomainError } from "../engine/errors";
import { AssignmentRepository } from "../persistence/assignment.repository";
import { ChangeLogRepository } from "../persistence/change-log.repository";
import { ConfigDocumentRepository } from "../persistence/config-document.repository";
import type { Database } from "../persistence/database";
import type { Caller } from "./caller";
import type { ConfigChanges } from "./config-change";
import { checkConfigDocument } from "./config-document-schema";

export interface ConfigPlanResult {
  readonly applied: boolean;
  readonly configVersion: number;
  readonly slotsMoved: number;
  readonly changes: readonly PlannedChange[];
}

export interface ImportCommand {
  readonly document: unknown;
  readonly dryRun: boolean;
  readonly prune: boolean;
  /** File mode: the files decide (see ImportOptions.filesDecide); never from GraphQL. */
  readonly filesDecide?: boolean;
}

/** The services and layers an experiment touches: its own services, its layer's, and its layer. */
function touchOfExperiment(doc: ConfigDocument, e: DocumentExperiment): { services: string[]; layers: string[] } {
  const layer = e.layer === null ? null : doc.layers.find((l) => l.key === e.layer);
  return { services: [...e.services, ...(layer?.services ?? [])], layers: [e.layer ?? e.key] };
}

/** What the written keys touch, before and after (SPEC §10: a change event names both). */
function touchOf(before: ConfigDocument, after: ConfigDocument, keys: readonly string[]): { services: string[]; layers: string[] } {
  const services = new Set<string>();
  const layers = new Set<string>();
  for (const doc of [before, after]) {
    for (const key of keys) {
      const layer = doc.layers.find((l) => l.key === key);
      if (layer) {
        layer.services.forEach((s) => services.add(s));
        layers.add(key);
      }
      const experiment = doc.experiments.find((e) => e.key === key);
      if (experiment) {
        const touch = touchOfExperiment(doc, experiment);
        touch.services.forEach((s) => services.add(s));
        touch.layers.forEach((l) => layers.add(l));
      }
      doc.flags.find((f) => f.key === key)?.services.forEach((s) => services.add(s));
    }
  }
  return { services: [...services].sort(), layers: [...layers].sort() };
}

export class ConfigDocumentService {
  constructor(
    private readonly db: Database,
    private readonly changes: ConfigChanges,
  ) {}

  exportDocument(): Promise<ConfigDocument> {
    return this.db.consistentRead(async (em) => (await new ConfigDocumentRepository(em).read()).document);
  }

  /**
   * Plans `document` against the stored configuration; unless a dry run, writes it: one version, one
   * change record per object written, one change event of kind `import`. An import that changes
   * nothing commits nothing. Planned inside the write transaction, after its lock: what it was
   * planned against is what it is written over.
   */
  async importDocument(cmd: ImportCommand, caller: Caller): Promise<ConfigPlanResult> {
    const input = checkConfigDocument(cmd.document);
    const plan = async (em: EntityManager) => {
      const stored = await new ConfigDocumentRepository(em).read();
      const planned = planImport(stored.document, input, { prune: cmd.prune, filesDecide: cmd.filesDecide ?? false });
      await this.refuseDroppedAssignments(em, planned);
      return { stored, planned };
    };
    if (cmd.dryRun) {
      return this.db.consistentRead(async (em) => {
        const { planned } = await plan(em);
        return this.resultOf(planned, false, await new ChangeLogRepository(em).currentVersion());
      });
    }
    return this.changes.applyMany("imported", caller, async (em, version) => {
      const { stored, planned } = await plan(em);
      const keys = await new ConfigDocumentRepository(em).write(stored, planned.document);
      const touched = touchOf(stored.document, planned.document, keys);
      return { value: this.resultOf(planned, true, keys.length === 0 ? version - 1 : version), keys, ...touched };
    });
  }

  /** As `setWeights`: a variant that actors are assigned to is never removed. */
  private async refuseDroppedAssignments(em: EntityManager, plan: ImportPlan): Promise<void> {
    const assignments = new AssignmentRepository(em);
    for (const removed of plan.removedVariants) {
      const [blocking] = await assignments.countForVariants(removed.experiment, removed.variants);
      if (blocking) {
        const [variant, count] = blocking;
        throw new DomainError("CONFLICT", `cannot delete variant "${variant}" of "${removed.experiment}": ${count} actor(s) are assigned to it`, {
          field: removed.field,
          variant,
        });
      }
    }
  }

  private resultOf(plan: ImportPlan, applied: boolean, configVersion: number): ConfigPlanResult {
    return { applied, configVersion, slotsMoved: plan.slotsMoved, changes: plan.changes };
  }
}

