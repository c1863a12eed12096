// The one rule of ARCHITECTURE.md: which way imports go, read from the source of src/.

import fs from "node:fs";
import path from "node:path";
import ts from "typescript";

const ROOT = path.resolve(__dirname, "../..");
const SRC = path.join(ROOT, "src");

type Zone = "engine" | "persistence" | "services" | "api" | "root" | "outside" | "package";

interface Import {
  /** Path of the importing file, relative to the repository, with "/". */
  readonly file: string;
  readonly specifier: string;
}

function tsFilesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return tsFilesUnder(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

const rel = (file: string) => path.relative(ROOT, file).split(path.sep).join("/");

/**
 * Every module specifier of a source text: `import … from "x"`, `import "x"`, `export … from "x"`,
 * `require("x")`, `import("x")`, across lines, ignoring comments and strings (TypeScript's own scanner).
 */
function specifiersOf(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

/** The zone of an import as seen from `file` (repository-relative). */
function zoneOf(file: string, specifier: string): Zone {
  if (!specifier.startsWith(".")) return "package";
  const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
  if (!target.startsWith("src/")) return "outside";
  // "src/engine/x", and "src/engine" itself (a directory's index), are in the engine zone
  const first = target.split("/")[1];
  return (["engine", "persistence", "services", "api"] as const).find((z) => z === first) ?? "root";
}

const zoneOfFile = (file: string): Zone => zoneOf("src/x.ts", `./${file.slice("src/".length)}`);

const isGraphQLPackage = (p: string) =>
  /^(graphql|type-graphql|graphql-scalars|graphql-ws)(\/|$)/.test(p) || p.startsWith("@apollo/");
const isTypeOrm = (p: string) => /^typeorm(\/|$)/.test(p);

/** Where a relative import leads, repository-relative; null for a package. */
const targetOf = (file: string, specifier: string): string | null =>
  specifier.startsWith(".") ? path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)) : null;

/** The breach an import makes, or null. */
function breachOf({ file, specifier }: Import): string | null {
  if (file.startsWith("client/")) {
    return targetOf(file, specifier)?.startsWith("client/") === false ? "the typed client (client/) imports nothing of the server's" : null;
  }
  if (targetOf(file, specifier)?.startsWith("client/") || specifier.startsWith("@tessera/client")) return "the server never imports the typed client (client/)";
  const from = zoneOfFile(file);
  const to = zoneOf(file, specifier);
  switch (from) {
    case "engine":
      return to === "engine" ? null : "src/engine imports nothing outside src/engine (no packages, no node: modules)";
    case "services":
      if (to === "api") return "src/services never imports src/api";
      if (to === "package" && isGraphQLPackage(specifier)) return "src/services never imports GraphQL";
      return null;
    case "api":
      if (to === "persistence") return "src/api never touches src/persistence";
      if (to === "package" && isTypeOrm(specifier)) return "src/api never imports typeorm";
      return null;
    case "persistence":
      if (to === "api" || to === "services") return "src/persistence never imports src/api or src/services";
      return null;
    default:
      return null;
  }
}

const FILES = tsFilesUnder(SRC).map((full) => ({ file: rel(full), text: fs.readFileSync(full, "utf8") }));
const IMPORTS: Import[] = FILES.flatMap(({ file, text }) => specifiersOf(text).map((specifier) => ({ file, specifier })));

describe("the parser (so this test cannot pass on a broken one)", () => {
  it("finds the source files of every zone", () => {
    const zones = new Set(FILES.map((f) => zoneOfFile(f.file)));
    expect([...zones].sort()).toEqual(["api", "engine", "persistence", "root", "services"]);
  });

  it("finds a known import: experiment.service.ts imports ../engine/allocation", () => {
    expect(IMPORTS).toContainEqual({ file: "src/services/experiment.service.ts", specifier: "../engine/allocation" });
  });

  it("finds imports in every engine file but the self-contained ones (types, errors, like, semver, xxh32, group-by)", () => {
    const engineFiles = FILES.filter((f) => f.file.startsWith("src/engine/")).map((f) => f.file);
    const importing = new Set(IMPORTS.filter((i) => i.file.startsWith("src/engine/")).map((i) => i.file));
    expect(engineFiles.filter((f) => !importing.has(f) && !/\/(types|errors|like|semver|xxh32|group-by)\.ts$/.test(f))).toEqual([]);
  });

  it("reads every form of import, across lines, and skips comments and strings", () => {
    const text = [
      'import a from "static-default";',
      'import type { B } from "./type-only";',
      "import {\n  c,\n  d,\n} from '../multi-line';",
      'import "side-effect";',
      'export * from "./re-export-all";',
      'export { e } from "./re-export";',
      'const f = require("required");',
      'const g = await import("dynamic");',
      '// import h from "in-a-comment";',
      '/* import i from "in-a-block-comment"; */',
      'const s = "import j from \\"in-a-string\\"";',
    ].join("\n");
    expect(specifiersOf(text)).toEqual([
      "static-default",
      "./type-only",
      "../multi-line",
      "side-effect",
      "./re-export-all",
      "./re-export",
      "required",
      "dynamic",
    ]);
  });
});

