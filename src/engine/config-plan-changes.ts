// What an import changes, object by object, in words a reviewer reads before applying it (SPEC §15 plan).

import { countMovedSlots } from "./allocation";
import type { ConfigDocument, DocumentExperiment, DocumentFlag, DocumentLayer } from "./config-document";
import type { PlannedChange } from "./config-plan";
import { sameJson } from "./json-equal";
import type { JsonValue } from "./types";

const json = (value: unknown) => value as JsonValue;
const shown = (value: unknown) => (value === null ? "none" : typeof value === "string" ? `"${value}"` : String(value));

/** "field a → b" for scalars, the field's name alone for structures. */
function fieldChanges<T extends object>(before: T, after: T, fields: readonly (keyof T & string)[]): string[] {
  return fields.flatMap((field) => {
    const a = before[field];
    const b = after[field];
    if (sameJson(json(a), json(b))) return [];
    const structured = (a !== null && typeof a === "object") || (b !== null && typeof b === "object");
    return structured ? [field] : [`${field} ${shown(a)} → ${shown(b)}`];
  });
}

/** "+n −m" of two keyed lists, or nothing when they hold the same entries. */
function setChange<T>(label: string, before: readonly T[], after: readonly T[], id: (item: T) => string): string[] {
  const a = new Map(before.map((x) => [id(x), x]));
  const b = new Map(after.map((x) => [id(x), x]));
  const added = [...b.keys()].filter((k) => !a.has(k)).length;
  const removed = [...a.keys()].filter((k) => !b.has(k)).length;
  const changed = [...b.keys()].filter((k) => a.has(k) && !sameJson(json(a.get(k)), json(b.get(k)))).length;
  if (added + removed + changed === 0) return [];
  return [`${label} +${added} −${removed}${changed ? ` ~${changed}` : ""}`];
}

function layerDetail(before: DocumentLayer, after: DocumentLayer): string[] {
  return fieldChanges(before, after, ["description", "priority", "services", "enabled", "defaultParams"]);
}

function experimentDetail(before: DocumentExperiment, after: DocumentExperiment): string[] {
  const out = fieldChanges(before, after, ["state", "winner", "description", "services", "exclusionGroup", "rule", "traffic"]);
  for (const v of after.variants) {
    const old = before.variants.find((o) => o.key === v.key);
    if (!old) out.push(`variant "${v.key}" added (weight ${v.weight})`);
    else {
      if (old.weight !== v.weight) out.push(`weight of "${v.key}" ${old.weight} → ${v.weight}`);
      if (!sameJson(old.params, v.params)) out.push(`params of "${v.key}"`);
    }
  }
  for (const v of before.variants) if (!after.variants.some((n) => n.key === v.key)) out.push(`variant "${v.key}" removed`);
  const moved = countMovedSlots(before.ranges, after.ranges);
  if (moved > 0) out.push(`${moved} slots move`);
  else if (!sameJson(json(before.slots), json(after.slots))) out.push("slots");
  out.push(...setChange("overrides", before.overrides, after.overrides, (o) => o.actor));
  return out;
}

function flagDetail(before: DocumentFlag, after: DocumentFlag): string[] {
  return [
    ...fieldChanges(before, after, ["description", "services", "enabled", "archived", "variables", "rules"]),
    ...setChange("forced decisions", before.forcedDecisions, after.forcedDecisions, (f) => `${f.rule}\u0000${f.actor}`),
  ];
}

function changesOf<T extends { key: string }>(
  kind: PlannedChange["kind"],
  before: readonly T[],
  after: readonly T[],
  listed: ReadonlySet<string>,
  created: (item: T) => string,
  detail: (a: T, b: T) => string[],
  pruned: string,
): PlannedChange[] {
  const old = new Map(before.map((x) => [x.key, x]));
  return after.flatMap((item): PlannedChange[] => {
    const prior = old.get(item.key);
    if (!prior) return [{ kind, key: item.key, action: "CREATE", detail: created(item) }];
    if (sameJson(json(prior), json(item))) return [];
    if (!listed.has(item.key)) return [{ kind, key: item.key, action: "DELETE", detail: pruned }];
    return [{ kind, key: item.key, action: "UPDATE", detail: detail(prior, item).join("; ") || null }];
  });
}

/** Every object the import creates, changes or prunes, layers first, each kind by key. */
export function describeChanges(current: ConfigDocument, next: ConfigDocument, listed: ReadonlySet<string>): PlannedChange[] {
  return [
    ...changesOf("layer", current.layers, next.layers, listed, (l) => `priority ${l.priority}, services ${l.services.join(", ") || "none"}`, layerDetail, "disabled: not in the document (prune)"),
    ...changesOf(
      "experiment",
      current.experiments,
      next.experiments,
      listed,
      (e) => `${e.state} in ${e.layer === null ? "its own layer" : `layer "${e.layer}"`}, ${e.variants.length} variant(s), ${e.traffic} slots`,
      experimentDetail,
      "archived: not in the document (prune)",
    ),
    ...changesOf("flag", current.flags, next.flags, listed, (f) => `${f.rules.length} rule(s), ${f.enabled ? "enabled" : "disabled"}`, flagDetail, "archived: not in the document (prune)"),
  ];
}
