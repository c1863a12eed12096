/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type CreateApiKeyInput = {
  expiresAt?: string | null | undefined;
  name: string;
  /** requests per second; omitted → 10,000 for SDK keys, 100 for the others */
  rateLimit?: number | null | undefined;
  role: Role;
  /** SDK keys only: the services it may decide for; omitted → every service */
  services?: Array<string> | null | undefined;
};

export type CreateExperimentInput = {
  description?: string | null | undefined;
  exclusionGroup?: string | null | undefined;
  key: string;
  /** Explicit layer key; omitted → the experiment's own implicit layer. */
  layer?: string | null | undefined;
  /** Targeting rule; omitted → everyone. */
  rule?: unknown;
  services?: Array<string> | null | undefined;
  /** Slots owned in the layer (default: all 10,000). */
  traffic?: number | null | undefined;
  variants: Array<VariantInput>;
};

export type CreateFlagInput = {
  description?: string | null | undefined;
  hashKey?: string | null | undefined;
  key: string;
  rules?: Array<FlagRuleInput> | null | undefined;
  services?: Array<string> | null | undefined;
  /** The default variables, a JSON object; omitted → {}. */
  variables?: unknown;
};

export type CreateLayerInput = {
  /** A JSON object; omitted → {}. */
  defaultParams?: unknown;
  description?: string | null | undefined;
  hashKey?: string | null | undefined;
  key: string;
  priority?: number | null | undefined;
  /** Omitted → the layer key. */
  salt?: string | null | undefined;
  services: Array<string>;
};

export type DecideInput = {
  context: unknown;
  requestId?: string | null | undefined;
  services: Array<string>;
};

export type DecisionSource =
  | 'BUCKET'
  | 'OVERRIDE'
  | 'STICKY'
  | 'WINNER';

export type ExperimentState =
  | 'ARCHIVED'
  | 'CONCLUDED'
  | 'DRAFT'
  | 'RUNNING';

export type FlagRuleInput = {
  /** A targeting rule (SPEC §4); omitted → everyone. */
  audience?: unknown;
  enabled?: boolean | null | undefined;
  /** Required for EXPERIMENT rules, refused on DELIVERY rules. */
  experiment?: string | null | undefined;
  key: string;
  traffic?: number | null | undefined;
  type: FlagRuleType;
  /** A JSON object; omitted → {}. */
  variables?: unknown;
};

export type FlagRuleType =
  | 'DELIVERY'
  | 'EXPERIMENT';

export type FlagSource =
  | 'DEFAULT'
  | 'EXPERIMENT'
  | 'FORCED'
  | 'ROLLOUT';

/** what a key may do: SDK decides, VIEWER reads, DEVELOPER configures, ADMIN also manages keys */
export type Role =
  | 'ADMIN'
  | 'DEVELOPER'
  | 'SDK'
  | 'VIEWER';

export type UpdateExperimentInput = {
  description?: string | null | undefined;
  exclusionGroup?: string | null | undefined;
  rule?: unknown;
  services?: Array<string> | null | undefined;
  variants?: Array<VariantInput> | null | undefined;
};

export type UpdateLayerInput = {
  defaultParams?: unknown;
  description?: string | null | undefined;
  enabled?: boolean | null | undefined;
  priority?: number | null | undefined;
  services?: Array<string> | null | undefined;
};

export type VariantInput = {
  key: string;
  /** A JSON object; omitted → {}. */
  params?: unknown;
  /** Assigned when omitted; unique across the server. */
  vid?: number | null | undefined;
  weight: number;
};

export type VariantWeightInput = {
  key: string;
  weight: number;
};

export type CreateExperimentMutationVariables = Exact<{
  input: CreateExperimentInput;
}>;


export type CreateExperimentMutation = { createExperiment: { key: string, description: string | null, services: Array<string>, layer: string, state: ExperimentState, winner: string | null, exclusionGroup: string | null, rule: unknown, traffic: number, version: number, createdAt: string, updatedAt: string, variants: Array<{ key: string, vid: number, weight: number, params: unknown }> } };

