// The reference: the benchmark's routes written by hand as plainly and as
// fast as node allows, raw node:http and undici connection pools, no
// framework, no validation, no resilience. It makes the same upstream calls
// as the BFFs and answers the same JSON, so the gateway's ratio to it is
// what the gateway adds. Run as a child process:
//
//   node reference.mjs '{"sets":{"fast":{"catalog":"http://…",…},"delayed":{…}},"partnerKey":"…"}'
//
// prints `READY http://127.0.0.1:<port>` and serves until SIGTERM.
//
// Routes (each the twin of a BFF route):
//   /productdetails/:id            mobile product details (fast set)
//   /delayed/productdetails/:id    the same against the delayed set
//   /breaker/productdetails/:id    recommendations skipped (an ideal open breaker)
//   /api/product-page/:id          web product page, dependent batch calls
//   /v1/products/:id               partner product, X-API-Key and a quota counter
//   /reviews?productId=&limit=     pass-through, streamed
import { randomUUID } from "node:crypto";
import http from "node:http";
import { Pool } from "undici";

const config = JSON.parse(process.argv[2] ?? "{}");
const LOW_STOCK = 5;
const ID = /^[A-Za-z0-9_-]{1,64}$/;
const TOP_TEN = ["p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9", "p10"].map((productId) => ({
  productId,
  reason: "top-seller",
}));
const EMPTY_REVIEWS = { average: null, count: 0, items: [] };
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "set-cookie",
  "server",
  "x-powered-by",
  "date",
]);

const pools = {};
for (const [set, services] of Object.entries(config.sets ?? {})) {
  pools[set] = {};
  for (const [service, url] of Object.entries(services)) {
    pools[set][service] = new Pool(url, { connections: 256 });
  }
}

class Status extends Error {
  constructor(status) {
    super(`status ${status}`);
    this.status = status;
  }
}

async function getJson(pool, path, requestId) {
  const { statusCode, body } = await pool.request({
    method: "GET",
    path,
    headers: { accept: "application/json", "x-request-id": requestId },
  });
  if (statusCode !== 200) {
    await body.dump();
    throw new Status(statusCode);
  }
  return body.json();
}

/** Runs optional calls: a failure leaves `fallback` and marks the part degraded. */
function optional(degraded, name, kind, fallback, promise) {
  return promise.catch(() => {
    degraded[name] = kind;
    return fallback;
  });
}

async function productDetails(set, id, requestId, { skipRecommendations = false } = {}) {
  const p = pools[set];
  const degraded = {};
  const [product, price, reviews, inventory, shipping, recommendations] = await Promise.all([
    getJson(p.catalog, `/products/${id}`, requestId),
    optional(degraded, "price", "empty", null, getJson(p.pricing, `/prices/${id}`, requestId)),
    optional(
      degraded,
      "reviews",
      "empty",
      EMPTY_REVIEWS,
      getJson(p.reviews, `/reviews?productId=${id}&limit=3`, requestId),
    ),
    optional(degraded, "inventory", "empty", null, getJson(p.inventory, `/stock/${id}`, requestId)),
    optional(
      degraded,
      "shipping",
      "empty",
      [],
      getJson(p.shipping, `/quotes?productId=${id}`, requestId).then((a) => a.options),
    ),
    skipRecommendations
      ? Promise.resolve().then(() => {
          degraded.recommendations = "default";
          return TOP_TEN;
        })
      : optional(
          degraded,
          "recommendations",
          "default",
          TOP_TEN,
          getJson(p.recommendations, `/recommendations?productId=${id}&limit=10`, requestId).then(
            (a) => a.items,
          ),
        ),
  ]);
  return {
    product: {
      id: product.id,
      name: product.name,
      description: product.description,
      imageUrl: product.images[0]?.url ?? null,
      price: price === null ? null : { amount: price.amount, currency: price.currency },
    },
    reviews: {
      average: reviews.average,
      count: reviews.count,
      top: reviews.items.slice(0, 3).map(({ author, rating, title }) => ({ author, rating, title })),
    },
    inventory:
      inventory === null
        ? null
        : { available: inventory.available, lowStock: inventory.available <= LOW_STOCK },
    shipping: shipping.map(({ method, cost, estimatedDays }) => ({
      method,
      cost: { amount: cost.amount, currency: cost.currency },
      estimatedDays,
    })),
    recommendations: recommendations.slice(0, 10).map(({ productId, reason }) => ({ productId, reason })),
    cart: null,
    orders: null,
    degraded,
  };
}

