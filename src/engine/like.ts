// The `like` pattern language of targeting rules (SPEC §4): `*` wildcards, `\*` a literal star.

/** A compiled pattern: true when the whole text matches, case-sensitively. */
export type LikeMatcher = (text: string) => boolean;

/**
 * Splits a pattern at its unescaped stars. `\*` is a literal star and `\\` a literal backslash;
 * a backslash before anything else (or at the end) is itself literal, so a pattern such as
 * `C:\temp\*` means what it looks like. Nothing else is special: `.`, `+`, `(`, `?`, `[`, `$`
 * … are ordinary characters.
 */
function likeSegments(pattern: string): string[] {
  const segments: string[] = [];
  let current = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    const next = pattern[i + 1];
    if (ch === "\\" && (next === "*" || next === "\\")) {
      current += next;
      i++;
    } else if (ch === "*") {
      segments.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  segments.push(current);
  return segments;
}

/**
 * Compiles a pattern once, anchored at both ends. It is deliberately not a RegExp: the literal
 * runs between stars are matched with `startsWith`/`indexOf`/`endsWith`, taking the leftmost
 * occurrence of each middle run, which is exact for star-only globs. That needs no escaping (no
 * metacharacter can leak into a regex), allocates nothing per call, and takes O(text × pattern)
 * at worst, whereas a backtracking regex such as `^.*a.*a.*a.*b$` is polynomial of the degree of
 * its star count on a long attribute value sent by any client.
 */
export function compileLike(pattern: string): LikeMatcher {
  const segments = likeSegments(pattern);
  const head = segments[0];
  if (segments.length === 1) return (text) => text === head;
  const tail = segments[segments.length - 1];
  // Empty runs (from "**", or a leading or trailing star) constrain nothing.
  const middle = segments.slice(1, -1).filter((s) => s.length > 0);
  const fixed = head.length + tail.length;
  if (middle.length === 0) {
    return (text) => text.length >= fixed && text.startsWith(head) && text.endsWith(tail);
  }
  return (text) => {
    if (text.length < fixed || !text.startsWith(head)) return false;
    let at = head.length;
    for (let i = 0; i < middle.length; i++) {
      const found = text.indexOf(middle[i], at);
      if (found < 0) return false;
      at = found + middle[i].length;
    }
    // The tail must start at or after the end of the last middle run.
    return at <= text.length - tail.length && text.endsWith(tail);
  };
}
