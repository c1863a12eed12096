// ConfigurationReads: the configuration queries (experiment(s), layer(s), flag(s)), answered from the
// database, or in file mode from the files' document: what is served is what is shown.

import { type ConfigDocument, EMPTY_DOCUMENT } from "../engine/config-document";
import type { Flag } from "../engine/flag-definition";
import { experimentRowOf, layerRowsOf } from "../engine/config-document-state";
import type { Experiment, ExperimentState, Layer } from "../engine/types";
import type { ConfigDocumentService } from "./config-document.service";
import type { ExperimentService } from "./experiment.service";
import type { FlagService } from "./flag.service";
import { type LayerService, type LayerView, viewOf } from "./layer.service";

export interface ExperimentQuery {
  readonly state?: ExperimentState | null;
  readonly service?: string | null;
}

export interface ConfigurationReads {
  experiment(key: string): Promise<Experiment | null>;
  /** Sorted by key. */
  experiments(query: ExperimentQuery): Promise<Experiment[]>;
  /** Any layer, an experiment's implicit one too. */
  layer(key: string): Promise<LayerView | null>;
  /** Explicit layers, sorted by priority then key. */
  layers(service: string | null): Promise<LayerView[]>;
  flag(key: string): Promise<Flag | null>;
  /** Sorted by key, archived ones too. */
  flags(service: string | null): Promise<Flag[]>;
  /** Everything that decides, as one document (SPEC §15). */
  exportConfig(): Promise<ConfigDocument>;
}

export function databaseReads(experiments: ExperimentService, layers: LayerService, flags: FlagService, documents: ConfigDocumentService): ConfigurationReads {
  return {
    experiment: (key) => experiments.get(key),
    experiments: (query) => experiments.list(query),
    layer: (key) => layers.get(key),
    layers: (service) => layers.list(service),
    flag: (key) => flags.get(key),
    flags: (service) => flags.list(service),
    exportConfig: () => documents.exportDocument(),
  };
}

/** The document as the domain rows the queries answer with; versions and dates are those of the load. */
function rowsOf(doc: ConfigDocument, loadedAt: Date): { experiments: Experiment[]; layers: Layer[]; flags: Flag[] } {
  const experiments = doc.experiments.map((e) => experimentRowOf(e, 1, loadedAt));
  const layers = layerRowsOf(doc, doc.experiments);
  const flags: Flag[] = doc.flags.map(({ forcedDecisions: _, ...f }) => ({ ...f, version: 1, createdAt: loadedAt, updatedAt: loadedAt }));
  return { experiments, layers, flags };
}

/** File mode: the queries read the document the files were last served as (nothing before a first good load). */
export function documentReads(current: () => { readonly document: ConfigDocument; readonly loadedAt: Date } | null): ConfigurationReads {
  let cached: { source: ConfigDocument; rows: ReturnType<typeof rowsOf> } | null = null;
  const rows = () => {
    const served = current();
    if (served === null) return { experiments: [], layers: [], flags: [] };
    if (cached?.source !== served.document) cached = { source: served.document, rows: rowsOf(served.document, served.loadedAt) };
    return cached.rows;
  };
  const view = (layer: Layer) => viewOf(layer, rows().experiments.filter((e) => e.layer === layer.key));
  const servesAll = (service: string | null) => (x: { readonly services: readonly string[] }) => service === null || x.services.includes(service);
  return {
    experiment: async (key) => rows().experiments.find((e) => e.key === key) ?? null,
    experiments: async ({ state, service }) => rows().experiments.filter((e) => (state == null || e.state === state) && servesAll(service ?? null)(e)),
    layer: async (key) => {
      const layer = rows().layers.find((l) => l.key === key);
      return layer ? view(layer) : null;
    },
    layers: async (service) =>
      rows()
        .layers.filter((l) => !l.implicit && servesAll(service)(l))
        .sort((a, b) => a.priority - b.priority || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
        .map(view),
    flag: async (key) => rows().flags.find((f) => f.key === key) ?? null,
    flags: async (service) => rows().flags.filter(servesAll(service)),
    // A sidecar's 001 files as a tessera.config/v1 document: what `npm run config -- apply` takes to a server with a database.
    exportConfig: async () => current()?.document ?? EMPTY_DOCUMENT,
  };
}