describe("the rule (so a breach would be caught)", () => {
  it.each<[string, string, boolean]>([
    ["src/engine/decide.ts", "./allocation", false],
    ["src/engine/decide.ts", "typeorm", true],
    ["src/engine/decide.ts", "xxhash-wasm", true],
    ["src/engine/decide.ts", "node:crypto", true],
    ["src/engine/decide.ts", "crypto", true],
    ["src/engine/decide.ts", "../logger", true],
    ["src/engine/decide.ts", "../services/caller", true],
    ["src/engine/sub/deep.ts", "../types", false],
    ["src/services/a.service.ts", "../engine/decide", false],
    ["src/services/a.service.ts", "../persistence/database", false],
    ["src/services/a.service.ts", "typeorm", false],
    ["src/services/a.service.ts", "graphql", true],
    ["src/services/a.service.ts", "graphql/error", true],
    ["src/services/a.service.ts", "type-graphql", true],
    ["src/services/a.service.ts", "@apollo/server", true],
    ["src/services/a.service.ts", "../api/context", true],
    ["src/services/a.service.ts", "../api", true],
    ["src/api/resolvers/x.resolver.ts", "../../services/caller", false],
    ["src/api/resolvers/x.resolver.ts", "type-graphql", false],
    ["src/api/resolvers/x.resolver.ts", "../../persistence/entities", true],
    ["src/api/context.ts", "../persistence/database", true],
    ["src/api/context.ts", "typeorm", true],
    ["src/persistence/x.repository.ts", "../engine/types", false],
    ["src/persistence/x.repository.ts", "../api/errors", true],
    ["src/persistence/entities/x.entity.ts", "../../services/caller", true],
    ["src/server.ts", "./api/schema", false],
    ["src/server.ts", "./persistence/database", false],
    ["src/persistence/migrations.ts", "../../migrations/1-Initial", false],
    ["src/engine/decide.ts", "../../migrations/1-Initial", true],
    ["src/server.ts", "../client/src", true],
    ["src/api/x.ts", "../../client/src/tessera-client", true],
    ["src/api/x.ts", "@tessera/client", true],
    ["client/src/tessera-client.ts", "./generated/graphql", false],
    ["client/src/tessera-client.ts", "graphql-ws/client", false],
    ["client/src/tessera-client.ts", "../../src/api/errors", true],
  ])("%s importing %p breaches: %p", (file, specifier, breach) => {
    expect(breachOf({ file, specifier }) !== null).toBe(breach);
  });
});

describe("src/ keeps the rule", () => {
  it.each(["engine", "services", "api", "persistence"])("no breach from src/%s", (zone) => {
    const breaches = IMPORTS.filter((i) => zoneOfFile(i.file) === zone)
      .map((i) => ({ ...i, breach: breachOf(i) }))
      .filter((i) => i.breach !== null);
    expect(breaches).toEqual([]);
  });

  it("and client/ imports only itself and packages", () => {
    const client = tsFilesUnder(path.join(ROOT, "client/src")).map((full) => ({ file: rel(full), text: fs.readFileSync(full, "utf8") }));
    const imports = client.flatMap(({ file, text }) => specifiersOf(text).map((specifier) => ({ file, specifier })));
    expect(imports).toContainEqual({ file: "client/src/tessera-client.ts", specifier: "graphql-ws/client" });
    expect(imports.filter((i) => breachOf(i) !== null)).toEqual([]);
  });

  it("has no console.log (the logger is pino)", () => {
    const offenders = FILES.filter(({ text }) => /\bconsole\s*\.\s*log\b/.test(text)).map((f) => f.file);
    expect(offenders).toEqual([]);
  });
});
