// GET /metrics for the tests: one scrape, parsed whole with parse-prometheus-text-format, read by series and labels.

import parsePrometheusTextFormat, { type PrometheusFamily } from "parse-prometheus-text-format";
import type { TestServer } from "./test-server";

/** A sample line's labels: `{a="x",b="y"}` (values here never hold quotes). */
const labelsOf = (text: string | undefined): Record<string, string> => Object.fromEntries([...(text ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));

/** One scrape, parsed whole (a malformed line fails the parse). */
export class Scrape {
  readonly families: readonly PrometheusFamily[];

  constructor(readonly text: string) {
    this.families = parsePrometheusTextFormat(text);
  }

  family(name: string): PrometheusFamily | undefined {
    return this.families.find((f) => f.name === name);
  }

  /** A counter's or gauge's value for exactly these labels (0 when the series has no such sample yet). */
  value(name: string, labels: Record<string, string> = {}): number {
    const sample = this.family(name)?.metrics.find((m) => sameLabels(m.labels, labels));
    return sample === undefined ? 0 : Number(sample.value);
  }

  /**
   * A histogram's observation count for these labels, read from its `_count` line: the parser keeps
   * the count of a histogram without labels only (it drops the labels of the others).
   */
  count(name: string, labels: Record<string, string> = {}): number {
    for (const line of this.text.split("\n")) {
      const match = /^(\w+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
      if (match?.[1] === `${name}_count` && sameLabels(labelsOf(match[2]), labels)) return Number(match[3]);
    }
    return 0;
  }
}

const sameLabels = (a: Readonly<Record<string, string>> | undefined, b: Record<string, string>) =>
  JSON.stringify(Object.entries(a ?? {}).sort()) === JSON.stringify(Object.entries(b).sort());

export const metricsUrl = (server: TestServer) => server.url.replace(/\/graphql$/, "/metrics");

export async function scrape(server: TestServer, headers: Record<string, string>): Promise<Scrape> {
  const res = await fetch(metricsUrl(server), { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return new Scrape(await res.text());
}
