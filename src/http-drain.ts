// HttpDrain: a graceful stop for node:http: every request accepted is answered whole, keep-alive connections end between requests.

import type http from "node:http";
import type net from "node:net";
import type { Logger } from "./logger";

/**
 * Turns of the event loop to let pass before idle connections are closed. A busy loop leaves
 * requests unread in the sockets; closing such a connection would reset a request the client
 * has sent. The first turn finishes the one the stop began in, the second reads every socket
 * that has bytes waiting (and accepts pending connections), the third reads those new ones.
 */
const READ_TURNS = 3;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Apollo's drain plugin ends an idle socket with a FIN: a request already on its way is still
 * read (the server allows half-open sockets) and executed, then cannot be answered. Here, once
 * stopping, every answer carries `Connection: close`, so a client never sends another request on
 * that connection; a connection idle once the waiting bytes are read is destroyed before anything
 * arrives on it; the process stops when the last connection is gone.
 */
export class HttpDrain {
  /** Each open connection and the last response begun on it. */
  private readonly connections = new Map<net.Socket, http.ServerResponse | undefined>();
  private stopping: Promise<void> | null = null;

  /** Must be created before the server's own "request" listener: the header is set before any answer. */
  constructor(
    private readonly server: http.Server,
    private readonly logger: Logger,
    /** Past this, connections still open are destroyed (a client that never finishes its request). */
    private readonly graceMs = 10_000,
  ) {
    server.on("connection", (socket: net.Socket) => {
      this.connections.set(socket, undefined);
      socket.once("close", () => this.connections.delete(socket));
    });
    server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
      if (this.stopping) res.setHeader("connection", "close");
      else this.connections.set(req.socket, res);
    });
  }

  /** Stops accepting, answers every request begun, closes every connection; resolves when none is left. */
  stop(): Promise<void> {
    this.stopping ??= this.drain();
    return this.stopping;
  }

  private async drain(): Promise<void> {
    for (const res of this.connections.values()) {
      if (!res || res.writableFinished) continue;
      if (!res.headersSent) res.setHeader("connection", "close");
      // Headers already out (a streamed answer): its connection turns idle when it ends.
      else res.once("finish", () => void this.closeIdleAfterReading());
    }
    await this.readWaiting();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // Node's close() destroys the connections idle now; the others end after their answer.
    const timer = setTimeout(() => {
      this.logger.warn({ connections: this.connections.size, graceMs: this.graceMs }, "connections still open after the grace period: destroyed");
      for (const socket of this.connections.keys()) socket.destroy();
    }, this.graceMs);
    await closed;
    clearTimeout(timer);
  }

  private async readWaiting(): Promise<void> {
    for (let i = 0; i < READ_TURNS; i++) await nextTurn();
  }

  private async closeIdleAfterReading(): Promise<void> {
    await this.readWaiting();
    this.server.closeIdleConnections();
  }
}
