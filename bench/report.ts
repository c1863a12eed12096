// Rows, target evaluation and the two renderings (table for people, one JSON object for machines).

import os from "node:os";
import { median } from "./stats";

export interface Measure {
  /** What was measured, e.g. "engine 1 exp" or "bare node:http". */
  readonly label: string;
  /** Median over the samples (NaN when it could not be measured). */
  readonly median: number;
  readonly unit: string;
  readonly samples: readonly number[];
}

/** A bound on the ratio value / baseline, or on the value itself when the row has no baseline. */
export interface Target {
  readonly cmp: "<=" | ">=";
  readonly bound: number;
}

export interface Row {
  readonly name: string;
  readonly value: Measure;
  readonly baseline: Measure | null;
  /** value / baseline; null without a baseline. */
  readonly ratio: number | null;
  /** null: recorded only, never fails. */
  readonly target: Target | null;
  /** null when there is no target. */
  readonly pass: boolean | null;
  /** Why the row failed whatever its numbers (errors in responses, a contender that would not start). */
  readonly failure: string | null;
  readonly notes: readonly string[];
}

export interface RowInput {
  name: string;
  value: Measure;
  baseline?: Measure | null;
  target?: Target | null;
  failure?: string | null;
  notes?: readonly string[];
}

export function measure(label: string, samples: readonly number[], unit: string, summary?: number): Measure {
  return { label, median: summary ?? median(samples), unit, samples };
}

/** A measure that could not be taken; its row fails through `failure`. */
export const missing = (label: string, unit: string): Measure => ({ label, median: Number.NaN, unit, samples: [] });

export function makeRow(input: RowInput): Row {
  const baseline = input.baseline ?? null;
  const target = input.target ?? null;
  const ratio = baseline ? input.value.median / baseline.median : null;
  const subject = ratio ?? input.value.median;
  const failure = input.failure ?? (Number.isFinite(subject) ? null : "not measured");
  let pass: boolean | null = null;
  if (target) {
    const within = target.cmp === "<=" ? subject <= target.bound : subject >= target.bound;
    pass = failure === null && within;
  } else if (failure !== null) {
    pass = false;
  }
  return { name: input.name, value: input.value, baseline, ratio, target, pass, failure, notes: input.notes ?? [] };
}

/** A row that could not run here (no PostgreSQL, say): it neither passes nor fails, and says why. */
export function skippedRow(name: string, why: string): Row {
  return { name, value: { label: "skipped", median: Number.NaN, unit: "", samples: [] }, baseline: null, ratio: null, target: null, pass: null, failure: null, notes: [why] };
}

export const anyFailed = (rows: readonly Row[]): boolean => rows.some((r) => r.pass === false);

function num(x: number): string {
  if (!Number.isFinite(x)) return "—";
  const abs = Math.abs(x);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

const withUnit = (m: Measure | null): string => (m ? `${num(m.median)} ${m.unit}` : "—");

function targetText(row: Row): string {
  if (!row.target) return "record";
  const cmp = row.target.cmp === "<=" ? "≤" : "≥";
  return row.baseline ? `${cmp} ${row.target.bound}×` : `${cmp} ${row.target.bound} ${row.value.unit}`;
}

const verdict = (row: Row): string => (row.pass === null ? "—" : row.pass ? "PASS" : "FAIL");

/** A fixed-width table; notes and failures go under it, so the columns stay readable. */
export function renderTable(rows: readonly Row[]): string {
  const header = ["row", "value", "baseline", "ratio", "target", "result"];
  const cells = rows.map((r) => [
    r.name,
    `${withUnit(r.value)}`,
    r.baseline ? `${withUnit(r.baseline)} (${r.baseline.label})` : "—",
    r.ratio === null || !Number.isFinite(r.ratio) ? "—" : `${num(r.ratio)}×`,
    targetText(r),
    verdict(r),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((x, i) => (i === 1 || i === 3 ? x.padStart(widths[i]) : x.padEnd(widths[i]))).join("  ");
  const out = [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)];
  const footnotes = rows.flatMap((r) => [
    ...(r.failure ? [`${r.name}: FAILED: ${r.failure}`] : []),
    ...r.notes.map((n) => `${r.name}: ${n}`),
  ]);
  if (footnotes.length > 0) out.push("", ...footnotes);
  const failed = rows.filter((r) => r.pass === false).length;
  out.push("", failed === 0 ? "all targets met" : `${failed} row(s) failed`);
  return `${out.join("\n")}\n`;
}

/** One JSON object: the same rows, plus what the numbers were measured on. */
export function renderJson(rows: readonly Row[], options: object): string {
  const finite = (x: number | null) => (x === null || Number.isFinite(x) ? x : null);
  const fix = (m: Measure | null) => m && { ...m, median: finite(m.median) };
  return `${JSON.stringify(
    {
      pass: !anyFailed(rows),
      machine: { node: process.version, platform: process.platform, arch: process.arch, cpus: os.cpus().length },
      options,
      rows: rows.map((r) => ({ ...r, value: fix(r.value), baseline: fix(r.baseline), ratio: finite(r.ratio) })),
    },
    null,
    2,
  )}\n`;
}
