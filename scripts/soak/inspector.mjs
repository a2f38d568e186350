// A minimal client for a child's V8 inspector (`node --inspect=127.0.0.1:0`),
// just enough to ask for a full garbage collection before measuring RSS:
// RSS read at a random moment mostly measures how lazily V8 collected, not
// what the process holds. WebSocket framing by hand (RFC 6455): text
// frames only, masked from client to server, as the protocol requires.
import { randomBytes } from "node:crypto";
import http from "node:http";

/** The `ws://` URL a child prints on stderr when started with `--inspect`. */
export function inspectorUrlIn(text) {
  return /Debugger listening on (ws:\/\/\S+)/.exec(text)?.[1];
}

export async function connectInspector(wsUrl) {
  const url = new URL(wsUrl);
  const request = http.request({
    host: url.hostname,
    port: url.port,
    path: url.pathname,
    headers: {
      Connection: "Upgrade",
      Upgrade: "websocket",
      "Sec-WebSocket-Key": randomBytes(16).toString("base64"),
      "Sec-WebSocket-Version": "13",
    },
  });
  const [socket, head] = await new Promise((resolve, reject) => {
    request.once("upgrade", (_res, upgraded, rest) => resolve([upgraded, rest]));
    request.once("error", reject);
    request.once("response", (res) => reject(new Error(`inspector refused the upgrade: ${res.statusCode}`)));
    request.end();
  });
  let buffer = head;
  let nextId = 1;
  const pending = new Map();
  socket.on("data", (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      if (buffer.length < 2) return;
      let length = buffer[1] & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buffer.length < 4) return;
        length = buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (buffer.length < 10) return;
        length = Number(buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (buffer.length < offset + length) return;
      const opcode = buffer[0] & 0x0f;
      const payload = buffer.subarray(offset, offset + length);
      buffer = buffer.subarray(offset + length);
      if (opcode !== 1) continue;
      const message = JSON.parse(payload.toString("utf8"));
      const waiter = pending.get(message.id);
      if (waiter) {
        pending.delete(message.id);
        if (message.error) waiter.reject(new Error(message.error.message));
        else waiter.resolve(message.result);
      }
    }
  });
  socket.on("error", () => {});

  /** Sends one protocol command and resolves with its result. */
  function send(method, params = {}) {
    const id = nextId++;
    const payload = Buffer.from(JSON.stringify({ id, method, params }));
    const mask = randomBytes(4);
    const header =
      payload.length < 126
        ? Buffer.from([0x81, 0x80 | payload.length])
        : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
    const masked = Buffer.alloc(payload.length);
    for (let i = 0; i < payload.length; i++) masked[i] = payload[i] ^ mask[i % 4];
    socket.write(Buffer.concat([header, mask, masked]));
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      setTimeout(() => {
        if (pending.delete(id)) reject(new Error(`${method}: no answer`));
      }, 30_000).unref();
    });
  }

  return {
    /** A full, blocking collection of every generation. */
    collectGarbage: () => send("HeapProfiler.collectGarbage"),
    close: () => socket.destroy(),
  };
}
