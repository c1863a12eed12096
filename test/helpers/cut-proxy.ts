// A TCP proxy between the app and PostgreSQL that breaks a connection the moment the app sends a given statement.

import net from "node:net";

export interface CutProxy {
  /** The database URL, through the proxy. */
  readonly url: string;
  /** Connections broken so far. */
  readonly cuts: number;
  /** While set, a connection whose client sends a chunk containing `text` is destroyed both ways, that chunk not forwarded. */
  cutOn(text: string | null): void;
  close(): Promise<void>;
}

export async function startCutProxy(databaseUrl: string): Promise<CutProxy> {
  const target = new URL(databaseUrl);
  const sockets = new Set<net.Socket>();
  let trigger: string | null = null;
  let cuts = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on("data", (chunk: Buffer) => {
      if (trigger !== null && chunk.includes(trigger)) {
        cuts++;
        client.destroy();
        upstream.destroy();
      } else upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = new URL(databaseUrl);
  url.hostname = "127.0.0.1";
  url.port = String((server.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    get cuts() {
      return cuts;
    },
    cutOn: (text) => (trigger = text),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
