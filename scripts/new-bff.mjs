#!/usr/bin/env node
// `pnpm new-bff <name>`: a new BFF, `apps/<name>-bff`, ready to build, test
// and start, wired like the others (docs/new-bff.md walks through it):
//
//   src/app.ts, src/main.ts           createApp(gateway) without a port; runBff
//   src/routes/product.ts             an example composite route over core's shared parts
//   src/api/{schemas,operations,openapi}.ts  its answer's zod schema and OpenAPI 3.1 document
//   src/app.test.ts                   the in-process test: answers validated against the document
//   README.md, package.json, tsconfig*.json
//   deploy/docker/<name>-bff.Dockerfile(.dockerignore), deploy/k8s/<name>-bff.yaml
//   and the manifest listed in deploy/k8s/kustomization.yaml
//
//   node scripts/new-bff.mjs <name> [--port <n>] [--no-install]
//
// <name>: lower-case letters, digits and single dashes, starting with a
// letter, without the `-bff` suffix (`tv` makes `apps/tv-bff`). The port
// defaults to the first one from 8084 that no app's DEFAULT_PORT uses.
// Then `pnpm install` links the new package into the workspace (skip with
// --no-install, e.g. offline; run it yourself later). A refusal is one
// line on stderr and exit 2; nothing is written.

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const PNPM = ["-y", "pnpm@12.4.2"];
/** The first port tried: mobile, web and partner have 8081-8083. */
const FIRST_PORT = 8084;
const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
/** Kubernetes names are at most 63 characters; `-bff` and room for a suffix of the cluster's. */
const MAX_NAME = 40;

/** A refusal of the generator: its message is the one line the user sees. */
export class NewBffError extends Error {}

/**
 * Checks `name` and that `apps/<name>-bff` does not exist under `root`;
 * returns the app's directory name.
 */
export function checkName(name, root = ROOT) {
  if (name === undefined || name === "") throw new NewBffError("give the new BFF a name, e.g. tv");
  if (name.endsWith("-bff") || name === "bff") {
    throw new NewBffError(`name the BFF without "-bff" (e.g. ${name.replace(/-?bff$/, "") || "tv"})`);
  }
  if (!NAME.test(name) || name.length > MAX_NAME) {
    throw new NewBffError(
      `invalid name "${name}": lower-case letters, digits and single dashes, starting with a letter, at most ${MAX_NAME} characters`,
    );
  }
  const app = `${name}-bff`;
  if (existsSync(path.join(root, "apps", app))) throw new NewBffError(`apps/${app} already exists`);
  return app;
}

/** The ports the apps under `root` listen on by default (`DEFAULT_PORT = n` in their src/app.ts). */
export function usedPorts(root = ROOT) {
  const apps = path.join(root, "apps");
  const ports = new Set();
  if (!existsSync(apps)) return ports;
  for (const entry of readdirSync(apps, { withFileTypes: true })) {
    const file = path.join(apps, entry.name, "src", "app.ts");
    if (!entry.isDirectory() || !existsSync(file)) continue;
    const match = /DEFAULT_PORT\s*=\s*(\d+)/.exec(readFileSync(file, "utf8"));
    if (match) ports.add(Number(match[1]));
  }
  return ports;
}

/** The first port from 8084 no app uses by default. */
export function freeDefaultPort(root = ROOT) {
  const used = usedPorts(root);
  let port = FIRST_PORT;
  while (used.has(port)) port++;
  return port;
}

function checkPort(text, root) {
  const port = Number(text);
  if (!/^\d+$/.test(text ?? "") || port < 1024 || port > 65_535) {
    throw new NewBffError(`invalid --port "${text}": a number from 1024 to 65535`);
  }
  if (usedPorts(root).has(port)) throw new NewBffError(`port ${port} is another app's default`);
  return port;
}

/** The zod version the apps use: core's, so the workspace keeps one. */
function zodVersion(root) {
  const core = JSON.parse(readFileSync(path.join(root, "packages", "core", "package.json"), "utf8"));
  return core.dependencies?.zod ?? "^4.1.12";
}

/** `tv` → `Tv`, `back-office` → `Back office`: the API's title. */
const title = (name) => name.charAt(0).toUpperCase() + name.slice(1).replaceAll("-", " ");

