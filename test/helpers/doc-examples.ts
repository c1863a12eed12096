// The examples of the project's documentation as tests read them: every `sh` block that runs `curl`,
// every `graphql`, `js` and `ts` block, each with the `json` block that follows it (the answer the
// documentation shows). `shell` blocks (several processes, ports of their own) and `javascript` blocks
// (a program that runs for good) are shown, never run.

import fs from "node:fs";
import path from "node:path";

export interface DocExample {
  readonly file: string;
  /** The line of the example's opening fence, for failure messages. */
  readonly line: number;
  readonly kind: "sh" | "graphql" | "js" | "ts";
  readonly code: string;
  /** The answer shown right after it; null when the documentation shows none. */
  readonly answer: string | null;
}

const FENCE = /^```(\w*)\n([\s\S]*?)^```$/gm;

export function docExamples(file: string): DocExample[] {
  const text = fs.readFileSync(file, "utf8");
  const blocks: Array<{ lang: string; code: string; line: number; end: number }> = [];
  for (const match of text.matchAll(FENCE)) {
    blocks.push({ lang: match[1]!, code: match[2]!, line: text.slice(0, match.index).split("\n").length, end: match.index! + match[0].length });
  }
  const examples: DocExample[] = [];
  blocks.forEach((block, i) => {
    const runs = (block.lang === "sh" && /\bcurl\b/.test(block.code)) || ["graphql", "js", "ts"].includes(block.lang);
    if (!runs) return;
    const next = blocks[i + 1];
    // The answer belongs to the example only when nothing but prose-free space separates them.
    const answer = next && next.lang === "json" && text.slice(block.end, text.indexOf("```json", block.end)).trim() === "" ? next.code : null;
    examples.push({ file: path.basename(file), line: block.line, kind: block.lang as DocExample["kind"], code: block.code, answer });
  });
  return examples;
}

/** Lines of `json` blocks that follow no example: answers shown for something the test would never run. */
export function orphanAnswers(file: string): number[] {
  const text = fs.readFileSync(file, "utf8");
  const answered = new Set(docExamples(file).filter((e) => e.answer !== null).map((e) => e.answer));
  return [...text.matchAll(FENCE)].filter((m) => m[1] === "json" && !answered.has(m[2]!)).map((m) => text.slice(0, m.index).split("\n").length);
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What differs from one run to the next becomes a placeholder: times, key secrets and prefixes, ids. */
export function comparable(value: unknown): unknown {
  if (typeof value === "string") return ISO_TIME.test(value) ? "<time>" : value.startsWith("tsk_") ? "<key>" : UUID.test(value) ? "<id>" : value;
  if (Array.isArray(value)) return value.map(comparable);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, comparable(v)]));
  return value;
}
