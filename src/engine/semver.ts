// Semantic versions for targeting rules (SPEC §4): lenient parsing, SemVer 2.0 precedence.

/** A parsed version; build metadata is dropped because it never affects precedence. */
export interface Semver {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** Prerelease identifiers, numeric ones as numbers; empty for a release. */
  readonly pre: readonly (number | string)[];
}

// Identifiers are SemVer 2.0's [0-9A-Za-z-]; only a lowercase "v" prefix is accepted, no spaces.
const IDENTS = "[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*";
const SEMVER = new RegExp(`^v?(\\d+)(?:\\.(\\d+)(?:\\.(\\d+))?)?(?:-(${IDENTS}))?(?:\\+${IDENTS})?$`);
const DIGITS = /^\d+$/;

/** A core part or numeric identifier, or NaN when it is too large to compare exactly. */
function exactNumber(digits: string | undefined): number {
  if (digits === undefined) return 0;
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : Number.NaN;
}

/**
 * Parses `[v]MAJOR[.MINOR[.PATCH]][-pre][+build]`; missing parts are 0. Returns null for anything
 * else, including numbers beyond 2^53 − 1 (which could not be compared exactly). Leading zeros are
 * tolerated ("2.01" is 2.1.0; prerelease "rc.01" equals "rc.1"): clients send such strings, and
 * refusing them would only turn a comparison into "false".
 */
export function parseSemver(text: string): Semver | null {
  const m = SEMVER.exec(text);
  if (m === null) return null;
  const major = exactNumber(m[1]);
  const minor = exactNumber(m[2]);
  const patch = exactNumber(m[3]);
  if (Number.isNaN(major) || Number.isNaN(minor) || Number.isNaN(patch)) return null;
  const pre: (number | string)[] = [];
  if (m[4] !== undefined) {
    for (const id of m[4].split(".")) {
      if (!DIGITS.test(id)) pre.push(id);
      else {
        const n = exactNumber(id);
        if (Number.isNaN(n)) return null;
        pre.push(n);
      }
    }
  }
  return { major, minor, patch, pre };
}

/** SemVer 2.0 precedence of two prerelease identifiers: numeric ones are lower than alphanumeric. */
function compareIdentifier(a: number | string, b: number | string): number {
  if (typeof a === "number") return typeof b === "number" ? a - b : -1;
  if (typeof b === "number") return 1;
  // Identifiers are ASCII, so code-unit order is SemVer's "lexically in ASCII sort order".
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Negative, zero or positive as `a` has lower, equal or higher precedence than `b`
 * (2.10.0 > 2.9.0; 1.0.0-rc.1 < 1.0.0; 1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-alpha.beta).
 */
export function compareSemver(a: Semver, b: Semver): number {
  if (a.major !== b.major) return a.major - b.major;
  if (a.minor !== b.minor) return a.minor - b.minor;
  if (a.patch !== b.patch) return a.patch - b.patch;
  const ap = a.pre;
  const bp = b.pre;
  // A release outranks every prerelease of the same core version.
  if (ap.length === 0 || bp.length === 0) return bp.length - ap.length;
  const n = Math.min(ap.length, bp.length);
  for (let i = 0; i < n; i++) {
    const c = compareIdentifier(ap[i], bp[i]);
    if (c !== 0) return c;
  }
  return ap.length - bp.length;
}

/** A string that two versions share exactly when they have equal precedence (for Set lookups). */
export function semverKey(v: Semver): string {
  const core = `${v.major}.${v.minor}.${v.patch}`;
  // Numeric identifiers are numbers and strings never hold only digits, so the join is unambiguous.
  return v.pre.length === 0 ? core : `${core}-${v.pre.join(".")}`;
}
