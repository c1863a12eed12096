// SharedRules: equal targeting rules compiled into one closure, kept from one snapshot to the next.

import { type CompiledRule, compileRule } from "./rules";
import type { JsonObject } from "./types";

/**
 * compileRule for many experiments at once: equal rules (same JSON text) get one closure.
 * Many experiments target alike ("country is US"), and a decision remembers the last closure
 * it evaluated (see `decideService`), so sharing them is what makes that memo hit. A snapshot
 * derived from another compiles through the same cache, so a rule recompiled in a changed layer
 * is still the closure the unchanged layers hold. Entries are only ever added, which leaves
 * older snapshots sharing the cache unaffected; `retaining` drops those no experiment uses.
 */
export class SharedRules {
  private readonly byText = new Map<string, CompiledRule>();

  readonly compile = (rule: JsonObject): CompiledRule => {
    const text = JSON.stringify(rule);
    let closure = this.byText.get(text);
    if (closure === undefined) this.byText.set(text, (closure = compileRule(rule)));
    return closure;
  };

  get size(): number {
    return this.byText.size;
  }

  /** A new cache holding only the closures in `live` (this one is left as it is). */
  retaining(live: ReadonlySet<CompiledRule>): SharedRules {
    const next = new SharedRules();
    for (const [text, closure] of this.byText) if (live.has(closure)) next.byText.set(text, closure);
    return next;
  }
}
