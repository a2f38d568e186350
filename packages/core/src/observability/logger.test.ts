import { pbkdf2 } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { closeLogger, createLogger, silentLogger } from "./logger.js";

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split("\n").filter(Boolean));
      done();
    },
  });
  return { lines, stream };
}

describe("createLogger", () => {
  it("writes one JSON object per line with the level's name, the app and an ISO time", () => {
    const { lines, stream } = capture();
    const logger = createLogger({ name: "mobile-bff", destination: stream });
    logger.info({ route: "/x" }, "request");
    const line = JSON.parse(lines[0] ?? "{}") as Record<string, unknown>;
    expect(line).toMatchObject({ level: "info", app: "mobile-bff", route: "/x", msg: "request" });
    expect(new Date(String(line.time)).toISOString()).toBe(line.time);
  });

  it("redacts authorization, cookies, API keys and tokens wherever they turn up", () => {
    const { lines, stream } = capture();
    const logger = createLogger({ destination: stream, level: "trace" });
    const secrets = ["s-auth", "s-cookie", "s-key", "s-token", "s-h1", "s-h2", "s-h3", "s-h4", "s-h5"];
    logger.trace(
      {
        authorization: "Bearer s-auth",
        cookie: "sid=s-cookie",
        "x-api-key": "s-key",
        token: "s-token",
        headers: { authorization: "Bearer s-h1", "x-api-key": "s-h2" },
        req: { headers: { cookie: "s-h3", "set-cookie": "s-h4" } },
        err: { config: { headers: { authorization: "Bearer s-h5" } } },
      },
      "everything secret",
    );
    const text = lines.join("\n");
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).toContain("[redacted]");
  });

  it("writes nothing below its level", () => {
    const { lines, stream } = capture();
    const logger = createLogger({ destination: stream, level: "warn" });
    logger.info("hidden");
    logger.warn("shown");
    expect(lines).toHaveLength(1);
  });
});

describe("closeLogger", () => {
  it("resolves once every line is written, in order, even while libuv's thread pool is busy", async () => {
    const dir = mkdtempSync(join(tmpdir(), "portico-log-"));
    try {
      const file = join(dir, "out.log");
      // pino's asynchronous destination, as on stdout: its writes wait in the thread pool.
      const logger = createLogger({ destination: pino.destination({ dest: file, sync: false }) });
      const busy = Array.from(
        { length: 4 },
        () => new Promise((resolve) => pbkdf2("x", "y", 100_000, 32, "sha256", resolve)),
      );
      logger.info("first");
      logger.info("stopped");
      await closeLogger(logger);
      // A line after the close is dropped, not thrown on the closed destination.
      expect(() => logger.warn("too late")).not.toThrow();
      const messages = readFileSync(file, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { msg: string }).msg);
      expect(messages).toEqual(["first", "stopped"]);
      await Promise.all(busy);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("silences a logger whose destination was already closed, so a later line is not thrown on it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "portico-log-"));
    try {
      const destination = pino.destination({ dest: join(dir, "out.log"), sync: true });
      const logger = createLogger({ destination });
      destination.destroy();
      await closeLogger(logger);
      expect(() => logger.warn("too late")).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("resolves at once for a logger with nothing to end", async () => {
    await expect(closeLogger(silentLogger())).resolves.toBeUndefined();
  });
});