async function productPage(id, requestId) {
  const p = pools.fast;
  const degraded = {};
  const recommendations = optional(
    degraded,
    "recommendations",
    "default",
    TOP_TEN,
    getJson(p.recommendations, `/recommendations?productId=${id}&limit=10`, requestId).then((a) =>
      a.items.slice(0, 10),
    ),
  );
  const batchIds = recommendations.then((recs) => [...new Set(recs.map((r) => r.productId))].join(","));
  const [product, price, reviews, inventory, shipping, recs, recProducts, recPrices] = await Promise.all([
    getJson(p.catalog, `/products/${id}`, requestId),
    optional(degraded, "price", "empty", null, getJson(p.pricing, `/prices/${id}`, requestId)),
    optional(
      degraded,
      "reviews",
      "empty",
      EMPTY_REVIEWS,
      getJson(p.reviews, `/reviews?productId=${id}&limit=10`, requestId),
    ),
    optional(degraded, "inventory", "empty", null, getJson(p.inventory, `/stock/${id}`, requestId)),
    optional(
      degraded,
      "shipping",
      "empty",
      [],
      getJson(p.shipping, `/quotes?productId=${id}`, requestId).then((a) => a.options),
    ),
    recommendations,
    optional(
      degraded,
      "recommendations",
      "empty",
      [],
      batchIds.then((ids) => getJson(p.catalog, `/products?ids=${ids}`, requestId)).then((a) => a.items),
    ),
    optional(
      degraded,
      "recommendationPrices",
      "empty",
      [],
      batchIds.then((ids) => getJson(p.pricing, `/prices?ids=${ids}`, requestId)).then((a) => a.items),
    ),
  ]);
  const productsById = new Map(recProducts.map((item) => [item.id, item]));
  const pricesById = new Map(recPrices.map((item) => [item.productId, item]));
  return {
    product: {
      id: product.id,
      name: product.name,
      description: product.description,
      brand: product.brand,
      category: product.category,
      images: product.images.map(({ url, width, height }) => ({ url, width, height })),
      price:
        price === null
          ? null
          : { amount: price.amount, currency: price.currency, listAmount: price.listAmount },
    },
    reviews: {
      average: reviews.average,
      count: reviews.count,
      items: reviews.items
        .slice(0, 10)
        .map(({ author, rating, title, body, date }) => ({ author, rating, title, body, date })),
    },
    inventory:
      inventory === null
        ? null
        : { available: inventory.available, lowStock: inventory.available <= LOW_STOCK },
    shipping: shipping.map(({ method, cost, estimatedDays }) => ({
      method,
      cost: { amount: cost.amount, currency: cost.currency },
      estimatedDays,
    })),
    recommendations: recs.flatMap(({ productId, reason }) => {
      const item = productsById.get(productId);
      if (item === undefined) return [];
      const itemPrice = pricesById.get(productId);
      return [
        {
          productId,
          reason,
          name: item.name,
          imageUrl: item.images[0]?.url ?? null,
          price: itemPrice === undefined ? null : { amount: itemPrice.amount, currency: itemPrice.currency },
        },
      ];
    }),
    cart: null,
    orders: null,
    degraded,
  };
}

// A fixed one-minute window per key, like the partner BFF's in-memory limiter.
const quota = { windowStart: 0, used: 0, limit: 1_000_000 };

async function partnerProduct(id, requestId) {
  const p = pools.fast;
  const degraded = {};
  const nullIf404 = (promise) =>
    promise.catch((error) => (error?.status === 404 ? null : Promise.reject(error)));
  const [product, price, stock] = await Promise.all([
    getJson(p.catalog, `/products/${id}`, requestId),
    optional(degraded, "price", "empty", null, nullIf404(getJson(p.pricing, `/prices/${id}`, requestId))),
    optional(
      degraded,
      "availability",
      "empty",
      null,
      nullIf404(getJson(p.inventory, `/stock/${id}`, requestId)),
    ),
  ]);
  const availability =
    stock === null
      ? "unknown"
      : stock.available <= 0
        ? "out_of_stock"
        : stock.available <= LOW_STOCK
          ? "low_stock"
          : "in_stock";
  return {
    id: product.id,
    name: product.name,
    description: product.description,
    brand: product.brand,
    images: product.images.map(({ url, width, height }) => ({ url, width, height })),
    price: price === null ? null : { amount: price.amount, currency: price.currency },
    availability,
    degraded,
  };
}

