// Who may use each root field (SPEC §13): one rule per field of Query, Mutation and Subscription.
// A field without a rule is refused to everyone (and a test walks the schema for such fields).

import type { Role } from "../services/access-key";

type Rule = ReadonlySet<Role>;

const EVERY_KEY: Rule = new Set(["ADMIN", "DEVELOPER", "VIEWER", "SDK"]);
/** Configuration, history and results: people and tooling, not SDKs. */
const READERS: Rule = new Set(["ADMIN", "DEVELOPER", "VIEWER"]);
const CONFIGURERS: Rule = new Set(["ADMIN", "DEVELOPER"]);
/** Decisions that store a first-wins assignment: what SDKs do, and developers testing them. */
const DECIDERS_THAT_WRITE: Rule = new Set(["ADMIN", "DEVELOPER", "SDK"]);
const ADMINS: Rule = new Set(["ADMIN"]);

export const ACCESS_RULES: Readonly<Record<"Query" | "Mutation" | "Subscription", Readonly<Record<string, Rule>>>> = {
  Query: {
    // POST /experiment is judged as decide (experiment-endpoint.ts): this rule is its rule too.
    decide: EVERY_KEY,
    decideBatch: EVERY_KEY,
    decideFlags: EVERY_KEY,
    configVersion: EVERY_KEY,
    me: EVERY_KEY,
    experiment: READERS,
    experiments: READERS,
    layer: READERS,
    layers: READERS,
    history: READERS,
    assignment: READERS,
    exposureCounts: READERS,
    exposures: READERS,
    configChanges: READERS,
    apiKeys: ADMINS,
    flag: READERS,
    flags: READERS,
    exportConfig: READERS,
  },
  Mutation: {
    assign: DECIDERS_THAT_WRITE,
    createExperiment: CONFIGURERS,
    updateExperiment: CONFIGURERS,
    startExperiment: CONFIGURERS,
    concludeExperiment: CONFIGURERS,
    archiveExperiment: CONFIGURERS,
    setWeights: CONFIGURERS,
    setTraffic: CONFIGURERS,
    setOverride: CONFIGURERS,
    clearOverride: CONFIGURERS,
    createLayer: CONFIGURERS,
    updateLayer: CONFIGURERS,
    setLayerRanges: CONFIGURERS,
    createApiKey: ADMINS,
    revokeApiKey: ADMINS,
    createFlag: CONFIGURERS,
    updateFlag: CONFIGURERS,
    setFlagRules: CONFIGURERS,
    setFlagEnabled: CONFIGURERS,
    archiveFlag: CONFIGURERS,
    setForcedDecision: CONFIGURERS,
    clearForcedDecision: CONFIGURERS,
    importConfig: CONFIGURERS,
  },
  Subscription: {
    configChanged: EVERY_KEY,
  },
};

/**
 * Mutations that change the configuration: those DEVELOPER may use beyond VIEWER, `assign` aside (SPEC §13's
 * "every configuration mutation"). Refused in file mode, where the files are the configuration; a
 * configuration mutation added later with the same rule is refused there too. API keys are not
 * configuration: ADMINs still manage them in file mode when there is a database.
 */
export const CONFIGURATION_MUTATIONS: ReadonlySet<string> = new Set(Object.entries(ACCESS_RULES.Mutation).filter(([, rule]) => rule === CONFIGURERS).map(([name]) => name));

/**
 * Root fields that read or write stored rows (history, assignments, exposures, change events, keys): refused with STORAGE=none, where there is no database. What decides
 * (`decide`, `decideBatch`, `decideFlags`, `configVersion`, `me`) and the configuration queries (answered
 * from the files) work without one.
 */
export const DATABASE_FIELDS: ReadonlySet<string> = new Set([
  "history", "assignment", "exposureCounts", "exposures",
  "configChanges", "apiKeys", "assign", "createApiKey", "revokeApiKey", "configChanged",
]);

export interface ServingMode {
  /** The configuration comes from files (SPEC §15): read-only. */
  readonly fileMode: boolean;
  /** STORAGE=none. */
  readonly withoutDatabase: boolean;
}

/** The root fields this server refuses to everyone in its mode, each with the reason it says. */
export function refusedInMode(mode: ServingMode): ReadonlyMap<string, string> {
  const refused = new Map<string, string>();
  if (mode.fileMode) {
    for (const name of CONFIGURATION_MUTATIONS) refused.set(name, `${name} is refused: the configuration comes from files (file mode) and is read-only here; change the files`);
  }
  if (mode.withoutDatabase) {
    for (const name of DATABASE_FIELDS) refused.set(name, `${name} needs a database, and this server runs without one (STORAGE=none)`);
  }
  return refused;
}

/** `__typename` names the root type; `__schema` and `__type` are introspection, itself off in production. */
export const META_FIELDS: ReadonlySet<string> = new Set(["__typename", "__schema", "__type"]);

/** Root fields that decide for services the caller names (or for flags, by their services): an SDK key limited to services may name only those. */
export const SERVICE_SCOPED_FIELDS: ReadonlySet<string> = new Set(["decide", "decideBatch", "assign", "configChanged", "decideFlags"]);
