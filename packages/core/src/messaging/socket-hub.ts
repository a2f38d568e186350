import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { WebSocket, WebSocketServer } from "ws";
import { lazyRequire } from "../lazy-require.js";

/**
 * ws, required when the first hub is made: only a BFF with a WebSocket
 * endpoint has one, and the package is 1.4 MB of heap in every other.
 */
const wsPackage = lazyRequire<typeof import("ws")>("ws");

/** Why the hub cut a socket. */
export type SocketDropReason =
  /** It did not read fast enough: its send buffer passed `maxBufferedBytes`. */
  | "slow"
  /** It did not answer a ping within one heartbeat period. */
  | "dead";

/** Options of {@link SocketHub}; every field is optional. */
export interface SocketHubOptions {
  /** Most bytes queued for one socket; past that the socket is dropped, never buffered further. Default 1 MiB. */
  readonly maxBufferedBytes?: number;
  /** Ping period; a socket that has not answered the previous ping is cut. Default 30000 ms. */
  readonly heartbeatMs?: number;
  /** Most sockets at once; `full` tells the caller to refuse more. Default 10000. */
  readonly maxSockets?: number;
  /** Largest frame a client may send (clients only answer pings). Default 4096 bytes. */
  readonly maxPayloadBytes?: number;
  /** Told whenever a socket is dropped; must not throw. */
  readonly onDrop?: (reason: SocketDropReason, topic: string) => void;
}

/** Counters of a hub, for status pages and tests. */
export interface SocketHubStats {
  readonly sockets: number;
  readonly topics: number;
  readonly sent: number;
  readonly droppedSlow: number;
  readonly droppedDead: number;
}

/** Extra handshake details for {@link SocketHub.accept}. */
export interface AcceptOptions {
  /** Extra response headers of the 101 answer, as `Name: value` lines (no CR/LF). */
  readonly headers?: readonly string[];
  /** Sent to the socket right after it joined, e.g. a subscription confirmation. */
  readonly greeting?: unknown;
}

interface Member {
  readonly ws: WebSocket;
  readonly topic: string;
  alive: boolean;
}

/**
 * Fans messages out to many WebSockets, each subscribed to one topic (e.g.
 * a product id). A message is serialised once per publish. Memory per
 * socket is bounded: a socket whose unsent data would pass
 * `maxBufferedBytes` is terminated rather than buffered, so one client that
 * stops reading cannot grow the process. Heartbeats (ping/pong) find dead
 * peers that never closed their TCP connection.
 *
 * @example
 * const hub = new SocketHub({ heartbeatMs: 30_000 });
 * server.on("upgrade", (req, socket, head) => hub.accept(req, socket, head, "p1"));
 * hub.publish("p1", { type: "inventory", productId: "p1", available: 3 });
 */
export class SocketHub {
  readonly #wss: WebSocketServer;
  readonly #topics = new Map<string, Set<Member>>();
  readonly #members = new Map<WebSocket, Member>();
  readonly #headers = new WeakMap<IncomingMessage, readonly string[]>();
  readonly #maxBuffered: number;
  readonly #heartbeatMs: number;
  readonly #maxSockets: number;
  readonly #onDrop: SocketHubOptions["onDrop"];
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #sent = 0;
  #droppedSlow = 0;
  #droppedDead = 0;

