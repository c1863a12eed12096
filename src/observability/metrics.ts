// Metrics (SPEC §14): the Prometheus registry and every series in it. Requests are counted as they are
// answered; everything else is read from its owner when /metrics is scraped (collect callbacks), so the
// decide path pays for one counter and one histogram observation per root field, nothing per rule.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** One root field (or `experiment` for POST /experiment) a request answered with an error code. */
export interface RequestFailure {
  readonly operation: string;
  readonly code: string;
}

/** What the request paths (Apollo's, the compiled fast path, POST /experiment, graphql-ws) tell the metrics. */
export interface RequestMetrics {
  /** A start time for `request` (0 when metrics are off: nothing is timed). */
  now(): number;
  /**
   * One request answered: each of its root fields counted once, each timed with the request's whole
   * duration (`startedAt` null: not timed, a subscription), each (field, code) of its failures counted
   * once; a RATE_LIMITED failure counts once for the key's role.
   */
  request(operations: readonly string[], startedAt: number | null, failures: readonly RequestFailure[] | null, role: string | null): void;
  /** A refusal for rate outside the request series (GET /metrics itself). */
  rateLimited(role: string | null): void;
}

/** The owners the gauges and totals are read from at each scrape. */
export interface MetricSources {
  /** The version served; null before the first load. */
  readonly configVersion: () => number | null;
  /** Layers compiled into a served snapshot so far (SnapshotStore). */
  readonly layerReloads: () => number;
  /** Targeting rules run by decisions so far (DecisionService). */
  readonly ruleEvaluations: () => number;
  /** The configuration listener is connected, or not needed (every change is made in this process). */
  readonly listenerConnected: () => boolean;
  readonly exposures: () => { readonly unwritten: number; readonly written: number; readonly dropped: number };
  readonly assignments: () => { readonly written: number; readonly queued: number };
}

/** The operation of a request refused before its operation was known (no key, a body that is not JSON). */
export const UNKNOWN_OPERATION = "unknown";
/** The role label of a caller without a key (AUTH=off). */
const NO_ROLE = "none";

/** Seconds: a decide answers in well under a millisecond in process; a mutation on PostgreSQL takes tens. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Seconds: SPEC §10 bounds propagation at 100 ms p99. */
const PROPAGATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A counter whose value is its owner's running total, read at each scrape. */
function totalOf(registry: Registry, name: string, help: string, read: () => number): Counter {
  return new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

function gaugeOf(registry: Registry, name: string, help: string, read: () => number): Gauge {
  return new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

export class Metrics implements RequestMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<"operation">;
  private readonly errors: Counter<"operation" | "code">;
  private readonly duration: Histogram<"operation">;
  private readonly limited: Counter<"role">;
  private readonly propagation: Histogram;
  /** One label object per operation, made once: the hot path allocates none. */
  private readonly labels = new Map<string, { operation: string }>();

  constructor(sources: MetricSources) {
    const registry = this.registry;
    this.requests = new Counter({ name: "experiment_requests_total", help: "Requests answered, by root field (experiment: POST /experiment)", labelNames: ["operation"], registers: [registry] });
    this.errors = new Counter({
      name: "experiment_request_errors_total",
      help: "Requests answered with an error, by root field and error code (once per field and code)",
      labelNames: ["operation", "code"],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: "experiment_request_duration_seconds",
      help: "Request duration in seconds, from the request's arrival to its answer, by root field",
      labelNames: ["operation"],
      buckets: DURATION_BUCKETS,
      registers: [registry],
    });
    totalOf(registry, "experiment_layer_reload_total", "Layers compiled into the served configuration (all of them at a full load, a change's layers after it)", sources.layerReloads);
    totalOf(registry, "experiment_rule_evaluations_total", "Targeting rules evaluated by decisions (decide, decideBatch, POST /experiment)", sources.ruleEvaluations);
    gaugeOf(registry, "tessera_config_version", "The configuration version this instance serves (-1 before the first load)", () => sources.configVersion() ?? -1);
    this.propagation = new Histogram({
      name: "tessera_config_propagation_seconds",
      help: "From a configuration change's commit (its change event's time) to its being served on this instance",
      buckets: PROPAGATION_BUCKETS,
      registers: [registry],
    });
    gaugeOf(registry, "tessera_listener_connected", "1 while the configuration listener is connected (or not needed: the embedded database), else 0", () => (sources.listenerConnected() ? 1 : 0));
    gaugeOf(registry, "tessera_exposures_buffered", "Exposures in memory not stored yet (waiting, or in a write not finished)", () => sources.exposures().unwritten);
    totalOf(registry, "tessera_exposures_written_total", "Exposures stored", () => sources.exposures().written);
    totalOf(registry, "tessera_exposures_dropped_total", "Exposures lost: the buffer was full, or the database refused them", () => sources.exposures().dropped);
    totalOf(registry, "tessera_assignments_written_total", "Assignments stored (decide's first-wins writes, the outage queue's, assign's)", () => sources.assignments().written);
    gaugeOf(registry, "tessera_assignments_queued", "New assignments waiting for the database to be reachable", () => sources.assignments().queued);
    this.limited = new Counter({ name: "tessera_rate_limited_total", help: "Requests refused with RATE_LIMITED, by the key's role", labelNames: ["role"], registers: [registry] });
    collectDefaultMetrics({ register: registry });
  }

  now(): number {
    return performance.now();
  }

  request(operations: readonly string[], startedAt: number | null, failures: readonly RequestFailure[] | null, role: string | null): void {
    const seconds = startedAt === null ? 0 : (performance.now() - startedAt) / 1000;
    for (let i = 0; i < operations.length; i++) {
      const labels = this.labelsOf(operations[i]!);
      this.requests.inc(labels);
      if (startedAt !== null) this.duration.observe(labels, seconds);
    }
    if (failures === null || failures.length === 0) return;
    let limited = false;
    const counted = new Set<string>();
    for (const { operation, code } of failures) {
      const key = `${operation}\u0000${code}`;
      if (counted.has(key)) continue;
      counted.add(key);
      this.errors.inc({ operation, code });
      limited ||= code === "RATE_LIMITED";
    }
    if (limited) this.rateLimited(role);
  }

  rateLimited(role: string | null): void {
    this.limited.inc({ role: role ?? NO_ROLE });
  }

  /** A change event served here, committed at `at` (clocks of the database and this host; a negative gap is taken as none). */
  propagated(at: Date): void {
    this.propagation.observe(Math.max(0, Date.now() - at.getTime()) / 1000);
  }

  /** The Prometheus text format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private labelsOf(operation: string): { operation: string } {
    let labels = this.labels.get(operation);
    if (labels === undefined) this.labels.set(operation, (labels = { operation }));
    return labels;
  }
}

/** METRICS=off: nothing counted, nothing timed. */
export const NO_METRICS: RequestMetrics = {
  now: () => 0,
  request: () => undefined,
  rateLimited: () => undefined,
};