/** Every file of the new app, by path relative to the repository root. */
export function appFiles({ name, port, zod }) {
  const app = `${name}-bff`;
  const pkg = `@portico/${app}`;
  const dir = `apps/${app}`;
  const json = (value) => `${JSON.stringify(value, null, 2)}\n`;
  return {
    [`${dir}/package.json`]: json({
      name: pkg,
      version: "0.1.0",
      private: true,
      description: `Portico BFF for the ${name} client.`,
      type: "module",
      main: "./dist/main.js",
      exports: { ".": { types: "./dist/app.d.ts", default: "./dist/app.js" } },
      scripts: {
        build: `tsc -p tsconfig.build.json && node ../../scripts/openapi.mjs write ${app}`,
        typecheck: "tsc -p tsconfig.json",
        test: "vitest run --passWithNoTests",
        "test:quick": "vitest run --passWithNoTests --exclude '**/*.int.test.ts'",
        start: "node dist/main.js",
        lint: "biome ci .",
      },
      dependencies: { "@portico/core": "workspace:*", zod },
      devDependencies: { "@portico/test-support": "workspace:*" },
    }),
    [`${dir}/tsconfig.json`]: `{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": { "noEmit": true },
  "include": ["src/**/*.ts"]
}
`,
    [`${dir}/tsconfig.build.json`]: `{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": { "rootDir": "src", "outDir": "dist", "noEmit": false },
  "include": ["src/**/*.ts"],
  "exclude": ["src/**/*.test.ts", "src/**/test-support/**"]
}
`,
    [`${dir}/src/main.ts`]: `import { runBff } from "@portico/core";
import { createApp, DEFAULT_PORT } from "./app.js";

await runBff({
  name: "${app}",
  defaultPort: DEFAULT_PORT,
  createApp,
});
`,
    [`${dir}/src/app.ts`]: `import type { RequestListener } from "node:http";
import { createGatewayApp, type Gateway } from "@portico/core";
import { openApiDocumentRoute } from "./api/openapi.js";
import { OPENAPI_PATH } from "./api/operations.js";
import { productRoute } from "./routes/product.js";

export const DEFAULT_PORT = ${port};

/** The ${name} BFF's routes; no port, so tests can drive it directly. */
export function createApp(gateway: Gateway): RequestListener {
  const { routes, finish } = createGatewayApp({
    requestDeadlineMs: gateway.config.requestDeadlineMs,
    edge: gateway.config,
    gateway,
  });
  routes({
    "/products/:productId": { get: productRoute(gateway) },
    [OPENAPI_PATH]: { get: openApiDocumentRoute() },
  });
  return finish();
}
`,
    [`${dir}/src/routes/product.ts`]: `import {
  type Answer,
  composite,
  composition,
  type Exchange,
  foundOr,
  type Gateway,
  type ProductInput,
  requireId,
  type Step,
  shopParts,
} from "@portico/core";
import { type ProductCard, RECOMMENDATIONS_SHOWN } from "../api/schemas.js";

/**
 * \`GET /products/{productId}\`: the product card in one call. The parts and
 * their fallbacks are core's (\`shopParts\`): the catalog is required, the
 * price falls back to the last known one (else null), inventory to null,
 * recommendations to the top-ten list. This route only picks them and
 * shapes the answer for its client.
 */
export function productRoute(gateway: Gateway): Step {
  const { config } = gateway;
  const parts = shopParts(gateway, { recommendationsLimit: RECOMMENDATIONS_SHOWN });
  const plan = composition<ProductInput>()
    .part("product", parts.product)
    .part("price", parts.price)
    .part("inventory", parts.inventory)
    .part("recommendations", parts.recommendations);

  return async function product(exchange: Exchange): Promise<Answer> {
    const productId = requireId(exchange.params.productId, "productId");
    const result = await foundOr(
      plan.run(exchange.ctx, { productId }),
      "catalog",
      \`No product with id \${productId}\`,
    );
    const { product, price, inventory, recommendations } = result.values;
    return composite<ProductCard>({
      id: product.id,
      name: product.name,
      imageUrl: product.images[0]?.url ?? null,
      price: price === null ? null : { amount: price.amount, currency: price.currency },
      inventory:
        inventory === null
          ? null
          : { available: inventory.available, lowStock: inventory.available <= config.lowStockThreshold },
      // The top-ten fallback is longer than the card shows.
      recommendations: recommendations
        .slice(0, RECOMMENDATIONS_SHOWN)
        .map(({ productId: id, reason }) => ({ productId: id, reason })),
      degraded: result.degraded,
    });
  };
}
`,
    [`${dir}/src/api/schemas.ts`]: `import { idSchema, moneySchema } from "@portico/core";
import { z } from "zod";

/**
 * The ${name} API's zod schemas: the routes type their answers with them
 * (\`z.infer\`) and the OpenAPI document (api/openapi.ts) is generated from
 * them, so the document cannot drift from what is served.
 */

/** How many recommendations the product card shows. */
export const RECOMMENDATIONS_SHOWN = 6;

/** \`GET /products/{productId}\` path parameters. */
export const productPathSchema = z.object({
  productId: idSchema.meta({ description: "A product id.", examples: ["p1"] }),
});

export const productCardDegradedSchema = z
  .object({
    price: z.enum(["cache", "empty"]).optional().meta({
      description: "Pricing failed: \`cache\` is the last known price, \`empty\` means \`price: null\`.",
    }),
    inventory: z.enum(["empty"]).optional().meta({ description: "Inventory failed: \`inventory: null\`." }),
    recommendations: z
      .enum(["default"])
      .optional()
      .meta({ description: "Recommendations failed: the first of the static top-ten list." }),
  })
  .meta({
    description:
      "Parts served by their fallback because their service failed, by part, with the kind of fallback; \`{}\` when every part is fresh.",
  });

export const productCardSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    imageUrl: z.string().nullable().meta({ description: "The first image's url; null when it has none." }),
    price: moneySchema.nullable().meta({ description: "\`null\` when there is no price or pricing failed." }),
    inventory: z
      .object({
        available: z.number().int(),
        lowStock: z.boolean().meta({ description: "\`available <= LOW_STOCK_THRESHOLD\` (5 by default)." }),
      })
      .nullable()
      .meta({ description: "\`null\` when inventory has no record or failed." }),
    recommendations: z
      .array(z.object({ productId: z.string(), reason: z.string() }))
      .max(RECOMMENDATIONS_SHOWN)
      .meta({
        description: \`The first \${RECOMMENDATIONS_SHOWN}; the top-ten list's when recommendations failed.\`,
      }),
    degraded: productCardDegradedSchema,
  })
  .meta({ description: "A product card in one answer." });

export type ProductCard = z.infer<typeof productCardSchema>;
`,
    [`${dir}/src/api/operations.ts`]: `import {
  compositeResponses,
  conditionalRequestHeaders,
  type Operation,
  openApiDocumentOperation,
  SECURITY_NONE,
} from "@portico/core";
import { productCardSchema, productPathSchema } from "./schemas.js";

/** The OpenAPI path of the document itself. */
export const OPENAPI_PATH = "/openapi.json";

/** Everything the ${name} BFF serves its client, by operationId. */
export const OPERATIONS: Readonly<Record<string, Operation>> = {
  getProduct: {
    method: "get",
    path: "/products/{productId}",
    summary: "A product card in one call",
    description:
      "The catalog is required (404 for an unknown id; its failure is 502/503/504). Price, inventory and recommendations are optional: when one's service fails the part is served by its fallback and named in \`degraded\`.",
    tags: ["Products"],
    security: SECURITY_NONE,
    pathParams: productPathSchema,
    requestHeaders: conditionalRequestHeaders,
    responses: compositeResponses(
      { name: "ProductCard", schema: productCardSchema },
      "The product, its price, stock and recommendations.",
    ),
    problems: [400, { status: 404, description: "No such product." }, 502, 503, 504],
  },
  getOpenApiDocument: { ...openApiDocumentOperation(OPENAPI_PATH), tags: ["API description"] },
};
`,
    [`${dir}/src/api/openapi.ts`]: `import {
  buildOpenApiDocument as buildDocument,
  openApiDocumentRoute as documentRoute,
  type JsonObject,
  moneySchema,
  type Step,
} from "@portico/core";
import { OPERATIONS } from "./operations.js";

/**
 * The ${name} BFF's OpenAPI 3.1 document, generated from the operations and
 * the zod schemas that validate their input and shape their answers. The
 * build writes it to dist/openapi.json too (scripts/openapi.mjs).
 */
export function buildOpenApiDocument(): JsonObject {
  return buildDocument({
    info: {
      title: "Portico ${title(name)} API",
      version: "0.1.0",
      description:
        "The ${name} client's API. Every answer carries \`X-Request-Id\` (and \`Server-Timing\` when an upstream service was called); errors are RFC 9457 problem documents (\`application/problem+json\`).",
    },
    tags: [
      {
        name: "Products",
        description: "What the ${name} client shows of a product.",
      },
      { name: "API description", description: "This document." },
    ],
    operations: OPERATIONS,
    securitySchemes: {},
    schemas: [{ name: "Money", schema: moneySchema }],
  });
}

/** \`GET /openapi.json\`: the document, built and serialized once. */
export function openApiDocumentRoute(): Step {
  return documentRoute(buildOpenApiDocument());
}
`,
    [`${dir}/src/app.test.ts`]: `import {
  COMMON_HEADERS,
  createGateway,
  type Gateway,
  loadGatewayConfig,
  SERVICE_NAMES,
  TOP_TEN_RECOMMENDATIONS,
} from "@portico/core";
import { type FakeShop, listenOnLoopback, openApiValidator, startFakeShop } from "@portico/test-support";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "./app.js";

// biome-ignore lint/suspicious/noExplicitAny: the test walks the document as served
type Json = Record<string, any>;

let shop: FakeShop;
let gateway: Gateway;
let url: string;
let closeApp: () => Promise<void>;
let validator: ReturnType<typeof openApiValidator>;

beforeAll(async () => {
  // One fake upstream plays every service of the shop (p1…p12 are known, p2 has no price).
  shop = await startFakeShop();
  const env = {
    ...Object.fromEntries(
      SERVICE_NAMES.map((service) => [\`\${service.toUpperCase()}_URL\`, shop.upstream.url]),
    ),
    UPSTREAM_TIMEOUT_MS: "1000",
    BREAKER_MIN_REQUESTS: "1000",
    // Tests share the machine: a lagging event loop must not shed these requests.
    MAX_EVENT_LOOP_LAG_MS: "0",
  };
  gateway = createGateway(loadGatewayConfig(env, { defaultPort: 0 }));
  const app = await listenOnLoopback(createApp(gateway));
  url = app.url;
  closeApp = async () => {
    await app.close();
    await gateway.close();
  };
  const document = (await (await fetch(\`\${url}/openapi.json\`)).json()) as Json;
  validator = openApiValidator(document, Object.keys(COMMON_HEADERS));
});

afterAll(async () => {
  await closeApp?.();
  await shop?.close();
});

beforeEach(() => shop.reset());

const PRODUCT: [string, string] = ["get", "/products/{productId}"];

/** GETs \`path\`, checks the status and that the answer is what the document says; returns the body. */
async function conforms(path: string, status: number, headers: Record<string, string> = {}): Promise<Json> {
  const response = await fetch(\`\${url}\${path}\`, { headers });
  const text = await response.text();
  const body = text === "" ? undefined : (JSON.parse(text) as Json);
  expect(response.status, \`GET \${path}: \${text}\`).toBe(status);
  expect(validator.violations(...PRODUCT, response, body), \`GET \${path}\`).toEqual([]);
  return body as Json;
}

describe("GET /products/{productId}", () => {
  it("answers every part fresh, shaped for the client, with degraded {}", async () => {
    const card = await conforms("/products/p1", 200);
    expect(card).toMatchObject({
      id: "p1",
      name: "Product p1",
      imageUrl: "https://img.example/p1-0.jpg",
      price: { amount: expect.any(Number), currency: "USD" },
      inventory: { available: 3, lowStock: true },
      degraded: {},
    });
    expect(card.recommendations).toHaveLength(6);
  });

  it("serves each optional part's fallback and names it in degraded", async () => {
    const fresh = await conforms("/products/p4", 200);
    shop.failing.add("pricing");
    shop.failing.add("inventory");
    shop.failing.add("recommendations");
    // p4's price was fetched a moment ago: the last known one is served.
    const card = await conforms("/products/p4", 200);
    expect(card.price).toEqual(fresh.price);
    expect(card.inventory).toBeNull();
    expect(card.recommendations).toEqual(TOP_TEN_RECOMMENDATIONS.slice(0, 6));
    expect(card.degraded).toEqual({ price: "cache", inventory: "empty", recommendations: "default" });
    // Nothing is known of p5's price: null.
    const empty = await conforms("/products/p5", 200);
    expect([empty.price, empty.degraded.price]).toEqual([null, "empty"]);
  });

  it("answers 304 to a matching If-None-Match", async () => {
    const etag = (await fetch(\`\${url}/products/p1\`)).headers.get("etag") as string;
    expect(etag).toMatch(/^W\\//);
    await conforms("/products/p1", 304, { "if-none-match": etag });
  });

  it("answers problems: 400 for a bad id, 404 for an unknown product, 502 when the catalog fails", async () => {
    expect((await conforms("/products/not%20an%20id", 400)).status).toBe(400);
    expect((await conforms("/products/p404", 404)).detail).toContain("p404");
    shop.failing.add("catalog");
    await conforms("/products/p1", 502);
  });
});

describe("GET /openapi.json", () => {
  it("is an OpenAPI 3.1 document of exactly what is served, and conforms to itself", async () => {
    const response = await fetch(\`\${url}/openapi.json\`);
    const document = (await response.json()) as Json;
    expect(response.status).toBe(200);
    expect(document.openapi).toMatch(/^3\\.1\\.\\d+$/);
    expect(validator.operations().sort()).toEqual(["GET /openapi.json", "GET /products/{productId}"]);
    expect(validator.violations("get", "/openapi.json", response, document)).toEqual([]);
  });
});
`,
    [`${dir}/README.md`]: `# ${pkg}

The ${name} client's BFF. Default port ${port}. Made by \`pnpm new-bff ${name}\`:
[docs/new-bff.md](../../docs/new-bff.md) walks through it, from here to a
route of your own with its parts and fallbacks. What every answer carries
(\`X-Request-Id\`, \`Server-Timing\`, problem+json, \`degraded\`,
compression, \`ETag\`, \`Cache-Control\`) is in [docs/api.md](../../docs/api.md).

| route                                            | credentials     | answers                                                               |
| ------------------------------------------------ | --------------- | --------------------------------------------------------------------- |
| \`GET /products/{productId}\`                      | none            | a product card in one call: [below](#product-card)                    |
| \`GET /openapi.json\`                              | none            | this API's OpenAPI 3.1 document, \`Cache-Control: public, max-age=300\` |
| \`GET /healthz\`, \`/readyz\`, \`/metrics\`, \`/admin*\` | (\`ADMIN_TOKEN\`) | the operators' routes of every BFF                                    |

## Product card

\`GET /products/{productId}\` (\`src/routes/product.ts\`): four of the shop's
parts, fetched concurrently, declared once in core
(\`shopParts\`, \`packages/core/src/services/shop-parts.ts\`) with their fallbacks:

| part              | service         | on failure (\`degraded\` kind)                            |
| ----------------- | --------------- | ------------------------------------------------------- |
| \`product\`         | catalog         | required: 404 if catalog says 404, else 502 / 503 / 504 |
| \`price\`           | pricing         | last known price (\`cache\`), else \`null\` (\`empty\`)       |
| \`inventory\`       | inventory       | \`null\` (\`empty\`)                                        |
| \`recommendations\` | recommendations | the first 6 of the static top-ten list (\`default\`)      |

\`\`\`json
{
  "id": "p1",
  "name": "…",
  "imageUrl": "…",
  "price": { "amount": 1999, "currency": "USD" },
  "inventory": { "available": 3, "lowStock": true },
  "recommendations": [{ "productId": "p7", "reason": "bought-together" }],
  "degraded": {}
}
\`\`\`

## Run, test, describe

\`\`\`sh
npx -y pnpm@12.4.2 --filter ${pkg} run build      # dist/, and dist/openapi.json
npx -y pnpm@12.4.2 --filter ${pkg} test           # src/app.test.ts, against a fake shop
npx -y pnpm@12.4.2 --filter ${pkg} start          # PORT=${port}; the demo shop's services by default
curl -s localhost:${port}/products/p1 | jq
curl -s localhost:${port}/openapi.json | jq '.paths | keys'
node scripts/openapi.mjs lint ${app}              # Redocly's rules on the document (from the repository root)
\`\`\`

It is configured only by environment variables, like every BFF
([docs/configuration.md](../../docs/configuration.md)). Its image and
manifest: \`deploy/docker/${app}.Dockerfile\`, \`deploy/k8s/${app}.yaml\`
([docs/fleet.md](../../docs/fleet.md)).
`,
    [`deploy/docker/${app}.Dockerfile`]: `# syntax=docker/dockerfile:1
# ${pkg}. Example only, like the other apps' (see docs/fleet.md).
# Build from the repository root:
#   docker build -f deploy/docker/${app}.Dockerfile -t portico/${app} .

FROM node:20-bookworm-slim AS build
WORKDIR /repo
COPY . .
# Install, build the app and what it depends on, then copy out the app with
# its production dependencies only (workspace packages injected as built).
RUN npx -y pnpm@12.4.2 install --frozen-lockfile \\
 && npx -y pnpm@12.4.2 --filter "${pkg}..." run build \\
 && npx -y pnpm@12.4.2 --filter ${pkg} deploy --prod --legacy /out

FROM node:20-bookworm-slim
ENV NODE_ENV=production \\
    HOST=0.0.0.0 \\
    PORT=${port}
WORKDIR /app
COPY --from=build --chown=node:node /out ./
USER node
EXPOSE ${port}
# Configured only by environment variables (docs/configuration.md, docs/fleet.md).
CMD ["node", "dist/main.js"]
`,
    [`deploy/docker/${app}.Dockerfile.dockerignore`]: `**/node_modules
**/dist
**/.turbo
.git
coverage
test/artifacts
bench/results
`,
    [`deploy/k8s/${app}.yaml`]: `# ${pkg}: Deployment + Service. Example only, like the other apps' (see
# docs/fleet.md). Expects etcd and Redis reachable as the Services "etcd"
# and "redis", and the demo services registered in etcd
# (demo-services.yaml), or swap DISCOVERY for <SERVICE>_URL variables.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${app}
  labels: { app.kubernetes.io/name: ${app}, app.kubernetes.io/part-of: portico }
spec:
  replicas: 2
  selector:
    matchLabels: { app.kubernetes.io/name: ${app} }
  strategy:
    type: RollingUpdate
    rollingUpdate: { maxUnavailable: 0, maxSurge: 1 }
  template:
    metadata:
      labels: { app.kubernetes.io/name: ${app}, app.kubernetes.io/part-of: portico }
    spec:
      # SIGTERM: stop accepting, /readyz 503, finish in-flight requests within 10 s.
      terminationGracePeriodSeconds: 20
      containers:
        - name: ${app}
          image: portico/${app}:latest
          ports:
            - { name: http, containerPort: ${port} }
          env:
            - { name: HOST, value: "0.0.0.0" }
            - { name: PORT, value: "${port}" }
            - { name: DISCOVERY, value: etcd }
            - { name: ETCD_ENDPOINTS, value: "http://etcd:2379" }
            - { name: REDIS_URL, value: "redis://redis:6379" }
            - { name: LOG_LEVEL, value: info }
          readinessProbe:
            httpGet: { path: /readyz, port: http }
            periodSeconds: 2
            failureThreshold: 2
          livenessProbe:
            httpGet: { path: /healthz, port: http }
            periodSeconds: 10
            failureThreshold: 3
          lifecycle:
            # Let the endpoints controller take the pod out of the Service
            # before the process stops accepting connections.
            preStop:
              exec: { command: ["node", "-e", "setTimeout(() => {}, 5000)"] }
          resources:
            requests: { cpu: 250m, memory: 128Mi }
            limits: { memory: 256Mi }
          securityContext:
            runAsNonRoot: true
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
---
apiVersion: v1
kind: Service
metadata:
  name: ${app}
  labels: { app.kubernetes.io/name: ${app}, app.kubernetes.io/part-of: portico }
spec:
  selector: { app.kubernetes.io/name: ${app} }
  ports:
    - { name: http, port: 80, targetPort: http }
`,
  };
}

