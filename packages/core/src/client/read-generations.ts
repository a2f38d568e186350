/** A service's current generation of reads: a holder whose value a write replaces. */
export interface Generation {
  readonly value: string;
}

/**
 * Which generation of a service's reads is current. Every GET's coalescing
 * key and fresh-cache key carries it, and a write to the service starts a
 * new one: a read that starts after a write then shares no call in flight
 * and no cached answer with the reads before it, whichever read path the
 * write changed (a write cannot know which; contract 2.6, "the next product
 * page shows the new cart"). Without a fleet the generations are this
 * process's (`LocalReadGenerations`); with `REDIS_URL` the fleet's
 * (`FleetReadGenerations`), so a write through one instance is seen by the
 * next read through any other.
 */
export interface ReadGenerations {
  /** `service`'s generation; read its `value` on every call. */
  current(service: string): Generation;
  /** A write to `service` settled (however it went): later reads start a new generation. Never rejects. */
  written(service: string): Promise<void>;
}

/** One process's generations: a counter per service. */
export class LocalReadGenerations implements ReadGenerations {
  readonly #generations = new Map<string, { value: string; count: number }>();

  current(service: string): Generation {
    return this.#generation(service);
  }

  written(service: string): Promise<void> {
    const generation = this.#generation(service);
    generation.count++;
    generation.value = String(generation.count);
    return Promise.resolve();
  }

  #generation(service: string): { value: string; count: number } {
    let generation = this.#generations.get(service);
    if (generation === undefined) {
      generation = { value: "0", count: 0 };
      this.#generations.set(service, generation);
    }
    return generation;
  }
}
