// A peer for the pass-through scenario: what a Node user would write instead
// of a BFF to proxy `GET /reviews?productId=&limit=` to the reviews service,
// fastify with @fastify/reply-from (undici underneath, keep-alive pool). The
// query is checked with fastify's own JSON schema (compiled by ajv), as the
// BFF and the reference check it, and the request id and X-Forwarded-*
// headers are added as theirs add them; nothing else. Run as a child process:
//
//   node fastify-proxy.mjs '{"upstream":"http://127.0.0.1:…"}'
//
// prints `READY http://127.0.0.1:<port>` and serves until SIGTERM.
import { randomUUID } from "node:crypto";
import replyFrom from "@fastify/reply-from";
import Fastify from "fastify";

const { upstream } = JSON.parse(process.argv[2] ?? "{}");
if (typeof upstream !== "string") throw new Error('usage: fastify-proxy.mjs \'{"upstream":"http://…"}\'');

const app = Fastify({ logger: false, genReqId: () => randomUUID() });
// As many pooled sockets as the reference's and the BFF's pools allow.
await app.register(replyFrom, { base: upstream, undici: { connections: 256, pipelining: 1 } });

app.get(
  "/reviews",
  {
    schema: {
      querystring: {
        type: "object",
        required: ["productId"],
        properties: {
          productId: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" },
          limit: { type: "string", pattern: "^\\d{1,2}$" },
        },
      },
    },
  },
  (request, reply) =>
    reply.from(request.url, {
      rewriteRequestHeaders: (req, headers) => ({
        ...headers,
        "x-request-id": req.id,
        "x-forwarded-for": req.ip ?? "",
        "x-forwarded-proto": "http",
        "x-forwarded-host": req.headers.host ?? "",
      }),
    }),
);

const address = await app.listen({ port: 0, host: "127.0.0.1" });
process.stdout.write(`READY ${address}\n`);
process.on("SIGTERM", () => process.exit(0));
