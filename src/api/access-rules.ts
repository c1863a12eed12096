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

/** `__typename` names the root type; `__schema` and `__type` are introspection, itself off in production. */
export const META_FIELDS: ReadonlySet<string> = new Set(["__typename", "__schema", "__type"]);

/** Root fields that decide for services the caller names (or for flags, by their services): an SDK key limited to services may name only those. */
export const SERVICE_SCOPED_FIELDS: ReadonlySet<string> = new Set(["decide", "decideBatch", "assign", "configChanged", "decideFlags"]);
