import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawGet, rawRequest } from "./raw-http.js";

let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/chunked") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("one,");
      res.end("two");
      return;
    }
    if (req.url === "/empty") {
      res.writeHead(204).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/json", "x-echo": req.headers["x-echo"] ?? "" });
    res.end(JSON.stringify({ url: req.url }));
  });
  server.keepAliveTimeout = 200;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("rawRequest", () => {
  it("resolves with the first complete answer by its Content-Length, before the server closes", async () => {
    const answer = await rawRequest(port, "GET /a HTTP/1.1\r\nHost: x\r\nX-Echo: hi\r\n\r\n");
    expect(answer).toMatchObject({ status: 200, body: '{"url":"/a"}', closed: false });
    expect(answer.headers["x-echo"]).toBe("hi");
  });

  it("decodes a chunked body and ends with its last chunk", async () => {
    const answer = await rawRequest(port, "GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(answer).toMatchObject({ status: 200, body: "one,two", closed: false });
  });

  it("takes a 204 as complete without a body", async () => {
    const answer = await rawRequest(port, "GET /empty HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(answer).toMatchObject({ status: 204, body: "", closed: false });
  });

  it("waits for the server to close the connection with untilClose", async () => {
    const answer = await rawRequest(port, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n", { untilClose: true });
    expect(answer).toMatchObject({ status: 200, closed: true });
    expect(answer.ms).toBeGreaterThanOrEqual(150);
  });

  it("writes a string byte for byte (latin1) and trickles more after", async () => {
    const answer = await rawRequest(port, "GET /t HTTP/1.1\r\n", {
      trickle: [
        [50, "Host: x\r\nX-Echo: caf\xe9\r\n"],
        [50, "\r\n"],
      ],
    });
    expect(answer.status).toBe(200);
    // One byte 0xe9 went out (UTF-8 would have been two) and came back as it was.
    expect(answer.headers["x-echo"]).toBe("caf\xe9");
    expect(answer.ms).toBeGreaterThanOrEqual(90);
  });

  it("gives status 0 when nothing comes back within waitMs", async () => {
    const answer = await rawRequest(port, "GET / HTTP/1.1\r\n", { waitMs: 100 });
    expect(answer).toMatchObject({ status: 0, headers: {}, body: "", closed: false });
  });
});

describe("rawGet", () => {
  it("sends Host, the given headers and Connection: close", async () => {
    const answer = await rawGet(port, "/b", { "X-Echo": "there" }, { untilClose: true });
    expect(answer).toMatchObject({ status: 200, body: '{"url":"/b"}', closed: true });
    expect(answer.headers["x-echo"]).toBe("there");
    expect(answer.headers.connection).toBe("close");
  });
});