  constructor(options: SocketHubOptions = {}) {
    const {
      maxBufferedBytes = 1024 * 1024,
      heartbeatMs = 30_000,
      maxSockets = 10_000,
      maxPayloadBytes = 4096,
      onDrop,
    } = options;
    this.#maxBuffered = maxBufferedBytes;
    this.#heartbeatMs = heartbeatMs;
    this.#maxSockets = maxSockets;
    this.#onDrop = onDrop;
    this.#wss = new (wsPackage().WebSocketServer)({
      noServer: true,
      clientTracking: false,
      // Compression costs memory per socket and invites zip bombs; events are tiny.
      perMessageDeflate: false,
      maxPayload: maxPayloadBytes,
    });
    this.#wss.on("headers", (headers: string[], req: IncomingMessage) => {
      const extra = this.#headers.get(req);
      if (extra !== undefined) headers.push(...extra);
    });
  }

  /** Sockets connected now. */
  get size(): number {
    return this.#members.size;
  }

  /** True when another socket would pass `maxSockets` (or the hub is closed). */
  get full(): boolean {
    return this.#closed || this.#members.size >= this.#maxSockets;
  }

  /**
   * Completes a WebSocket handshake (an HTTP server's `upgrade` event) and
   * subscribes the socket to `topic`. A malformed handshake is answered 400
   * by `ws` and the socket closed.
   */
  accept(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    topic: string,
    options: AcceptOptions = {},
  ): void {
    if (options.headers !== undefined) this.#headers.set(req, options.headers);
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      if (this.#closed) {
        ws.terminate();
        return;
      }
      const member: Member = { ws, topic, alive: true };
      this.#join(member);
      ws.on("error", () => {});
      ws.on("pong", () => {
        member.alive = true;
      });
      ws.on("message", () => {
        // Clients have nothing to say; any frame at least proves they are alive.
        member.alive = true;
      });
      ws.on("close", () => this.#leave(member));
      if (options.greeting !== undefined) this.#deliver(member, JSON.stringify(options.greeting));
    });
  }

  /** Sends `message` (as JSON) to every socket of `topic`; returns how many got it. */
  publish(topic: string, message: unknown): number {
    const members = this.#topics.get(topic);
    if (members === undefined || members.size === 0) return 0;
    const text = JSON.stringify(message);
    let delivered = 0;
    for (const member of [...members]) if (this.#deliver(member, text)) delivered++;
    return delivered;
  }

  /** Sends `message` to every socket of every topic. */
  broadcast(message: unknown): number {
    if (this.#members.size === 0) return 0;
    const text = JSON.stringify(message);
    let delivered = 0;
    for (const member of [...this.#members.values()]) if (this.#deliver(member, text)) delivered++;
    return delivered;
  }

  stats(): SocketHubStats {
    return {
      sockets: this.#members.size,
      topics: this.#topics.size,
      sent: this.#sent,
      droppedSlow: this.#droppedSlow,
      droppedDead: this.#droppedDead,
    };
  }

  /**
   * Closes every socket with `code` (1001 "going away" by default: clients
   * reconnect elsewhere); those that do not finish the closing handshake
   * within `graceMs` are terminated.
   */
  async close(code = 1001, reason = "server shutting down", graceMs = 1000): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    const members = [...this.#members.values()];
    const closed = members.map(
      (member) =>
        new Promise<void>((resolve) => {
          if (member.ws.readyState === member.ws.CLOSED) resolve();
          else member.ws.once("close", () => resolve());
        }),
    );
    for (const member of members) member.ws.close(code, reason);
    const timer = setTimeout(() => {
      for (const member of members) member.ws.terminate();
    }, graceMs);
    await Promise.all(closed);
    clearTimeout(timer);
    this.#wss.close();
  }

  #deliver(member: Member, text: string): boolean {
    const { ws } = member;
    if (ws.readyState !== ws.OPEN) return false;
    if (ws.bufferedAmount + Buffer.byteLength(text) > this.#maxBuffered) {
      this.#drop(member, "slow");
      return false;
    }
    ws.send(text);
    this.#sent++;
    return true;
  }

  #drop(member: Member, reason: SocketDropReason): void {
    if (reason === "slow") this.#droppedSlow++;
    else this.#droppedDead++;
    this.#leave(member);
    // terminate, not close: a close frame would queue behind the data the peer is not reading.
    member.ws.terminate();
    try {
      this.#onDrop?.(reason, member.topic);
    } catch {
      // Observers are told, not trusted.
    }
  }

  #join(member: Member): void {
    this.#members.set(member.ws, member);
    let set = this.#topics.get(member.topic);
    if (set === undefined) {
      set = new Set();
      this.#topics.set(member.topic, set);
    }
    set.add(member);
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#heartbeat(), this.#heartbeatMs);
      this.#timer.unref();
    }
  }

  #leave(member: Member): void {
    if (this.#members.get(member.ws) !== member) return;
    this.#members.delete(member.ws);
    const set = this.#topics.get(member.topic);
    set?.delete(member);
    if (set?.size === 0) this.#topics.delete(member.topic);
    if (this.#members.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #heartbeat(): void {
    for (const member of [...this.#members.values()]) {
      if (!member.alive) {
        this.#drop(member, "dead");
        continue;
      }
      member.alive = false;
      try {
        member.ws.ping();
      } catch {
        // The socket is closing; its "close" removes it.
      }
    }
  }
}
