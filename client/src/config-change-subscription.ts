// ConfigChangeSubscription: configChanged over graphql-ws that survives lost connections. Each (re)subscription
// asks for the changes after the last version delivered (SPEC §10 `since`), so none is missed or repeated.

import type { Client } from "graphql-ws/client";
import { operationOf } from "./documents";
import { ConfigChangedDocument, type ConfigChangedSubscription, type ConfigChangedSubscriptionVariables } from "./generated/graphql";
import { type GraphQLErrorBody, TesseraError } from "./tessera-error";

export type ConfigChange = ConfigChangedSubscription["configChanged"];

export interface ReconnectOptions {
  /** The first wait after a lost connection; doubled at each failed attempt (default 1,000 ms). */
  readonly minDelayMs?: number;
  /** The longest wait (default 30,000 ms). */
  readonly maxDelayMs?: number;
}

export interface ConfigChangedOptions {
  /** A refusal that retrying cannot mend (bad key, FORBIDDEN, bad input): the subscription has ended. */
  readonly onError?: (error: TesseraError) => void;
}

/** Close codes after which reconnecting cannot help (SPEC §13: no or unknown key, revoked or expired key; a malformed message). */
const FATAL_CLOSE_CODES = new Set([4400, 4401, 4403, 4406]);

interface CloseLike {
  readonly code: number;
  readonly reason?: string;
}

const isCloseEvent = (value: unknown): value is CloseLike => typeof (value as CloseLike | null)?.code === "number";

/** Refusals that may pass: the database or the server recovering, a rate. Others (bad key, FORBIDDEN, bad input) end the subscription. */
const PASSING_CODES = new Set(["UNAVAILABLE", "INTERNAL_SERVER_ERROR", "RATE_LIMITED", "NETWORK"]);

export class ConfigChangeSubscription {
  private since: number | null;
  private closed = false;
  private failures = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private unsubscribe: (() => void) | undefined;

  /** @internal Made by TesseraClient.configChanged. */
  constructor(
    private readonly ws: () => Client,
    private readonly currentVersion: () => Promise<number>,
    private readonly variables: ConfigChangedSubscriptionVariables,
    private readonly onChange: (change: ConfigChange) => void,
    private readonly options: ConfigChangedOptions,
    private readonly reconnect: Required<ReconnectOptions>,
  ) {
    this.since = variables.since ?? null;
    void this.start();
  }

  /** The last version delivered (or the `since` started from): where a reconnection resumes. */
  get lastVersion(): number | null {
    return this.since;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.unsubscribe?.();
  }

  /** @internal The connection was acknowledged: the next loss waits the shortest delay again. */
  connected(): void {
    this.failures = 0;
  }

  private async start(): Promise<void> {
    // Without `since` the server sends only live changes, and a reconnection would not know where to resume:
    // starting from the current version gives the same changes and a resume point from the first moment.
    if (this.since === null) {
      try {
        this.since = await this.currentVersion();
      } catch (error) {
        return error instanceof TesseraError ? this.refused(error) : this.retry();
      }
    }
    if (this.closed) return;
    const { text } = operationOf(ConfigChangedDocument);
    this.unsubscribe = this.ws().subscribe<ConfigChangedSubscription>(
      { query: text, variables: { ...this.variables, since: this.since } },
      {
        next: (result) => {
          if (result.errors?.length) {
            this.unsubscribe?.();
            return this.refused(TesseraError.fromErrors(result.errors as GraphQLErrorBody[], null));
          }
          const change = result.data?.configChanged;
          // The server sends each version once; the check keeps that true across reconnections whatever happens.
          if (change == null || this.closed || (this.since !== null && change.version <= this.since)) return;
          this.since = change.version;
          this.onChange(change);
        },
        error: (error) => {
          if (this.closed) return;
          if (Array.isArray(error)) return this.refused(TesseraError.fromErrors(error as GraphQLErrorBody[], null));
          if (isCloseEvent(error) && FATAL_CLOSE_CODES.has(error.code)) {
            return this.fail(new TesseraError(error.code === 4400 || error.code === 4406 ? "BAD_REQUEST" : error.code === 4401 ? "UNAUTHENTICATED" : "FORBIDDEN", error.reason || `closed with ${error.code}`, null, error.code));
          }
          this.retry();
        },
        // The server completes a subscription only when it stops: resume on the next connection.
        complete: () => {
          if (!this.closed) this.retry();
        },
      },
    );
  }

  private retry(): void {
    if (this.closed) return;
    this.unsubscribe = undefined;
    const base = Math.min(this.reconnect.maxDelayMs, this.reconnect.minDelayMs * 2 ** this.failures);
    this.failures++;
    // ±50 % jitter: subscribers of an instance that went away do not all come back at once.
    const delay = base * (0.5 + Math.random());
    this.timer = setTimeout(() => void this.start(), delay);
  }

  private refused(error: TesseraError): void {
    if (PASSING_CODES.has(error.code)) this.retry();
    else this.fail(error);
  }

  private fail(error: TesseraError): void {
    this.close();
    this.options.onError?.(error);
  }
}
