// A TCP proxy a test puts between the app and PostgreSQL: it passes, refuses, or hangs on command.

import net from "node:net";

/**
 * - pass: connections are forwarded both ways;
 * - refuse: nothing listens (a new connection is refused) and every open connection is destroyed,
 *   as when PostgreSQL is stopped;
 * - hang: new connections are accepted and never forwarded, open ones stall (nothing moves either
 *   way), as when the server or the network stops answering without closing anything.
 * Back to pass, stalled and held connections move again (the network healed).
 */
export type ProxyMode = "pass" | "refuse" | "hang";

export interface TcpProxy {
  readonly port: number;
  readonly mode: ProxyMode;
  /** Connections the proxy has accepted so far. */
  readonly accepted: number;
  /** Connections broken by `cutOn` so far. */
  readonly cuts: number;
  /** `url` (postgres://…) with its host and port replaced by the proxy's. */
  urlFor(url: string): string;
  /** While set, a connection whose client sends a chunk containing `text` is destroyed both ways, that chunk not forwarded. */
  cutOn(text: string | null): void;
  setMode(mode: ProxyMode): Promise<void>;
  close(): Promise<void>;
}

interface Link {
  readonly client: net.Socket;
  upstream: net.Socket | null;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const links = new Set<Link>();
  let mode: ProxyMode = "pass";
  let accepted = 0;
  let trigger: string | null = null;
  let cuts = 0;

  const forward = (link: Link) => {
    const upstream = net.connect(target.port, target.host);
    link.upstream = upstream;
    const { client } = link;
    client.on("data", (chunk: Buffer) => {
      if (trigger === null || !chunk.includes(trigger)) upstream.write(chunk);
      else {
        cuts++;
        client.destroy();
        upstream.destroy();
      }
    });
    upstream.on("data", (chunk) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      links.delete(link);
    };
    client.on("close", end);
    upstream.on("close", end);
    upstream.on("error", () => {});
    client.resume();
  };

  const server = net.createServer((client) => {
    accepted++;
    const link: Link = { client, upstream: null };
    links.add(link);
    client.on("error", () => {});
    if (mode === "hang") {
      client.pause();
      client.on("close", () => links.delete(link));
    } else forward(link);
  });

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;

  const setMode = async (next: ProxyMode) => {
    const previous = mode;
    if (next === previous) return;
    mode = next;
    if (next === "refuse") {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const link of links) {
        link.client.destroy();
        link.upstream?.destroy();
      }
      links.clear();
      await closed;
      return;
    }
    if (previous === "refuse") await listen(port);
    for (const link of links) {
      if (next === "hang") {
        link.client.pause();
        link.upstream?.pause();
      } else if (link.upstream === null) forward(link);
      else {
        link.client.resume();
        link.upstream.resume();
      }
    }
  };

  return {
    port,
    get mode() {
      return mode;
    },
    get accepted() {
      return accepted;
    },
    get cuts() {
      return cuts;
    },
    cutOn: (text) => (trigger = text),
    urlFor(url) {
      const proxied = new URL(url);
      proxied.hostname = "127.0.0.1";
      proxied.port = String(port);
      return proxied.toString();
    },
    setMode,
    async close() {
      await setMode("refuse");
    },
  };
}