/** `kustomization.yaml` with `<app>.yaml` added at the end of its `resources` (unchanged if listed). */
export function withKustomizeResource(text, app) {
  const entry = `  - ${app}.yaml`;
  const lines = text.split("\n");
  if (lines.some((line) => line.trim() === entry.trim())) return text;
  const start = lines.findIndex((line) => /^resources:\s*$/.test(line));
  if (start === -1) return `${text.replace(/\n*$/, "\n")}resources:\n${entry}\n`;
  let end = start + 1;
  while (end < lines.length && /^\s+-\s/.test(lines[end])) end++;
  lines.splice(end, 0, entry);
  return lines.join("\n");
}

/**
 * Writes the new app under `root` (nothing when a check fails) and lists
 * it in deploy/k8s/kustomization.yaml. Returns the app's name, port and
 * the files written, relative to `root`.
 */
export function generate({ name, port, root = ROOT }) {
  const app = checkName(name, root);
  const chosen = port === undefined ? freeDefaultPort(root) : checkPort(String(port), root);
  const files = appFiles({ name, port: chosen, zod: zodVersion(root) });
  for (const file of Object.keys(files)) {
    if (existsSync(path.join(root, file))) throw new NewBffError(`${file} already exists`);
  }
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  const written = Object.keys(files);
  const kustomization = path.join(root, "deploy", "k8s", "kustomization.yaml");
  if (existsSync(kustomization)) {
    const before = readFileSync(kustomization, "utf8");
    const after = withKustomizeResource(before, app);
    if (after !== before) {
      writeFileSync(kustomization, after);
      written.push("deploy/k8s/kustomization.yaml");
    }
  }
  return { app, port: chosen, files: written };
}

