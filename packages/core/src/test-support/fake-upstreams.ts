import { type FakeUpstream, startFakeUpstream, type UpstreamHandler } from "@portico/test-support";
import { afterEach } from "vitest";

/**
 * Fake upstreams and clean-ups for one test file: every server started
 * with `upstream` is closed, and every clean-up registered with `onCleanup`
 * runs (first), after each test.
 */
export function useFakeUpstreams(): {
  upstream(handler: UpstreamHandler): Promise<FakeUpstream>;
  onCleanup(cleanup: () => Promise<void> | void): void;
} {
  const servers: FakeUpstream[] = [];
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  return {
    async upstream(handler) {
      const server = await startFakeUpstream(handler);
      servers.push(server);
      return server;
    },
    onCleanup(cleanup) {
      cleanups.push(cleanup);
    },
  };
}
