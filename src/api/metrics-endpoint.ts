// GET /metrics (SPEC §14): the Prometheus text format, for a key of any role (one token of its rate,
// as any request of the key), or for anyone when METRICS_PUBLIC=true; 404 when METRICS=off.

import type http from "node:http";
import type { Metrics } from "../observability/metrics";
import type { AccessGate } from "./access-gate";
import { sendBadRequest, sendJson, sendRefusal } from "./http-json";

export interface MetricsEndpointDeps {
  readonly gate: AccessGate;
  /** Null: METRICS=off. */
  readonly metrics: Metrics | null;
  /** METRICS_PUBLIC=true: no key asked (none authenticated, none charged). */
  readonly isPublic: boolean;
}

export function metricsEndpoint(deps: MetricsEndpointDeps): (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> {
  return async (req, res) => {
    const metrics = deps.metrics;
    if (metrics === null) return sendJson(res, 404, { error: "metrics are off on this server (METRICS=off)" });
    if (!deps.isPublic) {
      const caller = deps.gate.authenticate(req.headers);
      if (!("actor" in caller)) return sendRefusal(res, caller);
      const limited = deps.gate.charge(caller);
      if (limited !== null) {
        metrics.rateLimited(caller.key?.role ?? null);
        return sendRefusal(res, limited);
      }
    }
    if (req.method !== "GET" && req.method !== "HEAD") return sendBadRequest(res, 405, `${req.method ?? "this method"} is not allowed on /metrics: use GET`, "method", { allow: "GET" });
    const text = await metrics.render();
    res.writeHead(200, { "content-type": metrics.contentType, "content-length": Buffer.byteLength(text) });
    res.end(req.method === "HEAD" ? undefined : text);
  };
}