export type UpdateExperimentMutationVariables = Exact<{
  key: string;
  input: UpdateExperimentInput;
}>;


export type UpdateExperimentMutation = { updateExperiment: { key: string, description: string | null, services: Array<string>, layer: string, state: ExperimentState, winner: string | null, exclusionGroup: string | null, rule: unknown, traffic: number, version: number, createdAt: string, updatedAt: string, variants: Array<{ key: string, vid: number, weight: number, params: unknown }> } };

export type StartExperimentMutationVariables = Exact<{
  key: string;
}>;


export type StartExperimentMutation = { startExperiment: { key: string, description: string | null, services: Array<string>, layer: string, state: ExperimentState, winner: string | null, exclusionGroup: string | null, rule: unknown, traffic: number, version: number, createdAt: string, updatedAt: string, variants: Array<{ key: string, vid: number, weight: number, params: unknown }> } };

export type ConcludeExperimentMutationVariables = Exact<{
  key: string;
  winner: string;
}>;


export type ConcludeExperimentMutation = { concludeExperiment: { key: string, description: string | null, services: Array<string>, layer: string, state: ExperimentState, winner: string | null, exclusionGroup: string | null, rule: unknown, traffic: number, version: number, createdAt: string, updatedAt: string, variants: Array<{ key: string, vid: number, weight: number, params: unknown }> } };

export type ArchiveExperimentMutationVariables = Exact<{
  key: string;
}>;


export type ArchiveExperimentMutation = { archiveExperiment: { key: string, description: string | null, services: Array<string>, layer: string, state: ExperimentState, winner: string | null, exclusionGroup: string | null, rule: unknown, traffic: number, version: number, createdAt: string, updatedAt: string, variants: Array<{ key: string, vid: number, weight: number, params: unknown }> } };

export type SetWeightsMutationVariables = Exact<{
  key: string;
  weights: Array<VariantWeightInput> | VariantWeightInput;
  dryRun?: boolean | null | undefined;
}>;


export type SetWeightsMutation = { setWeights: { slotsMoved: number, applied: boolean, experiment: { key: string, description: string | null, services: Array<string>, layer: string, state: ExperimentState, winner: string | null, exclusionGroup: string | null, rule: unknown, traffic: number, version: number, createdAt: string, updatedAt: string, variants: Array<{ key: string, vid: number, weight: number, params: unknown }> } } };

export type SetTrafficMutationVariables = Exact<{
  key: string;
  traffic: number;
  dryRun?: boolean | null | undefined;
}>;


export type SetTrafficMutation = { setTraffic: { slotsMoved: number, applied: boolean, experiment: { key: string, description: string | null, services: Array<string>, layer: string, state: ExperimentState, winner: string | null, exclusionGroup: string | null, rule: unknown, traffic: number, version: number, createdAt: string, updatedAt: string, variants: Array<{ key: string, vid: number, weight: number, params: unknown }> } } };

export type SetOverrideMutationVariables = Exact<{
  experiment: string;
  actor: string;
  variant: string;
}>;


export type SetOverrideMutation = { setOverride: { experiment: string, actor: string, variant: string } };

export type ClearOverrideMutationVariables = Exact<{
  experiment: string;
  actor: string;
}>;


export type ClearOverrideMutation = { clearOverride: boolean };

export type CreateLayerMutationVariables = Exact<{
  input: CreateLayerInput;
}>;


export type CreateLayerMutation = { createLayer: { key: string, description: string | null, priority: number, services: Array<string>, hashKey: string, salt: string, hashVersion: number, enabled: boolean, defaultParams: unknown, freeSlots: number, implicit: boolean, ranges: Array<{ start: number, end: number, vid: number }> } };

export type UpdateLayerMutationVariables = Exact<{
  key: string;
  input: UpdateLayerInput;
}>;


export type UpdateLayerMutation = { updateLayer: { key: string, description: string | null, priority: number, services: Array<string>, hashKey: string, salt: string, hashVersion: number, enabled: boolean, defaultParams: unknown, freeSlots: number, implicit: boolean, ranges: Array<{ start: number, end: number, vid: number }> } };

