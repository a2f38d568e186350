import type { RequestListener } from "node:http";
import type { ServiceName } from "@portico/core";
import type { Fault } from "../faults/fault-schema.js";
import { FaultState } from "../faults/fault-state.js";
import { ManagedServer } from "./managed-server.js";

/** What a service's app needs to know about its own faults. */
export interface FaultControl {
  readonly faults: FaultState;
  /** Applies a fault (or clears it with null); resolves once e.g. `refuse` took effect. */
  readonly setFault: (fault: Fault | null) => Promise<void>;
}

export interface ServiceInstanceOptions {
  readonly name: ServiceName;
  readonly host: string;
  /** 0 for an ephemeral port. */
  readonly port: number;
  readonly createApp: (control: FaultControl) => RequestListener;
}

/** Another port the service answers on (its gRPC face), refused along with its HTTP port. */
export interface RefusablePort {
  refuse(): void;
  resume(): Promise<void>;
}

/**
 * One running service: its server and its current fault. Fault changes are
 * queued so that a quick refuse → clear → refuse never races the socket.
 */
export class ServiceInstance {
  readonly name: ServiceName;
  readonly faults = new FaultState();
  readonly server: ManagedServer;
  readonly #others: RefusablePort[] = [];
  #queue: Promise<void> = Promise.resolve();

  constructor({ name, host, port, createApp }: ServiceInstanceOptions) {
    this.name = name;
    const app = createApp({ faults: this.faults, setFault: (fault) => this.setFault(fault) });
    this.server = new ManagedServer(app, host, port);
  }

  get url(): string {
    return this.server.url;
  }

  /** A port of the same service that its `refuse` fault closes too. */
  attach(port: RefusablePort): void {
    this.#others.push(port);
  }

  setFault(fault: Fault | null): Promise<void> {
    const run = async () => {
      this.faults.set(fault);
      const ports = [this.server, ...this.#others];
      if (fault?.mode === "refuse") for (const port of ports) port.refuse();
      else await Promise.all(ports.map((port) => port.resume()));
    };
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => {});
    return next;
  }
}
