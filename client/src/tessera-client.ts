// TesseraClient: Tessera's GraphQL API as typed methods (decisions, assignments, administration) over fetch,
// and configChanged over graphql-ws with resumption; for Node ≥ 20 and browsers.

import { type Client, createClient } from "graphql-ws/client";
import { type ConfigChange, type ConfigChangedOptions, ConfigChangeSubscription, type ReconnectOptions } from "./config-change-subscription";
import type { Document } from "./documents";
import * as ops from "./generated/graphql";
import { HttpTransport } from "./http-transport";

export interface TesseraClientOptions {
  /** The GraphQL endpoint, `http(s)://host:port/graphql`; graphql-ws uses the same path (ws: or wss:). */
  readonly url: string;
  /** A Tessera API key's secret (`tsk_…`), sent as `Authorization: Bearer …` and in graphql-ws's connectionParams. */
  readonly apiKey: string;
  /** Default: the global fetch (Node ≥ 18, browsers). */
  readonly fetch?: typeof fetch;
  /** A WebSocket class: the global one by default (browsers, Node ≥ 22); on Node 20 pass `ws`'s. */
  readonly webSocketImpl?: unknown;
  /** Sent as `x-actor` (HTTP) and in connectionParams: the name change records carry instead of the key's. */
  readonly actor?: string;
  /** "id" sends only each operation's manifest id (a server with TRUSTED_DOCUMENTS); "text" (default) its text. */
  readonly send?: "text" | "id";
  /** How configChanged subscriptions wait before reconnecting (1 s doubling to 30 s by default, ±50 % jitter). */
  readonly reconnect?: ReconnectOptions;
}

export class TesseraClient {
  private readonly http: HttpTransport;
  private ws: Client | null = null;
  private readonly subscriptions = new Set<ConfigChangeSubscription>();
  private readonly reconnect: Required<ReconnectOptions>;