export type CreateFlagMutationVariables = Exact<{
  input: CreateFlagInput;
}>;


export type CreateFlagMutation = { createFlag: { key: string, description: string | null, services: Array<string>, enabled: boolean, hashKey: string, variables: unknown, archived: boolean, version: number, createdAt: string, updatedAt: string, rules: Array<{ key: string, type: FlagRuleType, experiment: string | null, audience: unknown, traffic: number, enabled: boolean, variables: unknown }> } };

export type SetFlagRulesMutationVariables = Exact<{
  key: string;
  rules: Array<FlagRuleInput> | FlagRuleInput;
}>;


export type SetFlagRulesMutation = { setFlagRules: { key: string, description: string | null, services: Array<string>, enabled: boolean, hashKey: string, variables: unknown, archived: boolean, version: number, createdAt: string, updatedAt: string, rules: Array<{ key: string, type: FlagRuleType, experiment: string | null, audience: unknown, traffic: number, enabled: boolean, variables: unknown }> } };

export type SetFlagEnabledMutationVariables = Exact<{
  key: string;
  enabled: boolean;
}>;


export type SetFlagEnabledMutation = { setFlagEnabled: { key: string, description: string | null, services: Array<string>, enabled: boolean, hashKey: string, variables: unknown, archived: boolean, version: number, createdAt: string, updatedAt: string, rules: Array<{ key: string, type: FlagRuleType, experiment: string | null, audience: unknown, traffic: number, enabled: boolean, variables: unknown }> } };

export type SetForcedDecisionMutationVariables = Exact<{
  flag: string;
  rule: string;
  actor: string;
  variation: string;
}>;


export type SetForcedDecisionMutation = { setForcedDecision: { flag: string, rule: string, actor: string, variation: string } };

export type ClearForcedDecisionMutationVariables = Exact<{
  flag: string;
  rule: string;
  actor: string;
}>;


export type ClearForcedDecisionMutation = { clearForcedDecision: boolean };

export type CreateApiKeyMutationVariables = Exact<{
  input: CreateApiKeyInput;
}>;


export type CreateApiKeyMutation = { createApiKey: { secret: string, apiKey: { id: string, name: string, role: Role, services: Array<string> | null, prefix: string, rateLimit: number, createdAt: string, expiresAt: string | null, revokedAt: string | null, lastUsedAt: string | null } } };

export type RevokeApiKeyMutationVariables = Exact<{
  id: string | number;
}>;


export type RevokeApiKeyMutation = { revokeApiKey: { id: string, name: string, role: Role, services: Array<string> | null, prefix: string, rateLimit: number, createdAt: string, expiresAt: string | null, revokedAt: string | null, lastUsedAt: string | null } };

export type ExperimentQueryVariables = Exact<{
  key: string;
}>;


export type ExperimentQuery = { experiment: { key: string, description: string | null, services: Array<string>, layer: string, state: ExperimentState, winner: string | null, exclusionGroup: string | null, rule: unknown, traffic: number, version: number, createdAt: string, updatedAt: string, variants: Array<{ key: string, vid: number, weight: number, params: unknown }> } | null };

export type ExperimentsQueryVariables = Exact<{
  state?: ExperimentState | null | undefined;
  service?: string | null | undefined;
}>;


export type ExperimentsQuery = { experiments: Array<{ key: string, description: string | null, services: Array<string>, layer: string, state: ExperimentState, winner: string | null, exclusionGroup: string | null, rule: unknown, traffic: number, version: number, createdAt: string, updatedAt: string, variants: Array<{ key: string, vid: number, weight: number, params: unknown }> }> };

export type LayerQueryVariables = Exact<{
  key: string;
}>;


export type LayerQuery = { layer: { key: string, description: string | null, priority: number, services: Array<string>, hashKey: string, salt: string, hashVersion: number, enabled: boolean, defaultParams: unknown, freeSlots: number, implicit: boolean, ranges: Array<{ start: number, end: number, vid: number }> } | null };

