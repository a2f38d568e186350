import { SERVICE_NAMES } from "@portico/core";
import { describe, expect, it } from "vitest";
import { type ReadyLine, startFromEnv } from "./start-from-env.js";

function capture() {
  const lines: string[] = [];
  return { lines, write: (chunk: string) => lines.push(chunk) };
}

describe("startFromEnv", () => {
  it("prints exactly one ready line with every URL, and nothing on stderr", async () => {
    const stdout = capture();
    const stderr = capture();
    const demo = await startFromEnv({ DEMO_BASE_PORT: "0" }, { stdout, stderr });
    try {
      expect(demo).toBeDefined();
      expect(stderr.lines).toEqual([]);
      expect(stdout.lines).toHaveLength(1);
      expect(stdout.lines[0]!.endsWith("\n")).toBe(true);
      const ready = JSON.parse(stdout.lines[0]!) as ReadyLine;
      expect(Object.keys(ready)).toEqual(["msg", "control", "services"]);
      expect(ready.msg).toBe("demo-services ready");
      expect(ready.control).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(Object.keys(ready.services)).toEqual([...SERVICE_NAMES]);
      const health = await fetch(`${ready.services.orders}/health`);
      expect(await health.json()).toEqual({ status: "ok", service: "orders" });
    } finally {
      await demo?.close();
    }
  });

  it("with INVENTORY_TRANSPORT=grpc, names inventory's gRPC host:port in the ready line", async () => {
    const stdout = capture();
    const demo = await startFromEnv(
      { DEMO_BASE_PORT: "0", DEMO_SERVICES: "inventory", INVENTORY_TRANSPORT: "grpc" },
      { stdout, stderr: capture() },
    );
    try {
      const ready = JSON.parse(stdout.lines[0]!) as ReadyLine;
      expect(Object.keys(ready)).toEqual(["msg", "control", "services", "grpc"]);
      expect(ready.grpc?.inventory).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(ready.grpc?.inventory).not.toBe(new URL(ready.services.inventory!).host);
    } finally {
      await demo?.close();
    }
  });

  it("runs only DEMO_SERVICES", async () => {
    const stdout = capture();
    const demo = await startFromEnv(
      { DEMO_BASE_PORT: "0", DEMO_SERVICES: "auth,cart" },
      { stdout, stderr: capture() },
    );
    try {
      expect(Object.keys((JSON.parse(stdout.lines[0]!) as ReadyLine).services)).toEqual(["cart", "auth"]);
    } finally {
      await demo?.close();
    }
  });

  it("prints one stderr line naming a bad variable, and starts nothing", async () => {
    const stdout = capture();
    const stderr = capture();
    const demo = await startFromEnv({ DEMO_BASE_PORT: "0", CATALOG_PORT: "http" }, { stdout, stderr });
    expect(demo).toBeUndefined();
    expect(stdout.lines).toEqual([]);
    expect(stderr.lines).toHaveLength(1);
    expect(stderr.lines[0]).toMatch(/^demo-services: CATALOG_PORT: .+\n$/);
  });
});
