import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { ForbiddenOriginError, OverloadedError } from "../errors/index.js";
import { loadShedding } from "./load-shedding.js";
import { upgradeGuard } from "./upgrade-guard.js";

const upgrade = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe("upgradeGuard", () => {
  it("lets through a client that sends no Origin (not a browser page)", () => {
    expect(upgradeGuard()(upgrade({ host: "bff.example:8082" }))).toBeUndefined();
  });

  it("lets a page of the BFF's own origin connect, and refuses any other with 403", () => {
    const check = upgradeGuard();
    expect(check(upgrade({ host: "bff.example:8082", origin: "http://bff.example:8082" }))).toBeUndefined();
    expect(check(upgrade({ host: "bff.example:8082", origin: "https://bff.example:8082" }))).toBeUndefined();
    const refused = check(upgrade({ host: "bff.example:8082", origin: "https://evil.example" }));
    expect(refused).toBeInstanceOf(ForbiddenOriginError);
    expect(refused?.status).toBe(403);
    expect(check(upgrade({ host: "bff.example:8082", origin: "null" }))).toBeInstanceOf(ForbiddenOriginError);
  });

  it("lets the CORS_ORIGINS pages connect", () => {
    const check = upgradeGuard({ corsOrigins: ["https://shop.example"] });
    expect(check(upgrade({ host: "bff.internal", origin: "https://shop.example" }))).toBeUndefined();
    expect(check(upgrade({ host: "bff.internal", origin: "https://other.example" }))).toBeInstanceOf(
      ForbiddenOriginError,
    );
  });

  it("sheds a handshake when requests are shed, and holds no slot for an accepted one", () => {
    const full = loadShedding({ maxInflight: 0, maxEventLoopLagMs: 0 });
    const shed = upgradeGuard({ load: full })(upgrade({}));
    expect(shed).toBeInstanceOf(OverloadedError);
    expect(shed?.retryAfterS).toBe(1);
    const roomy = loadShedding({ maxInflight: 1, maxEventLoopLagMs: 0 });
    expect(upgradeGuard({ load: roomy })(upgrade({}))).toBeUndefined();
    expect(roomy.inflight).toBe(0);
  });
});