export type FlagQueryVariables = Exact<{
  key: string;
}>;


export type FlagQuery = { flag: { key: string, description: string | null, services: Array<string>, enabled: boolean, hashKey: string, variables: unknown, archived: boolean, version: number, createdAt: string, updatedAt: string, rules: Array<{ key: string, type: FlagRuleType, experiment: string | null, audience: unknown, traffic: number, enabled: boolean, variables: unknown }> } | null };

export type ConfigChangesQueryVariables = Exact<{
  since: number;
  limit?: number | null | undefined;
}>;


export type ConfigChangesQuery = { configChanges: Array<{ version: number, kind: string, keys: Array<string>, services: Array<string>, mutation: string, actor: string | null, at: string }> };

export type DecideQueryVariables = Exact<{
  services: Array<string> | string;
  context: unknown;
  requestId?: string | null | undefined;
  explain?: boolean | null | undefined;
}>;


export type DecideQuery = { decide: { configVersion: number, results: Array<{ service: string, parameters: unknown, vids: Array<number>, matchedLayers: Array<string>, reasons: Array<string> | null, experiments: Array<{ experiment: string, variant: string, vid: number, layer: string, slot: number, source: DecisionSource }> }> } };

export type DecideBatchQueryVariables = Exact<{
  requests: Array<DecideInput> | DecideInput;
  explain?: boolean | null | undefined;
}>;


export type DecideBatchQuery = { decideBatch: Array<{ configVersion: number, results: Array<{ service: string, parameters: unknown, vids: Array<number>, matchedLayers: Array<string>, reasons: Array<string> | null, experiments: Array<{ experiment: string, variant: string, vid: number, layer: string, slot: number, source: DecisionSource }> }> }> };

export type DecideFlagsQueryVariables = Exact<{
  keys?: Array<string> | string | null | undefined;
  context: unknown;
  requestId?: string | null | undefined;
  explain?: boolean | null | undefined;
}>;


export type DecideFlagsQuery = { decideFlags: { configVersion: number, flags: Array<{ flag: string, enabled: boolean, variables: unknown, rule: string | null, variation: string | null, source: FlagSource, reasons: Array<string> | null }> } };

export type AssignMutationVariables = Exact<{
  experiment: string;
  actor: string;
  context?: unknown;
  requestId?: string | null | undefined;
}>;


export type AssignMutation = { assign: { experiment: string, actor: string, variant: string, vid: number, isOverride: boolean, assignedAt: string } | null };

export type ConfigVersionQueryVariables = Exact<{ [key: string]: never; }>;


export type ConfigVersionQuery = { configVersion: number };

export type ConfigChangedSubscriptionVariables = Exact<{
  services?: Array<string> | string | null | undefined;
  since?: number | null | undefined;
}>;


export type ConfigChangedSubscription = { configChanged: { version: number, kind: string, keys: Array<string>, services: Array<string>, mutation: string, actor: string | null, at: string } };

export type DecisionFieldsFragment = { configVersion: number, results: Array<{ service: string, parameters: unknown, vids: Array<number>, matchedLayers: Array<string>, reasons: Array<string> | null, experiments: Array<{ experiment: string, variant: string, vid: number, layer: string, slot: number, source: DecisionSource }> }> };

export type ExperimentFieldsFragment = { key: string, description: string | null, services: Array<string>, layer: string, state: ExperimentState, winner: string | null, exclusionGroup: string | null, rule: unknown, traffic: number, version: number, createdAt: string, updatedAt: string, variants: Array<{ key: string, vid: number, weight: number, params: unknown }> };

export type LayerFieldsFragment = { key: string, description: string | null, priority: number, services: Array<string>, hashKey: string, salt: string, hashVersion: number, enabled: boolean, defaultParams: unknown, freeSlots: number, implicit: boolean, ranges: Array<{ start: number, end: number, vid: number }> };

