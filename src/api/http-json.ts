// JSON over node:http for the endpoints outside Apollo (/graphql's fast path, POST /experiment): reading
// a bounded body, and answering JSON, refusals and bad input in the GraphQL error shape.

import type http from "node:http";
import type { AccessRefusal } from "./access-refusal";

/** SPEC §13: bodies ≤ 1 MiB, else 413. */
export const MAX_BODY_BYTES = 1 << 20;

/** A body that could not be read as asked (too large): answered with its status and BAD_USER_INPUT. */
export class BodyError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const tooLarge = () => new BodyError(413, `request body exceeds ${MAX_BODY_BYTES} bytes`);
    if (Number(req.headers["content-length"] ?? 0) > MAX_BODY_BYTES) {
      reject(tooLarge());
      return;
    }
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit the rest is read and dropped (the 413 closes the connection),
      // so the client gets the answer instead of a reset.
      if (size > MAX_BODY_BYTES) reject(tooLarge());
      else chunks.push(chunk);
    });
    // Most bodies arrive in one chunk: decoded as it is, without the copy concat makes.
    req.on("end", () => resolve(chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...(status === 413 ? { connection: "close" } : {}),
  });
  res.end(text);
}

export const sendRefusal = (res: http.ServerResponse, refusal: AccessRefusal): void => sendJson(res, refusal.status, refusal.body(), refusal.headers());

export function sendBadRequest(res: http.ServerResponse, status: number, message: string, field = "body", headers: Record<string, string> = {}): void {
  sendJson(res, status, { errors: [{ message, extensions: { code: "BAD_USER_INPUT", field } }] }, headers);
}

/** application/json, with or without parameters (charset); `application/jsonx` or `text/plain; x=application/json` are not. */
export const isJsonContentType = (header: string | undefined): boolean => header?.split(";")[0]?.trim().toLowerCase() === "application/json";
