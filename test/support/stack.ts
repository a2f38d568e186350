import { afterAll, afterEach, beforeAll } from "vitest";
import { clearFaults, type DemoShop, type RunningBff, startBff, startDemoShop } from "./processes.js";

/** A BFF app of the workspace. */
export type BffName = "mobile-bff" | "web-bff" | "partner-bff";

type Env = Readonly<Record<string, string>>;

/** Options of {@link startStack}: every field optional, but name at least one BFF. */
export interface StackOptions<K extends string = never> {
  /** The BFF of the test: `stack.bff`. */
  app?: BffName;
  /** More BFFs, by a name the test picks: `stack.bffs[name]`, each with env of its own. */
  bffs?: Readonly<Record<K, { app: BffName; env?: Env }>>;
  /** Env of the demo shop (e.g. its broker). */
  shopEnv?: Env;
  /** Env of every BFF, on top of the shop's `<SERVICE>_URL` variables. */
  bffEnv?: Env;
}

/** The demo shop and its BFFs, as real processes on free loopback ports. */
export interface Stack<K extends string = never> {
  readonly shop: DemoShop;
  /** The BFF named by `app`. */
  readonly bff: RunningBff;
  readonly bffs: Readonly<Record<K, RunningBff>>;
  /** Stops the BFFs, then the shop. */
  stop(): Promise<void>;
}

/**
 * Starts the demo shop, then its BFFs in parallel, each pointed at the shop
 * (`bffEnv` and a BFF's own env on top). When a BFF fails to start, what
 * did start is stopped and the error is thrown.
 */
export async function startStack<K extends string = never>(options: StackOptions<K>): Promise<Stack<K>> {
  const { app, bffs = {} as Record<K, { app: BffName; env?: Env }>, shopEnv = {}, bffEnv = {} } = options;
  const specs: [string, BffName, Env][] = Object.entries<{ app: BffName; env?: Env }>(bffs).map(
    ([name, spec]) => [name, spec.app, spec.env ?? {}],
  );
  if (app !== undefined) specs.unshift(["", app, {}]);
  const shop = await startDemoShop({ ...shopEnv });
  const started = await Promise.allSettled(
    specs.map(([, name, env]) => startBff(name, { ...shop.env, ...bffEnv, ...env })),
  );
  const running = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const stop = async () => {
    await Promise.all(running.map((bff) => bff.stop()));
    await shop.stop();
  };
  const failed = started.find((result) => result.status === "rejected");
  if (failed !== undefined) {
    await stop();
    throw (failed as PromiseRejectedResult).reason;
  }
  const byName = new Map(specs.map(([name], i) => [name, running[i] as RunningBff]));
  return {
    shop,
    get bff() {
      const bff = byName.get("");
      if (bff === undefined) throw new Error("this stack has no `app`: use stack.bffs");
      return bff;
    },
    bffs: Object.fromEntries([...byName].filter(([name]) => name !== "")) as Record<K, RunningBff>,
    stop,
  };
}

/**
 * {@link startStack} before the tests of the file (or describe block) it is
 * called in, and `stop()` after them; with `clearFaults`, the shop's faults
 * are cleared after each test. The stack is read once the tests run.
 *
 * ```ts
 * const stack = useStack({ app: "mobile-bff", bffEnv: { BREAKER_MIN_REQUESTS: "1000" }, clearFaults: true });
 * it("…", async () => {
 *   await fetch(`${stack.bff.url}/productdetails/p1`);
 * });
 * ```
 */
export function useStack<K extends string = never>(
  options: StackOptions<K> & { clearFaults?: boolean },
): Stack<K> {
  let running: Stack<K> | undefined;
  beforeAll(async () => {
    running = await startStack(options);
  });
  afterAll(async () => {
    await running?.stop();
  });
  if (options.clearFaults === true) {
    afterEach(async () => {
      if (running !== undefined) await clearFaults(running.shop);
    });
  }
  const current = (): Stack<K> => {
    if (running === undefined) throw new Error("the stack is not running: read it inside a test or hook");
    return running;
  };
  return {
    get shop() {
      return current().shop;
    },
    get bff() {
      return current().bff;
    },
    get bffs() {
      return current().bffs;
    },
    stop: () => current().stop(),
  };
}
