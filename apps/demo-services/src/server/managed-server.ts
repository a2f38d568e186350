import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from "node:http";
import type { Socket } from "node:net";
import { markServerAborted } from "../recording/server-aborted.js";

/**
 * An HTTP server that can stop listening and start again on the same port
 * (the `refuse` fault), and that really closes: every socket, including
 * ones held open by a hung request, is destroyed on close.
 */
export class ManagedServer {
  readonly #server: Server;
  readonly #host: string;
  readonly #sockets = new Set<Socket>();
  readonly #open = new Set<ServerResponse>();
  #port: number;
  #refusing = false;
  #closed = false;

  constructor(handler: RequestListener, host: string, port: number) {
    this.#host = host;
    this.#port = port;
    this.#server = createServer((req, res) => this.#onRequest(handler, req, res));
    this.#server.on("connection", (socket) => {
      this.#sockets.add(socket);
      socket.once("close", () => this.#sockets.delete(socket));
    });
  }

  /** The bound port (the real one once listening on port 0). */
  get port(): number {
    return this.#port;
  }

  get host(): string {
    return this.#host;
  }

  get refusing(): boolean {
    return this.#refusing;
  }

  /** `http://host:port`, with IPv6 hosts in brackets. */
  get url(): string {
    const host = this.#host.includes(":") ? `[${this.#host}]` : this.#host;
    return `http://${host}:${this.#port}`;
  }

  async listen(): Promise<void> {
    const server = this.#server;
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => {
        server.off("listening", onListening);
        reject(error);
      };
      const onListening = () => {
        server.off("error", onError);
        resolve();
      };
      server.once("error", onError);
      server.once("listening", onListening);
      server.listen(this.#port, this.#host);
    });
    const address = server.address();
    if (address && typeof address === "object") this.#port = address.port;
  }

  /**
   * Stops accepting connections: new ones are refused by the OS, idle
   * keep-alive ones are closed, and busy ones close once their answer is sent.
   */
  refuse(): void {
    if (this.#refusing || this.#closed) return;
    this.#refusing = true;
    this.#server.close();
    this.#server.closeIdleConnections();
  }

  /** Listens again on the same port after {@link refuse}. */
  async resume(): Promise<void> {
    if (!this.#refusing || this.#closed) return;
    await this.listen();
    this.#refusing = false;
  }

  /** Stops listening and destroys every open socket. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const closed = this.#refusing
      ? Promise.resolve()
      : new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const res of this.#open) markServerAborted(res);
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  #onRequest(handler: RequestListener, req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    // A keep-alive connection opened before `refuse` must not sneak requests in.
    if (this.#refusing || this.#closed) {
      socket.destroy();
      return;
    }
    this.#open.add(res);
    res.once("close", () => this.#open.delete(res));
    res.once("finish", () => {
      if (this.#refusing) socket.end();
    });
    handler(req, res);
  }
}
