// Baseline "bare": node:http answering a fixed JSON body of a decide answer's size, nothing else.

import http from "node:http";
import { serveAsChild } from "./child-entry";
import { constantDecision } from "./requests";

const body = Buffer.from(JSON.stringify({ data: { decide: constantDecision() } }));

const server = http.createServer((req, res) => {
  // The request body is read to its end, as any server must, but not parsed: that is the floor of HTTP.
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": body.length });
    res.end(body);
  });
});

serveAsChild(server);
