// GraphiQL in development, served from the installed packages: its page and allow-listed files over HTTP (production
// serves none: hardening.test.ts), and a real `decide` run from headless Chromium with every request off this machine blocked.
//
// The browser is Debian's chromium (CHROMIUM_PATH to use another). Missing, the browser test fails, unless
// TESSERA_NO_BROWSER says why it could not be installed (.ci/run sets it): then that reason is what this file reports.

import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { chromium } from "playwright-core";
import { FIFTY_FIFTY } from "../helpers/factories";
import { startTestServer, TEST_ADMIN_KEY, type TestServer } from "../helpers/test-server";

const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const NO_BROWSER = process.env.TESSERA_NO_BROWSER;

let dev: TestServer;
beforeAll(async () => {
  dev = await startTestServer();
});
afterAll(() => dev?.close());

/** A GET as a browser sends it, the path exactly as given (fetch would normalize `..`). */
function get(server: TestServer, pathname: string, headers: Record<string, string> = {}, method = "GET"): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path: pathname, method, headers: { accept: "text/html,*/*", ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

const installed = (pkg: string, file: string) => fs.readFileSync(path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file));

describe("over HTTP", () => {
  it("development: GET /graphql from a browser is GraphiQL; every file it loads comes from this server, from the installed packages", async () => {
    const page = await get(dev, "/graphql");
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.headers["content-security-policy"]).toContain("script-src 'self'");
    const html = page.body.toString();
    expect(html).toContain('<input id="api-key"');
    expect(html).not.toMatch(/https?:|\/\//);
    const loaded = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(loaded).toEqual(["graphiql/graphiql.min.css", "graphiql/react.production.min.js", "graphiql/react-dom.production.min.js", "graphiql/graphiql.min.js", "graphiql/tessera-ide.js"]);
    const expected: Record<string, Buffer | null> = {
      "graphiql/graphiql.min.css": installed("graphiql", "graphiql.min.css"),
      "graphiql/react.production.min.js": installed("react", "umd/react.production.min.js"),
      "graphiql/react-dom.production.min.js": installed("react-dom", "umd/react-dom.production.min.js"),
      "graphiql/graphiql.min.js": installed("graphiql", "graphiql.min.js"),
      "graphiql/tessera-ide.js": null,
    };
    for (const file of loaded) {
      const res = await get(dev, `/${file}`);
      expect([file, res.status, res.headers["content-type"]]).toEqual([file, 200, file.endsWith(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8"]);
      if (expected[file]) expect(res.body.equals(expected[file])).toBe(true);
      // A browser asking again gets 304 and keeps its copy.
      expect((await get(dev, `/${file}`, { "if-none-match": String(res.headers.etag) })).status).toBe(304);
    }
    // The page script sets the key on both transports.
    const script = (await get(dev, "/graphiql/tessera-ide.js")).body.toString();
    expect(script).toContain("headers: auth, wsConnectionParams: auth");
  });

  it("the page needs no key, operations still do", async () => {
    expect((await get(dev, "/graphql?query=%7BconfigVersion%7D")).status).toBe(401);
    const res = await fetch(dev.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ configVersion }" }) });
    expect(res.status).toBe(401);
  });

  it("only the allow-listed names are served: no other file of the packages, no path traversal, GET and HEAD only", async () => {
    for (const name of ["graphiql.min.js.map", "graphiql.js", "GRAPHIQL.MIN.JS", "../package.json", "..%2fpackage.json", "%2e%2e/%2e%2e/package.json", "./graphiql.min.js", "react/umd/react.production.min.js", "", "constructor", "__proto__", "hasOwnProperty", "graphiql.min.js/"]) {
      const res = await get(dev, `/graphiql/${name}`);
      expect([name, res.status]).toEqual([name, 404]);
    }
    expect((await get(dev, "/graphiql/graphiql.min.js", {}, "POST")).status).toBe(404);
    const head = await get(dev, "/graphiql/graphiql.min.css", {}, "HEAD");
    expect([head.status, head.body.length]).toEqual([200, 0]);
  });
});

const DECIDE_TEXT = `{ decide(services: ["ide_svc"], context: { user_id: "ide-user-7" }) { results { service vids experiments { experiment variant source } } } }`;

const QUERY_EDITOR = ".graphiql-query-editor .CodeMirror";
const RESULT_PANE = ".result-window .CodeMirror";

/** In the page: the text of the CodeMirror editor at `selector` (CodeMirror 5 hangs itself on its element), "" until there is one. */
const editorText = (selector: string): string => (globalThis as any).document.querySelector(selector)?.CodeMirror.getValue() ?? "";

/** In the page: the editor at `selector` shows `wanted` (page functions cannot call each other: this is editorText again). */
const includes = ([selector, wanted]: [string, string]): boolean => ((globalThis as any).document.querySelector(selector)?.CodeMirror.getValue() ?? "").includes(wanted);

/** In the page: GraphiQL has parsed the query editor's text (a moment after each edit) into an operation of `kind`. */
const parsedAs = ([selector, kind]: [string, string]): boolean => (globalThis as any).document.querySelector(selector)?.CodeMirror.documentAST?.definitions[0]?.operation === kind;

if (fs.existsSync(CHROMIUM) || !NO_BROWSER) {
  it("in headless Chromium, offline: the API key typed in, a decide run and a subscription followed, their answers in the result pane", async () => {
    if (!fs.existsSync(CHROMIUM)) {
      throw new Error(`Chromium is not installed at ${CHROMIUM}: install it (apt-get install chromium) or set CHROMIUM_PATH; or set TESSERA_NO_BROWSER=<why> where it cannot be installed (.ci/run does)`);
    }
    const created = await dev.gql(`mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { key } }`, { input: { key: "ide_exp", variants: FIFTY_FIFTY, services: ["ide_svc"] } });
    expect(created.errors).toBeUndefined();
    expect((await dev.gql(`mutation { startExperiment(key: "ide_exp") { state } }`)).errors).toBeUndefined();

    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
    try {
      const context = await browser.newContext();
      const outside: string[] = [];
      await context.route("**/*", (route) => {
        const url = new URL(route.request().url());
        if (url.hostname === "127.0.0.1") return route.continue();
        outside.push(url.href);
        return route.abort();
      });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on("pageerror", (error) => problems.push(error.message));
      page.on("console", (message) => message.text().includes("Content Security Policy") && problems.push(message.text()));
      await page.goto(dev.url);
      await page.fill("#api-key", TEST_ADMIN_KEY);
      await page.press("#api-key", "Tab");
      // The key is remembered by this browser.
      await page.reload();
      expect(await page.inputValue("#api-key")).toBe(TEST_ADMIN_KEY);

      const run = async (text: string, kind: string, until: string) => {
        await page.click(QUERY_EDITOR);
        await page.keyboard.press("Control+A");
        await page.keyboard.insertText(text);
        // GraphiQL picks HTTP or graphql-ws by the parsed operation.
        await page.waitForFunction(parsedAs, [QUERY_EDITOR, kind] as [string, string]);
        await page.click(".graphiql-execute-button");
        await page.waitForFunction(includes, [RESULT_PANE, until] as [string, string]);
        return JSON.parse(await page.evaluate(editorText, RESULT_PANE));
      };
      const shown = await run(DECIDE_TEXT, "query", '"decide"');

      // The same decision the API gives (stored by the browser's request: STICKY from now on).
      const again = await dev.gql(`{ decide(services: ["ide_svc"], context: { user_id: "ide-user-7" }) { results { experiments { variant source } } } }`);
      expect(again.data.decide.results[0].experiments).toEqual([{ variant: expect.stringMatching(/^(control|treatment)$/), source: "STICKY" }]);
      const { variant } = again.data.decide.results[0].experiments[0];
      expect(shown).toEqual({ data: { decide: { results: [{ service: "ide_svc", vids: [expect.any(Number)], experiments: [{ experiment: "ide_exp", variant, source: "BUCKET" }] }] } } });

      // Subscriptions go over graphql-ws with the key in connectionParams (since: 0 replays the experiment's creation).
      const sockets: string[] = [];
      page.on("websocket", (socket) => sockets.push(socket.url()));
      const change = await run(`subscription { configChanged(since: 0) { kind keys } }`, "subscription", '"configChanged"');
      expect(change).toEqual({ data: { configChanged: { kind: "experiment", keys: ["ide_exp"] } } });
      expect(sockets).toEqual([dev.url.replace(/^http/, "ws")]);
      expect(outside).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
} else {
  it(`the browser test did not run: TESSERA_NO_BROWSER says "${NO_BROWSER}"`, () => {
    process.stderr.write(`graphiql.test.ts: no browser test, Chromium is not at ${CHROMIUM}: ${NO_BROWSER}\n`);
    // The reason only excuses a missing browser: where Chromium is, the test above runs.
    expect(fs.existsSync(CHROMIUM)).toBe(false);
  });
}
