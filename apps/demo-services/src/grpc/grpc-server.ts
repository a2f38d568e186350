import { createServer, type Server as NetServer, type Socket } from "node:net";
import {
  type ConnectionInjector,
  Server,
  ServerCredentials,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";

/** A service a {@link ManagedGrpcServer} serves: its definition and handlers. */
export interface GrpcService {
  readonly definition: ServiceDefinition;
  readonly implementation: UntypedServiceImplementation;
}

/**
 * A plaintext gRPC server whose TCP side the demo owns, like
 * `ManagedServer` for HTTP: it can stop listening and start again on the
 * same port (the `refuse` fault), cut one call's connection (`reset`), and
 * really closes (every connection destroyed). grpc-js takes each accepted
 * socket through its connection injector.
 */
export class ManagedGrpcServer {
  readonly #grpc = new Server();
  readonly #injector: ConnectionInjector;
  readonly #tcp: NetServer;
  readonly #host: string;
  /** Open connections by their peer, as grpc-js names it (`host:port`). */
  readonly #sockets = new Map<string, Socket>();
  #port: number;
  #refusing = false;
  #closed = false;

  constructor(service: GrpcService, host: string, port: number) {
    this.#host = host;
    this.#port = port;
    this.#grpc.addService(service.definition, service.implementation);
    this.#injector = this.#grpc.createConnectionInjector(ServerCredentials.createInsecure());
    this.#tcp = createServer((socket) => this.#accept(socket));
  }

  /** `host:port` (IPv6 hosts in brackets): what `INVENTORY_GRPC_URL` takes. */
  get address(): string {
    const host = this.#host.includes(":") ? `[${this.#host}]` : this.#host;
    return `${host}:${this.#port}`;
  }

  get port(): number {
    return this.#port;
  }

  async listen(): Promise<void> {
    const tcp = this.#tcp;
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => {
        tcp.off("listening", onListening);
        reject(error);
      };
      const onListening = () => {
        tcp.off("error", onError);
        resolve();
      };
      tcp.once("error", onError);
      tcp.once("listening", onListening);
      tcp.listen(this.#port, this.#host);
    });
    const address = tcp.address();
    if (address && typeof address === "object") this.#port = address.port;
  }

  /** Stops accepting connections and drops the open ones: callers see `UNAVAILABLE`. */
  refuse(): void {
    if (this.#refusing || this.#closed) return;
    this.#refusing = true;
    this.#tcp.close();
    this.#destroyAll();
  }

  /** Listens again on the same port after {@link refuse}. */
  async resume(): Promise<void> {
    if (!this.#refusing || this.#closed) return;
    await this.listen();
    this.#refusing = false;
  }

  /** Drops the connection a call came on (its `getPeer()`): every call on it ends `UNAVAILABLE`. */
  dropConnectionOf(peer: string): void {
    this.#sockets.get(peer)?.destroy();
  }

  /** Stops listening and destroys every connection, hung calls included. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const closed = this.#refusing
      ? Promise.resolve()
      : new Promise<void>((resolve) => this.#tcp.close(() => resolve()));
    this.#destroyAll();
    this.#injector.destroy();
    this.#grpc.forceShutdown();
    await closed;
  }

  #accept(socket: Socket): void {
    if (this.#refusing || this.#closed) {
      socket.destroy();
      return;
    }
    // grpc-js names a call's peer `${remoteAddress}:${remotePort}`.
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    this.#sockets.set(peer, socket);
    socket.once("close", () => this.#sockets.delete(peer));
    this.#injector.injectConnection(socket);
  }

  #destroyAll(): void {
    for (const socket of this.#sockets.values()) socket.destroy();
    this.#sockets.clear();
  }
}