export type FlagFieldsFragment = { key: string, description: string | null, services: Array<string>, enabled: boolean, hashKey: string, variables: unknown, archived: boolean, version: number, createdAt: string, updatedAt: string, rules: Array<{ key: string, type: FlagRuleType, experiment: string | null, audience: unknown, traffic: number, enabled: boolean, variables: unknown }> };

export type AssignmentFieldsFragment = { experiment: string, actor: string, variant: string, vid: number, isOverride: boolean, assignedAt: string };

export type ConfigChangeFieldsFragment = { version: number, kind: string, keys: Array<string>, services: Array<string>, mutation: string, actor: string | null, at: string };

export type ApiKeyFieldsFragment = { id: string, name: string, role: Role, services: Array<string> | null, prefix: string, rateLimit: number, createdAt: string, expiresAt: string | null, revokedAt: string | null, lastUsedAt: string | null };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const DecisionFieldsFragmentDoc = new TypedDocumentString(`
    fragment DecisionFields on Decision {
  configVersion
  results {
    service
    parameters
    vids
    matchedLayers
    experiments {
      experiment
      variant
      vid
      layer
      slot
      source
    }
    reasons
  }
}
    `, {"fragmentName":"DecisionFields"}) as unknown as TypedDocumentString<DecisionFieldsFragment, unknown>;
export const ExperimentFieldsFragmentDoc = new TypedDocumentString(`
    fragment ExperimentFields on Experiment {
  key
  description
  services
  layer
  state
  variants {
    key
    vid
    weight
    params
  }
  winner
  exclusionGroup
  rule
  traffic
  version
  createdAt
  updatedAt
}
    `, {"fragmentName":"ExperimentFields"}) as unknown as TypedDocumentString<ExperimentFieldsFragment, unknown>;
export const LayerFieldsFragmentDoc = new TypedDocumentString(`
    fragment LayerFields on Layer {
  key
  description
  priority
  services
  hashKey
  salt
  hashVersion
  enabled
  defaultParams
  ranges {
    start
    end
    vid
  }
  freeSlots
  implicit
}
    `, {"fragmentName":"LayerFields"}) as unknown as TypedDocumentString<LayerFieldsFragment, unknown>;
export const FlagFieldsFragmentDoc = new TypedDocumentString(`
    fragment FlagFields on Flag {
  key
  description
  services
  enabled
  hashKey
  variables
  rules {
    key
    type
    experiment
    audience
    traffic
    enabled
    variables
  }
  archived
  version
  createdAt
  updatedAt
}
    `, {"fragmentName":"FlagFields"}) as unknown as TypedDocumentString<FlagFieldsFragment, unknown>;
export const AssignmentFieldsFragmentDoc = new TypedDocumentString(`
    fragment AssignmentFields on Assignment {
  experiment
  actor
  variant
  vid
  isOverride
  assignedAt
}
    `, {"fragmentName":"AssignmentFields"}) as unknown as TypedDocumentString<AssignmentFieldsFragment, unknown>;
export const ConfigChangeFieldsFragmentDoc = new TypedDocumentString(`
    fragment ConfigChangeFields on ConfigChange {
  version
  kind
  keys
  services
  mutation
  actor
  at
}
    `, {"fragmentName":"ConfigChangeFields"}) as unknown as TypedDocumentString<ConfigChangeFieldsFragment, unknown>;
export const ApiKeyFieldsFragmentDoc = new TypedDocumentString(`
    fragment ApiKeyFields on ApiKey {
  id
  name
  role
  services
  prefix
  rateLimit
  createdAt
  expiresAt
  revokedAt
  lastUsedAt
}
    `, {"fragmentName":"ApiKeyFields"}) as unknown as TypedDocumentString<ApiKeyFieldsFragment, unknown>;
