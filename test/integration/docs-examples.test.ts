// Every example of the README and docs/ runs against a real server, in order, and must answer what the
// documentation shows: the docs cannot rot. (`curl` blocks run in bash with TESSERA_KEY set; `graphql`
// blocks are posted with an ADMIN key; `js` and `ts` blocks run in node with TESSERA_URL and TESSERA_KEY; each
// answer is compared as JSON, times, secrets and ids aside.)

import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { type DocExample, comparable, docExamples, orphanAnswers } from "../helpers/doc-examples";
import { TEST_ADMIN_KEY, type TestServer, startTestServer } from "../helpers/test-server";

const ROOT = path.resolve(__dirname, "../..");
// The specification and the architecture are design documents: their blocks are contract text (SDL, JSON
// shapes), not examples. Of the rest, files with examples to run (Jest refuses an empty table).
const DESIGN = new Set(["spec.md", "architecture.md"]);
const PAGES = fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md") && !DESIGN.has(f));
const FILES = ["README.md", ...PAGES.sort().map((f) => `docs/${f}`)].filter(
  (file) => docExamples(path.join(ROOT, file)).length > 0 || orphanAnswers(path.join(ROOT, file)).length > 0,
);

/** Runs the example in bash, as a reader would paste it (asynchronously: the server answers in this process). */
function run(server: TestServer, example: DocExample): Promise<string> {
  const base = server.url.replace(/\/graphql$/, "");
  // A TypeScript example is written beside the sources it imports (`./client/src`) and run with ts-node.
  const tsFile = path.join(ROOT, `.docs-example-${example.line}.ts`);
  if (example.kind === "ts") fs.writeFileSync(tsFile, example.code);
  const script = {
    graphql: `curl -s ${base}/graphql -H "authorization: Bearer $TESSERA_KEY" -H 'content-type: application/json' --data-binary @-`,
    js: "node -",
    ts: `node -r ts-node/register/transpile-only ${JSON.stringify(tsFile)}`,
    sh: example.code.replaceAll("http://localhost:4000", base),
  }[example.kind];
  const input = example.kind === "graphql" ? JSON.stringify({ query: example.code }) : example.kind === "js" ? example.code : "";
  const env = { PATH: process.env.PATH, TESSERA_KEY: TEST_ADMIN_KEY, TESSERA_URL: server.url };
  return new Promise((resolve, reject) => {
    const child = execFile("bash", ["-c", script], { env, cwd: ROOT, encoding: "utf8", timeout: 30_000 }, (error, stdout, stderr) => {
      if (example.kind === "ts") fs.rmSync(tsFile, { force: true });
      if (error) reject(new Error(`${error.message}\n${stderr}`));
      else resolve(stdout);
    });
    child.stdin!.end(input);
  });
}

describe.each(FILES)("%s", (file) => {
  const examples = docExamples(path.join(ROOT, file));
  let server: TestServer;
  beforeAll(async () => {
    // As a reader's server: the bootstrap key at its default rate (the tests' own servers raise it).
    server = await startTestServer({ config: { auth: { enabled: true, adminKey: TEST_ADMIN_KEY, adminKeyRateLimit: 100 } } });
  });
  afterAll(async () => {
    await server.close();
  });

  it("shows no answer without the example it belongs to (a run-able block the test would miss)", () => {
    expect(orphanAnswers(path.join(ROOT, file))).toEqual([]);
  });

  it.each(examples.map((e) => [e.line, e] as const))("the example at line %i answers what the documentation shows", async (_line, example) => {
    const output = await run(server, example);
    const answer = JSON.parse(output) as { errors?: unknown };
    if (example.answer === null) {
      // No answer shown: it must at least succeed.
      expect(answer.errors).toBeUndefined();
      return;
    }
    expect(comparable(answer)).toEqual(comparable(JSON.parse(example.answer)));
  });
});
