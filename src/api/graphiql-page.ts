// The development IDE: GraphiQL's page at GET /graphql, its scripts and styles served from the installed
// packages under /graphiql/ (no CDN: it works offline), with an API key field for every request it sends.

import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type http from "node:http";
import path from "node:path";

/** Where the page's files are served; the only names answered are ASSETS' keys (no path is joined from a URL). */
export const GRAPHIQL_PREFIX = "/graphiql/";

const packageDir = (name: string): string => path.dirname(require.resolve(`${name}/package.json`));

/** The allow-list: URL name → file of an installed package (React 18's UMD builds are what GraphiQL 3's bundle expects as globals). */
const ASSETS: Readonly<Record<string, { readonly file: () => string; readonly type: string }>> = {
  "react.production.min.js": { file: () => path.join(packageDir("react"), "umd/react.production.min.js"), type: "text/javascript; charset=utf-8" },
  "react-dom.production.min.js": { file: () => path.join(packageDir("react-dom"), "umd/react-dom.production.min.js"), type: "text/javascript; charset=utf-8" },
  "graphiql.min.js": { file: () => path.join(packageDir("graphiql"), "graphiql.min.js"), type: "text/javascript; charset=utf-8" },
  "graphiql.min.css": { file: () => path.join(packageDir("graphiql"), "graphiql.min.css"), type: "text/css; charset=utf-8" },
};

/** localStorage item holding the key the page sends. */
const KEY_ITEM = "tessera.apiKey";

/**
 * The page's own script, served as a file so that the page's CSP allows no inline script.
 * A new fetcher per key: GraphiQL then fetches the schema again, now with the key.
 */
const IDE_SCRIPT = `"use strict";
(function () {
  var input = document.getElementById("api-key");
  var endpoint = location.origin + location.pathname;
  input.value = localStorage.getItem(${JSON.stringify(KEY_ITEM)}) || "";
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  function render() {
    var key = input.value.trim();
    var auth = key === "" ? {} : { authorization: "Bearer " + key };
    var fetcher = GraphiQL.createFetcher({ url: endpoint, subscriptionUrl: endpoint.replace(/^http/, "ws"), headers: auth, wsConnectionParams: auth });
    root.render(React.createElement(GraphiQL, { fetcher: fetcher }));
  }
  input.addEventListener("change", function () {
    localStorage.setItem(${JSON.stringify(KEY_ITEM)}, input.value.trim());
    render();
  });
  render();
})();
`;

// Relative URLs: the page works behind a proxy that serves /graphql under a prefix.
const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tessera · GraphiQL</title>
<link rel="stylesheet" href="graphiql/graphiql.min.css">
<style>
  body { margin: 0; height: 100vh; display: flex; flex-direction: column; font-family: system-ui, sans-serif; }
  #key-bar { display: flex; gap: 0.5em; align-items: center; padding: 0.4em 0.8em; font-size: 14px; border-bottom: 1px solid #ddd; }
  #api-key { flex: 1; max-width: 40em; font-family: monospace; }
  #graphiql { flex: 1; min-height: 0; }
</style>
</head>
<body>
<div id="key-bar">
  <label for="api-key">API key</label>
  <input id="api-key" type="password" autocomplete="off" spellcheck="false" placeholder="tsk_… (sent as authorization: Bearer; kept in this browser's localStorage)">
</div>
<div id="graphiql">Loading GraphiQL…</div>
<script src="graphiql/react.production.min.js"></script>
<script src="graphiql/react-dom.production.min.js"></script>
<script src="graphiql/graphiql.min.js"></script>
<script src="graphiql/tessera-ide.js"></script>
</body>
</html>
`;

/**
 * Only this server's own files and connections (ws: for subscriptions); styles may be inline
 * (GraphiQL and CodeMirror set them), scripts may not; no framing (the page holds a key).
 */
const PAGE_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self' data:; img-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache",
};

interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

const asset = (body: Buffer, type: string): Asset => ({ body, type, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"` });

export interface GraphiQLIde {
  sendPage(res: http.ServerResponse): void;
  /** Answers `name` (the path after GRAPHIQL_PREFIX) from the allow-list; anything else is 404. */
  sendAsset(req: http.IncomingMessage, res: http.ServerResponse, name: string): Promise<void>;
}

export function graphiqlIde(): GraphiQLIde {
  // Read at first use and kept (about 4 MB, development only): the files do not change while the process runs.
  const loaded = new Map<string, Promise<Asset>>([["tessera-ide.js", Promise.resolve(asset(Buffer.from(IDE_SCRIPT), "text/javascript; charset=utf-8"))]]);
  const load = (name: string): Promise<Asset> | undefined => {
    let found = loaded.get(name);
    const entry = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (found === undefined && entry !== undefined) {
      found = readFile(entry.file()).then((body) => asset(body, entry.type));
      loaded.set(name, found);
    }
    return found;
  };
  return {
    sendPage(res) {
      res.writeHead(200, PAGE_HEADERS);
      res.end(PAGE);
    },
    async sendAsset(req, res, name) {
      const found = req.method === "GET" || req.method === "HEAD" ? load(name) : undefined;
      if (found === undefined) {
        res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
        res.end("not found\n");
        return;
      }
      const { body, type, etag } = await found;
      const headers = { "content-type": type, etag, "cache-control": "no-cache", "x-content-type-options": "nosniff" };
      if (req.headers["if-none-match"] === etag) {
        res.writeHead(304, headers);
        res.end();
        return;
      }
      res.writeHead(200, { ...headers, "content-length": body.length });
      res.end(req.method === "HEAD" ? undefined : body);
    },
  };
}