function sendJson(res, status, value, requestId, headers = {}) {
  const text = JSON.stringify(value);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    "x-request-id": requestId,
    ...headers,
  });
  res.end(text);
}

async function passThrough(req, res, search, requestId) {
  const params = new URLSearchParams(search);
  const productId = params.get("productId");
  const limit = params.get("limit");
  if (productId === null || !ID.test(productId) || (limit !== null && !/^\d{1,2}$/.test(limit))) {
    return sendJson(res, 400, { status: 400 }, requestId);
  }
  const query = limit === null ? `productId=${productId}` : `productId=${productId}&limit=${limit}`;
  const { statusCode, headers, body } = await pools.fast.reviews.request({
    method: "GET",
    path: `/reviews?${query}`,
    headers: {
      "x-request-id": requestId,
      "x-forwarded-for": req.socket.remoteAddress ?? "",
      "x-forwarded-proto": "http",
      "x-forwarded-host": req.headers.host ?? "",
    },
  });
  if (statusCode >= 500) {
    await body.dump();
    return sendJson(res, 502, { status: 502 }, requestId);
  }
  const relayed = { "x-request-id": requestId };
  for (const [name, value] of Object.entries(headers)) if (!HOP_BY_HOP.has(name)) relayed[name] = value;
  res.writeHead(statusCode, relayed);
  body.on("error", () => res.destroy());
  body.pipe(res);
}

/** The partner quota check: a fixed window per key, with the same headers as the BFF's. */
function partnerGate(req, res, requestId) {
  if (req.headers["x-api-key"] !== config.partnerKey) {
    sendJson(res, 401, { status: 401 }, requestId);
    return undefined;
  }
  const now = Date.now();
  if (now - quota.windowStart >= 60_000) {
    quota.windowStart = now;
    quota.used = 0;
  }
  quota.used++;
  const limits = {
    "ratelimit-limit": String(quota.limit),
    "ratelimit-remaining": String(Math.max(0, quota.limit - quota.used)),
    "ratelimit-reset": String(Math.ceil((quota.windowStart + 60_000 - now) / 1000)),
  };
  if (quota.used > quota.limit) {
    sendJson(res, 429, { status: 429 }, requestId, limits);
    return undefined;
  }
  return limits;
}

/** Routes that take a product id as their last segment: prefix → answer. */
const BY_ID = [
  ["/productdetails/", (id, requestId) => productDetails("fast", id, requestId)],
  ["/delayed/productdetails/", (id, requestId) => productDetails("delayed", id, requestId)],
  [
    "/breaker/productdetails/",
    (id, requestId) => productDetails("fast", id, requestId, { skipRecommendations: true }),
  ],
  ["/api/product-page/", (id, requestId) => productPage(id, requestId)],
  ["/v1/products/", (id, requestId) => partnerProduct(id, requestId), { partner: true }],
];

async function handle(req, res) {
  const requestId = randomUUID();
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const path = q === -1 ? url : url.slice(0, q);
  const search = q === -1 ? "" : url.slice(q + 1);
  try {
    if (path === "/reviews") return await passThrough(req, res, search, requestId);
    const route = BY_ID.find(([prefix]) => path.startsWith(prefix));
    if (route === undefined) return sendJson(res, 404, { status: 404 }, requestId);
    const [prefix, answer, { partner = false } = {}] = route;
    let headers = {};
    if (partner) {
      headers = partnerGate(req, res, requestId);
      if (headers === undefined) return;
    }
    const id = path.slice(prefix.length);
    if (!ID.test(id)) return sendJson(res, 400, { status: 400 }, requestId);
    return sendJson(res, 200, await answer(id, requestId), requestId, headers);
  } catch (error) {
    const status = error?.status === 404 ? 404 : 502;
    if (!res.headersSent) sendJson(res, status, { status }, requestId);
    else res.destroy();
  }
}

const server = http.createServer((req, res) => {
  void handle(req, res);
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`READY http://127.0.0.1:${server.address().port}\n`);
});
process.on("SIGTERM", () => process.exit(0));
