// The child side of a baseline server: listen on a free loopback port, tell the parent, die with the parent.

import { createServer } from "node:http";
import type http from "node:http";
import type { AddressInfo } from "node:net";

export interface ReadyMessage {
  readonly ready: number;
}

export function serveAsChild(server: http.Server): void {
  // Keep-alive longer than any run: autocannon's 50 connections must not be recycled mid-measurement.
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => {
    const message: ReadyMessage = { ready: (server.address() as AddressInfo).port };
    process.send?.(message);
  });
  // The IPC channel closes when the parent dies, however it dies: no orphan keeps a port and a core.
  process.on("disconnect", () => process.exit(0));
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
}

/** A node:http server answering every request with `body`: the bare baselines (SPEC §11's "bare node:http"). */
export function fixedBodyServer(body: Buffer): http.Server {
  return createServer((req, res) => {
    // The request body is read to its end, as any server must, but not parsed: that is the floor of HTTP.
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": body.length });
      res.end(body);
    });
  });
}