export const CreateExperimentDocument = {"__meta__":{"hash":"sha256:aaa7e955ec6df770a7b7944d877561d3776581839ad1e35f9e4c83add7d69512"}} as unknown as TypedDocumentString<CreateExperimentMutation, CreateExperimentMutationVariables>;
export const UpdateExperimentDocument = {"__meta__":{"hash":"sha256:630aea7ee462279ea603c59ee5f0a2ca7d7fd105bd0ba13041f66ead01622414"}} as unknown as TypedDocumentString<UpdateExperimentMutation, UpdateExperimentMutationVariables>;
export const StartExperimentDocument = {"__meta__":{"hash":"sha256:8a5654cc01fe4c5d87f5cc748e134d7533e4832aad5714e440e4d9ef058300c6"}} as unknown as TypedDocumentString<StartExperimentMutation, StartExperimentMutationVariables>;
export const ConcludeExperimentDocument = {"__meta__":{"hash":"sha256:49bb40ec29ab6c372a10838a63c941ba236f1adfd7b5d9f27a605e07e107ee0d"}} as unknown as TypedDocumentString<ConcludeExperimentMutation, ConcludeExperimentMutationVariables>;
export const ArchiveExperimentDocument = {"__meta__":{"hash":"sha256:bd93ad7abf5e9d0293a29359d871b89160f91ed32c5a352b0395c578222fa5ad"}} as unknown as TypedDocumentString<ArchiveExperimentMutation, ArchiveExperimentMutationVariables>;
export const SetWeightsDocument = {"__meta__":{"hash":"sha256:ea896e0ff8816629dc45bbc26aad18c2fb9c0186e977e8aa94c07c78d97248d3"}} as unknown as TypedDocumentString<SetWeightsMutation, SetWeightsMutationVariables>;
export const SetTrafficDocument = {"__meta__":{"hash":"sha256:93594a26af7aab8870bb64646b3b6f258213fb03a09b27656230d81de40627e9"}} as unknown as TypedDocumentString<SetTrafficMutation, SetTrafficMutationVariables>;
export const SetOverrideDocument = {"__meta__":{"hash":"sha256:e0f9cace43657c6d72e473ba2cc0c0715d2c5f8b7390cd14291c2d37f4b51876"}} as unknown as TypedDocumentString<SetOverrideMutation, SetOverrideMutationVariables>;
export const ClearOverrideDocument = {"__meta__":{"hash":"sha256:313c00ea4b03315c9661be285fc36035fc36a8c0b4d4a11d4abbdea921ef60c7"}} as unknown as TypedDocumentString<ClearOverrideMutation, ClearOverrideMutationVariables>;
export const CreateLayerDocument = {"__meta__":{"hash":"sha256:479a39d2f0d3d7c3a9bb830a5cba6ae309dc7cabb3e08b80a7dee55b59d680ee"}} as unknown as TypedDocumentString<CreateLayerMutation, CreateLayerMutationVariables>;
export const UpdateLayerDocument = {"__meta__":{"hash":"sha256:e48ce0fc2ff93a998e945a4638c4d40962317357af72385e50bba19efd839d5f"}} as unknown as TypedDocumentString<UpdateLayerMutation, UpdateLayerMutationVariables>;
export const CreateFlagDocument = {"__meta__":{"hash":"sha256:494904dac4c9b0f268c48eb20f952da80a5f60a34956cebab805e64cb0188a07"}} as unknown as TypedDocumentString<CreateFlagMutation, CreateFlagMutationVariables>;
export const SetFlagRulesDocument = {"__meta__":{"hash":"sha256:60e5ea96e54a7edc1c681ba57e55b39ff4f2d92b551ea6e463a8727fa1e73752"}} as unknown as TypedDocumentString<SetFlagRulesMutation, SetFlagRulesMutationVariables>;
export const SetFlagEnabledDocument = {"__meta__":{"hash":"sha256:962a98624010531204895a6b169d7f9e8be5cc3ebb819b067d0e8af95d5db14a"}} as unknown as TypedDocumentString<SetFlagEnabledMutation, SetFlagEnabledMutationVariables>;
export const SetForcedDecisionDocument = {"__meta__":{"hash":"sha256:3a155a157445ffb00491895332096ee355abcd135080b7c651663adb9ea1c22f"}} as unknown as TypedDocumentString<SetForcedDecisionMutation, SetForcedDecisionMutationVariables>;
export const ClearForcedDecisionDocument = {"__meta__":{"hash":"sha256:e8bf44ccb804aa97d97c2ba4f463011389359d3ab52a05241a5508383cf30839"}} as unknown as TypedDocumentString<ClearForcedDecisionMutation, ClearForcedDecisionMutationVariables>;
export const CreateApiKeyDocument = {"__meta__":{"hash":"sha256:d22aee6764cf45bfd38b4c8cebd19b66ddcef5e1be077aecebe41a32416f3e6c"}} as unknown as TypedDocumentString<CreateApiKeyMutation, CreateApiKeyMutationVariables>;
export const RevokeApiKeyDocument = {"__meta__":{"hash":"sha256:f1a257e003f5eb3f6edde0d658b5ebc46cf459e15bdb1de5acaa27fe89ca1b5a"}} as unknown as TypedDocumentString<RevokeApiKeyMutation, RevokeApiKeyMutationVariables>;
export const ExperimentDocument = {"__meta__":{"hash":"sha256:f92664339591e90587cfbc80e7567bd0c89925109e1e525fe0dc598c7c247bbc"}} as unknown as TypedDocumentString<ExperimentQuery, ExperimentQueryVariables>;
export const ExperimentsDocument = {"__meta__":{"hash":"sha256:6cc870fccb06de392a36be5bfe7cbfa8713e3ca59f14c5a5881e15f2cab209b9"}} as unknown as TypedDocumentString<ExperimentsQuery, ExperimentsQueryVariables>;
export const LayerDocument = {"__meta__":{"hash":"sha256:87168b4209a681ba775e7c79568e136fc64237d17af2583fad79f84cdd0b4188"}} as unknown as TypedDocumentString<LayerQuery, LayerQueryVariables>;
export const FlagDocument = {"__meta__":{"hash":"sha256:c18f40372f4d5781eb131f90f116390d8b9a4279b8167b26d7f40c50d887b34e"}} as unknown as TypedDocumentString<FlagQuery, FlagQueryVariables>;
export const ConfigChangesDocument = {"__meta__":{"hash":"sha256:4768f583c1326cb8fca7756602615c818c0c2944760e8d7a92ef7776ddaf9933"}} as unknown as TypedDocumentString<ConfigChangesQuery, ConfigChangesQueryVariables>;
export const DecideDocument = {"__meta__":{"hash":"sha256:4f927d0b5a1cd4920146414c27d554666af0e568db7ca767711e5c5a0e74ef3f"}} as unknown as TypedDocumentString<DecideQuery, DecideQueryVariables>;
export const DecideBatchDocument = {"__meta__":{"hash":"sha256:2b0955ca39ffd8b8a2788121377ee26d323cf5d8f03e34c2bcae2a771ee999c3"}} as unknown as TypedDocumentString<DecideBatchQuery, DecideBatchQueryVariables>;
export const DecideFlagsDocument = {"__meta__":{"hash":"sha256:a1a4c10312ba912f2797fc1a0d6cb196d5dd4ca6ce97b3afb585539f072f3d24"}} as unknown as TypedDocumentString<DecideFlagsQuery, DecideFlagsQueryVariables>;
export const AssignDocument = {"__meta__":{"hash":"sha256:28debb70160c00daa1eb4f5815b20bab8c259c28e5abf20f1d42d504d67e8012"}} as unknown as TypedDocumentString<AssignMutation, AssignMutationVariables>;
export const ConfigVersionDocument = {"__meta__":{"hash":"sha256:1eafcd862fce70059b4bc4c3796ccf6f270a19a46d18850ac546f110b47e5f95"}} as unknown as TypedDocumentString<ConfigVersionQuery, ConfigVersionQueryVariables>;
export const ConfigChangedDocument = {"__meta__":{"hash":"sha256:acaf1a7d6ba47ccafd0cb11b6cc0e0e0081f65ab3422a73b0fbe4514234b5c8a"}} as unknown as TypedDocumentString<ConfigChangedSubscription, ConfigChangedSubscriptionVariables>;