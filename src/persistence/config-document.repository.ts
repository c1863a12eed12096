// The configuration as a document (SPEC §15): read whole for export and for planning an import, and an
// import's plan written as the row changes it needs, inside the caller's transaction.

import type { EntityManager } from "typeorm";
import type { ConfigDocument, DocumentExperiment, DocumentFlag } from "../engine/config-document";
import { type StoredConfiguration, documentOf, experimentRowOf, implicitLayerOf, layerRowOf } from "../engine/config-document-state";
import type { Flag } from "../engine/flag-definition";
import { sameJson } from "../engine/json-equal";
import type { OverrideRow } from "../engine/snapshot";
import type { JsonValue } from "../engine/types";
import { AssignmentRepository } from "./assignment.repository";
import { LayerEntity } from "./entities";
import { ExperimentRepository, layerToDomain } from "./experiment.repository";
import { FlagRepository } from "./flag.repository";

/** The stored configuration and its document, with the row versions an update increases. */
export interface StoredDocument {
  readonly document: ConfigDocument;
  readonly experimentVersions: ReadonlyMap<string, number>;
  readonly flagVersions: ReadonlyMap<string, number>;
}

const same = (a: unknown, b: unknown) => sameJson(a as JsonValue, b as JsonValue);


export class ConfigDocumentRepository {
  private readonly experiments: ExperimentRepository;
  private readonly flags: FlagRepository;

  constructor(private readonly em: EntityManager) {
    this.experiments = new ExperimentRepository(em);
    this.flags = new FlagRepository(em);
  }

  /** Call inside one transaction so the parts agree. */
  async read(): Promise<StoredDocument> {
    const layers = (await this.em.find(LayerEntity)).map(layerToDomain);
    const experiments = await this.experiments.list({});
    const overrides: OverrideRow[] = await this.em.query(`SELECT experiment_key AS experiment, actor, variant_key AS variant FROM overrides`);
    const flags = await this.flags.list(null);
    const forced = await this.flags.listForced();
    const stored: StoredConfiguration = { layers, experiments, overrides, flags, forced };
    return {
      document: documentOf(stored),
      experimentVersions: new Map(experiments.map((e) => [e.key, e.version])),
      flagVersions: new Map(flags.map((f) => [f.key, f.version])),
    };
  }

  /** Writes what differs between `before` (as `read` gave it) and `next`; returns the keys written. */
  async write(before: StoredDocument, next: ConfigDocument): Promise<string[]> {
    const written: string[] = [];
    const layers = new Map(before.document.layers.map((l) => [l.key, l]));
    for (const layer of next.layers) {
      const prior = layers.get(layer.key);
      if (prior && same(prior, layer)) continue;
      if (prior) await this.experiments.updateLayer(layerRowOf(layer));
      else await this.experiments.insertLayer(layerRowOf(layer));
      written.push(layer.key);
    }
    const experiments = new Map(before.document.experiments.map((e) => [e.key, e]));
    for (const experiment of next.experiments) {
      const prior = experiments.get(experiment.key);
      if (prior && same(prior, experiment)) continue;
      await this.writeExperiment(prior ?? null, experiment, (before.experimentVersions.get(experiment.key) ?? 0) + 1);
      written.push(experiment.key);
    }
    const flags = new Map(before.document.flags.map((f) => [f.key, f]));
    for (const flag of next.flags) {
      const prior = flags.get(flag.key);
      if (prior && same(prior, flag)) continue;
      await this.writeFlag(prior ?? null, flag, (before.flagVersions.get(flag.key) ?? 0) + 1);
      written.push(flag.key);
    }
    return written.sort();
  }

  private async writeExperiment(prior: DocumentExperiment | null, e: DocumentExperiment, version: number): Promise<void> {
    const row = experimentRowOf(e, version, new Date());
    if (prior === null) {
      if (e.layer === null) await this.experiments.insertLayer(implicitLayerOf(e));
      await this.experiments.insertExperiment(row);
    } else {
      await this.experiments.updateExperiment(row);
      if (!same(prior.variants, e.variants)) await this.experiments.replaceVariants(e.key, e.variants);
      if (e.layer === null && !same(prior.services, e.services)) await this.experiments.updateLayer(implicitLayerOf(e));
    }
    if (prior !== null && same(prior.overrides, e.overrides)) return;
    await this.em.query(`DELETE FROM overrides WHERE experiment_key = $1`, [e.key]);
    const overrides = new AssignmentRepository(this.em);
    for (const o of e.overrides) await overrides.upsertOverride(e.key, o.actor, o.variant);
  }

  private async writeFlag(prior: DocumentFlag | null, f: DocumentFlag, version: number): Promise<void> {
    const now = new Date();
    const row: Flag = { ...f, version, createdAt: now, updatedAt: now };
    if (prior === null) await this.flags.insert(row);
    else await this.flags.update(row);
    if (prior !== null && same(prior.forcedDecisions, f.forcedDecisions)) return;
    await this.flags.deleteForcedOfRules(f.key, [...new Set([...(prior?.forcedDecisions ?? []), ...f.forcedDecisions].map((d) => d.rule))]);
    for (const d of f.forcedDecisions) await this.flags.upsertForced({ flag: f.key, ...d });
  }
}