  constructor(private readonly options: TesseraClientOptions) {
    const fetchImpl = options.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== "function") throw new TypeError("TesseraClient needs fetch: pass options.fetch");
    this.http = new HttpTransport({ url: options.url, apiKey: options.apiKey, fetch: fetchImpl.bind(globalThis), actor: options.actor ?? null, send: options.send ?? "text" });
    this.reconnect = { minDelayMs: options.reconnect?.minDelayMs ?? 1_000, maxDelayMs: options.reconnect?.maxDelayMs ?? 30_000 };
  }

  /** Any generated operation; the methods below are this with names. */
  execute<TResult, TVariables>(document: Document<TResult, TVariables>, variables: TVariables, requestId?: string): Promise<TResult> {
    return this.http.execute(document, variables, requestId);
  }

  // Decisions (SDK keys).
  async decide(variables: ops.DecideQueryVariables): Promise<ops.DecideQuery["decide"]> {
    return (await this.execute(ops.DecideDocument, variables)).decide;
  }
  async decideBatch(variables: ops.DecideBatchQueryVariables): Promise<ops.DecideBatchQuery["decideBatch"]> {
    return (await this.execute(ops.DecideBatchDocument, variables)).decideBatch;
  }
  async decideFlags(variables: ops.DecideFlagsQueryVariables): Promise<ops.DecideFlagsQuery["decideFlags"]> {
    return (await this.execute(ops.DecideFlagsDocument, variables)).decideFlags;
  }
  /** Null: the actor is not in the experiment. */
  async assign(variables: ops.AssignMutationVariables): Promise<ops.AssignMutation["assign"]> {
    return (await this.execute(ops.AssignDocument, variables)).assign;
  }
  async configVersion(): Promise<number> {
    return (await this.execute(ops.ConfigVersionDocument, {})).configVersion;
  }

  // Reading the configuration.
  async experiment(key: string): Promise<ops.ExperimentQuery["experiment"]> {
    return (await this.execute(ops.ExperimentDocument, { key })).experiment;
  }
  async experiments(variables: ops.ExperimentsQueryVariables = {}): Promise<ops.ExperimentsQuery["experiments"]> {
    return (await this.execute(ops.ExperimentsDocument, variables)).experiments;
  }
  async layer(key: string): Promise<ops.LayerQuery["layer"]> {
    return (await this.execute(ops.LayerDocument, { key })).layer;
  }
  async flag(key: string): Promise<ops.FlagQuery["flag"]> {
    return (await this.execute(ops.FlagDocument, { key })).flag;
  }
  async configChanges(variables: ops.ConfigChangesQueryVariables): Promise<ops.ConfigChangesQuery["configChanges"]> {
    return (await this.execute(ops.ConfigChangesDocument, variables)).configChanges;
  }

  // Administration (DEVELOPER and ADMIN keys).
  async createExperiment(input: ops.CreateExperimentInput): Promise<ops.CreateExperimentMutation["createExperiment"]> {
    return (await this.execute(ops.CreateExperimentDocument, { input })).createExperiment;
  }
  async updateExperiment(key: string, input: ops.UpdateExperimentInput): Promise<ops.UpdateExperimentMutation["updateExperiment"]> {
    return (await this.execute(ops.UpdateExperimentDocument, { key, input })).updateExperiment;
  }
  async startExperiment(key: string): Promise<ops.StartExperimentMutation["startExperiment"]> {
    return (await this.execute(ops.StartExperimentDocument, { key })).startExperiment;
  }
  async concludeExperiment(key: string, winner: string): Promise<ops.ConcludeExperimentMutation["concludeExperiment"]> {
    return (await this.execute(ops.ConcludeExperimentDocument, { key, winner })).concludeExperiment;
  }
  async archiveExperiment(key: string): Promise<ops.ArchiveExperimentMutation["archiveExperiment"]> {
    return (await this.execute(ops.ArchiveExperimentDocument, { key })).archiveExperiment;
  }
  async setWeights(variables: ops.SetWeightsMutationVariables): Promise<ops.SetWeightsMutation["setWeights"]> {
    return (await this.execute(ops.SetWeightsDocument, variables)).setWeights;
  }
  async setTraffic(variables: ops.SetTrafficMutationVariables): Promise<ops.SetTrafficMutation["setTraffic"]> {
    return (await this.execute(ops.SetTrafficDocument, variables)).setTraffic;
  }
  async setOverride(variables: ops.SetOverrideMutationVariables): Promise<ops.SetOverrideMutation["setOverride"]> {
    return (await this.execute(ops.SetOverrideDocument, variables)).setOverride;
  }
  async clearOverride(variables: ops.ClearOverrideMutationVariables): Promise<boolean> {
    return (await this.execute(ops.ClearOverrideDocument, variables)).clearOverride;
  }
  async createLayer(input: ops.CreateLayerInput): Promise<ops.CreateLayerMutation["createLayer"]> {
    return (await this.execute(ops.CreateLayerDocument, { input })).createLayer;
  }
  async updateLayer(key: string, input: ops.UpdateLayerInput): Promise<ops.UpdateLayerMutation["updateLayer"]> {
    return (await this.execute(ops.UpdateLayerDocument, { key, input })).updateLayer;
  }
  async createFlag(input: ops.CreateFlagInput): Promise<ops.CreateFlagMutation["createFlag"]> {
    return (await this.execute(ops.CreateFlagDocument, { input })).createFlag;
  }
  async setFlagRules(key: string, rules: ops.FlagRuleInput[]): Promise<ops.SetFlagRulesMutation["setFlagRules"]> {
    return (await this.execute(ops.SetFlagRulesDocument, { key, rules })).setFlagRules;
  }
  async setFlagEnabled(key: string, enabled: boolean): Promise<ops.SetFlagEnabledMutation["setFlagEnabled"]> {
    return (await this.execute(ops.SetFlagEnabledDocument, { key, enabled })).setFlagEnabled;
  }
  async setForcedDecision(variables: ops.SetForcedDecisionMutationVariables): Promise<ops.SetForcedDecisionMutation["setForcedDecision"]> {
    return (await this.execute(ops.SetForcedDecisionDocument, variables)).setForcedDecision;
  }
  async clearForcedDecision(variables: ops.ClearForcedDecisionMutationVariables): Promise<boolean> {
    return (await this.execute(ops.ClearForcedDecisionDocument, variables)).clearForcedDecision;
  }
  /** The secret is in the answer only this once (SPEC §13). */
  async createApiKey(input: ops.CreateApiKeyInput): Promise<ops.CreateApiKeyMutation["createApiKey"]> {
    return (await this.execute(ops.CreateApiKeyDocument, { input })).createApiKey;
  }
  async revokeApiKey(id: string): Promise<ops.RevokeApiKeyMutation["revokeApiKey"]> {
    return (await this.execute(ops.RevokeApiKeyDocument, { id })).revokeApiKey;
  }

  /**
   * Every configuration change, in version order, each once: from `since` when given (the stored changes
   * first), else from now. A lost connection is resumed after the last version delivered; a refusal
   * ends the subscription through `options.onError`.
   */
  configChanged(variables: ops.ConfigChangedSubscriptionVariables, onChange: (change: ConfigChange) => void, options: ConfigChangedOptions = {}): ConfigChangeSubscription {
    const subscription: ConfigChangeSubscription = new ConfigChangeSubscription(
      () => this.socket(),
      () => this.configVersion(),
      variables,
      onChange,
      {
        onError: (error) => {
          this.subscriptions.delete(subscription);
          options.onError?.(error);
        },
      },
      this.reconnect,
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Ends every subscription and closes the socket. */
  async close(): Promise<void> {
    for (const subscription of this.subscriptions) subscription.close();
    this.subscriptions.clear();
    const ws = this.ws;
    this.ws = null;
    await ws?.dispose();
  }

  private socket(): Client {
    if (this.ws === null) {
      const headers: Record<string, string> = { authorization: `Bearer ${this.options.apiKey}` };
      if (this.options.actor !== undefined) headers["x-actor"] = this.options.actor;
      this.ws = createClient({
        url: this.options.url.replace(/^http/, "ws"),
        connectionParams: headers,
        webSocketImpl: this.options.webSocketImpl,
        lazy: true,
        // Resumption is the subscriptions' own (with `since`): graphql-ws would resubscribe with the first variables.
        retryAttempts: 0,
        on: { connected: () => this.subscriptions.forEach((s) => s.connected()) },
      });
    }
    return this.ws;
  }
}