function parseArgs(argv) {
  const options = { install: true };
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--no-install") options.install = false;
    else if (arg === "--port") options.port = argv[++i] ?? "";
    else if (arg.startsWith("--port=")) options.port = arg.slice("--port=".length);
    else if (arg === "--help" || arg === "-h") options.help = true;
    else if (arg.startsWith("-")) throw new NewBffError(`unknown option ${arg}`);
    else rest.push(arg);
  }
  if (rest.length > 1) throw new NewBffError(`one name only, got ${rest.join(" ")}`);
  return { ...options, name: rest[0] };
}

async function main() {
  let result;
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
    if (options.help) {
      console.log("usage: pnpm new-bff <name> [--port <n>] [--no-install]   (see docs/new-bff.md)");
      return;
    }
    result = generate({ name: options.name, port: options.port });
  } catch (error) {
    if (!(error instanceof NewBffError)) throw error;
    console.error(`new-bff: ${error.message}`);
    process.exitCode = 2;
    return;
  }
  const pkg = `@portico/${result.app}`;
  for (const file of result.files) console.log(`new-bff: wrote ${file}`);
  if (options.install) {
    // Links the new package into the workspace and adds it to the lockfile.
    const install = spawnSync("npx", [...PNPM, "install"], { cwd: ROOT, stdio: "inherit" });
    if (install.status !== 0) {
      console.error("new-bff: `npx -y pnpm@12.4.2 install` failed; run it again before building");
      process.exitCode = 1;
      return;
    }
  }
  console.log(`
${pkg} is in apps/${result.app} (default port ${result.port}). Next:
${options.install ? "" : "  npx -y pnpm@12.4.2 install                       # link it into the workspace\n"}  npx -y pnpm@12.4.2 --filter "${pkg}..." run build   # core, then the app and dist/openapi.json
  npx -y pnpm@12.4.2 --filter ${pkg} test
  npx -y pnpm@12.4.2 --filter ${pkg} start          # then: curl localhost:${result.port}/products/p1
Add it to README.md's table of packages; docs/new-bff.md takes it from here.`);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
