// ResponseBatch over a real node:http server: answers held for the turn all go out; one that cannot be written
// is cut off without holding back the others; a large body is written at once.

import http from "node:http";
import type { AddressInfo } from "node:net";
import { ResponseBatch } from "../../src/response-batch";

let server: http.Server;
let url: string;
const batch = new ResponseBatch();

beforeAll(async () => {
  server = http.createServer((req, res) => {
    // "/broken": its head is already sent, so writing the held answer throws (ERR_HTTP_HEADERS_SENT).
    if (req.url === "/broken") {
      res.writeHead(200);
      res.flushHeaders();
    }
    const size = Number(new URL(req.url ?? "/", "http://x").searchParams.get("size") ?? 0);
    batch.json(res, JSON.stringify({ path: req.url, pad: "x".repeat(size) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const read = async (path: string) => {
  const res = await fetch(url + path);
  return { status: res.status, type: res.headers.get("content-type"), body: (await res.json()) as { path: string; pad: string } };
};

it("answers every request held in one turn, each with its own body", async () => {
  const paths = Array.from({ length: 20 }, (_, i) => `/r${i}`);
  const answers = await Promise.all(paths.map(read));
  expect(answers.map((a) => [a.status, a.type, a.body.path])).toEqual(paths.map((p) => [200, "application/json; charset=utf-8", p]));
});

it("cuts off an answer that cannot be written and still writes the others of its turn", async () => {
  const [broken, ...others] = await Promise.allSettled([
    fetch(`${url}/broken`).then((r) => r.text()),
    read("/a"),
    read("/b"),
  ]);
  expect(broken!.status).toBe("rejected");
  expect(others.map((o) => (o.status === "fulfilled" ? o.value.body.path : o.reason))).toEqual(["/a", "/b"]);
});

it("writes a large body whole", async () => {
  const answer = await read("/big?size=100000");
  expect(answer.body.pad).toHaveLength(100_000);
});
