// Who a decision is about (the actor) and what it hashes (the actor, or the context's `$bucketing_id`).

import type { JsonObject, JsonValue } from "./types";

/** The longest actor an assignment can be stored for; longer ones are refused, never decided as "no actor". */
export const MAX_ACTOR_LENGTH = 512;

/** The context attribute that replaces the actor in slot computations (SPEC §16, Optimizely's bucketing id). */
export const BUCKETING_ID = "$bucketing_id";

/** The actor a layer or flag hashes: its hash-key attribute as a string (numbers as their JSON text). */
export function actorOf(context: JsonObject, hashKey: string): string | undefined {
  const value: JsonValue | undefined = context[hashKey];
  if (typeof value === "string") return value === "" ? undefined : value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * The context's `$bucketing_id` when it is a non-empty string, else undefined: the actor is hashed.
 * Only slots use it; overrides, forced decisions and stored assignments stay the actor's. An empty
 * string would put every context that sends one in the same slot, so it counts as absent, as does
 * any other type (Optimizely falls back to the user id when the attribute is not a string).
 */
export function bucketingIdOf(context: JsonObject): string | undefined {
  const value = context[BUCKETING_ID];
  return typeof value === "string" && value !== "" ? value : undefined;
}
