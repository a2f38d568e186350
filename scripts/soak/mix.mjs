// The soak's request mix: what is sent to each BFF, how often, and which
// answers the contract allows for it. A response outside its kind's rules is
// "outside the contract", and the soak fails on any.

const KNOWN = Array.from({ length: 24 }, (_, i) => `p${i + 1}`);
const PART_KINDS = new Set(["empty", "default", "cache"]);
/** A required upstream failing, timing out or shed: answers the contract allows for any composite. */
const UPSTREAM_FAILURES = [502, 503, 504];

/** A small seeded PRNG (mulberry32), so a failing run can be replayed with its seed. */
export function prng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const pickFrom = (rand, list) => list[Math.floor(rand() * list.length)];

function degradedProblems(body) {
  if (typeof body?.degraded !== "object" || body.degraded === null) return ["no degraded object"];
  return Object.values(body.degraded)
    .filter((kind) => !PART_KINDS.has(kind))
    .map((kind) => `degraded kind ${kind}`);
}

/**
 * Every request kind of the soak. `build(rand)` gives the request; `allowed`
 * the statuses the contract allows (plus a shed 503, unless `neverShed`);
 * `checkAny(response)` and `check(response, body)` (2xx bodies) return what
 * is wrong beyond the common rules (empty when nothing).
 */
export function requestKinds({ urls, tokens, keys, spaOrigin }) {
  const { mobile, web, partner } = urls;
  const bearer = (token) => ({ authorization: `Bearer ${token}` });
  const composite = [200, ...UPSTREAM_FAILURES];
  return [
    {
      name: "mobile product details",
      bff: "mobile-bff",
      weight: 20,
      allowed: composite,
      build: (rand) => ({ url: `${mobile}/productdetails/${pickFrom(rand, KNOWN)}` }),
      check: (_res, body) => [
        ...degradedProblems(body),
        ...(body.degraded?.recommendations === "default"
          ? []
          : ["recommendations (down) not degraded to default"]),
      ],
    },
    {
      name: "mobile product details by query",
      bff: "mobile-bff",
      weight: 5,
      allowed: composite,
      build: (rand) => ({ url: `${mobile}/productdetails?productid=${pickFrom(rand, KNOWN)}` }),
      check: (_res, body) => degradedProblems(body),
    },
    {
      name: "mobile product details signed in",
      bff: "mobile-bff",
      weight: 5,
      allowed: composite,
      build: (rand) => ({
        url: `${mobile}/productdetails/${pickFrom(rand, KNOWN)}`,
        headers: bearer(tokens.c1),
      }),
      check: (_res, body) => [
        ...degradedProblems(body),
        ...(body.cart === null && body.degraded?.cart === undefined ? ["signed in but no cart"] : []),
      ],
    },
    {
      name: "mobile reviews pass-through",
      bff: "mobile-bff",
      weight: 4,
      allowed: composite,
      build: (rand) => ({ url: `${mobile}/reviews?productId=${pickFrom(rand, KNOWN)}&limit=5&utm=x` }),
      check: (_res, body) =>
        Array.isArray(body.items) && typeof body.count === "number" ? [] : ["not a reviews answer"],
    },
    {
      name: "mobile unknown product",
      bff: "mobile-bff",
      weight: 3,
      allowed: [404, ...UPSTREAM_FAILURES],
      build: (rand) => ({ url: `${mobile}/productdetails/p${900 + Math.floor(rand() * 99)}` }),
    },
    {
      name: "mobile hostile id",
      bff: "mobile-bff",
      weight: 3,
      // 404: fetch itself resolves "%2e%2e" as a dot segment, so that request names another path.
      allowed: [400, 404],
      build: (rand) => ({
        url: `${mobile}/productdetails/${pickFrom(rand, ["..%2Fetc", "%2e%2e", "p1%00", "a%5cb", "x".repeat(65)])}`,
      }),
    },
    {
      name: "mobile expired token",
      bff: "mobile-bff",
      weight: 2,
      allowed: [401],
      build: () => ({ url: `${mobile}/productdetails/p1`, headers: bearer(tokens.expired) }),
    },
    {
      name: "mobile wrong method",
      bff: "mobile-bff",
      weight: 1,
      allowed: [405],
      build: () => ({ url: `${mobile}/productdetails/p1`, method: "POST", body: "" }),
      checkAny: (res) => (res.headers.get("allow") === "GET, HEAD" ? [] : ["405 without Allow: GET, HEAD"]),
    },
    {
      name: "mobile unknown path",
      bff: "mobile-bff",
      weight: 1,
      allowed: [404],
      build: () => ({ url: `${mobile}/no/such/route` }),
    },
    {
      name: "web product page (SPA origin)",
      bff: "web-bff",
      weight: 15,
      allowed: composite,
      build: (rand) => ({
        url: `${web}/api/product-page/${pickFrom(rand, KNOWN)}`,
        headers: { origin: spaOrigin },
      }),
      checkAny: (res) =>
        res.headers.get("access-control-allow-origin") === spaOrigin ? [] : ["SPA origin not allowed"],
      check: (_res, body) => degradedProblems(body),
    },
    {
      name: "web product page (other origin)",
      bff: "web-bff",
      weight: 3,
      allowed: composite,
      build: (rand) => ({
        url: `${web}/api/product-page/${pickFrom(rand, KNOWN)}`,
        headers: { origin: "https://evil.example" },
      }),
      checkAny: (res) =>
        res.headers.get("access-control-allow-origin") === null
          ? []
          : ["foreign origin got Access-Control-Allow-Origin"],
    },
    {
      name: "web wishlist",
      bff: "web-bff",
      weight: 5,
      allowed: composite,
      build: () => ({ url: `${web}/api/wishlist`, headers: bearer(tokens.c2) }),
      check: (_res, body) => (Array.isArray(body.items) ? degradedProblems(body) : ["no items"]),
    },
    {
      name: "web wishlist anonymous",
      bff: "web-bff",
      weight: 2,
      allowed: [401],
      build: () => ({ url: `${web}/api/wishlist` }),
    },
    {
      name: "partner product",
      bff: "partner-bff",
      weight: 12,
      allowed: composite,
      build: (rand) => ({
        url: `${partner}/v1/products/${pickFrom(rand, KNOWN)}`,
        headers: { "x-api-key": keys.big },
      }),
      checkAny: (res) => (res.headers.get("ratelimit-limit") === null ? ["no RateLimit-Limit"] : []),
      check: (_res, body) => degradedProblems(body),
    },
    {
      name: "partner batch",
      bff: "partner-bff",
      weight: 5,
      allowed: composite,
      build: (rand) => {
        const ids = Array.from(
          { length: 1 + Math.floor(rand() * 10) },
          () => `p${1 + Math.floor(rand() * 30)}`,
        );
        return { url: `${partner}/v1/products?ids=${ids.join(",")}`, headers: { "x-api-key": keys.big } };
      },
      check: (_res, body) =>
        Array.isArray(body.items) && Array.isArray(body.missing) ? [] : ["no items/missing"],
    },
    {
      name: "partner without key",
      bff: "partner-bff",
      weight: 2,
      allowed: [401],
      build: () => ({ url: `${partner}/v1/products/p1` }),
    },
    {
      name: "partner over quota",
      bff: "partner-bff",
      weight: 3,
      allowed: [429, ...composite],
      build: () => ({ url: `${partner}/v1/products/p2`, headers: { "x-api-key": keys.tiny } }),
    },
    {
      name: "partner too many ids",
      bff: "partner-bff",
      weight: 1,
      allowed: [400],
      build: () => ({
        url: `${partner}/v1/products?ids=${Array.from({ length: 51 }, (_, i) => `p${i}`).join(",")}`,
        headers: { "x-api-key": keys.big },
      }),
    },
    {
      name: "partner OpenAPI",
      bff: "partner-bff",
      weight: 1,
      allowed: [200],
      build: () => ({ url: `${partner}/v1/openapi.json` }),
      check: (_res, body) => (typeof body.openapi === "string" ? [] : ["not an OpenAPI document"]),
    },
    ...["mobile-bff", "web-bff", "partner-bff"].flatMap((bff) => {
      const base = urls[bff.replace("-bff", "")];
      return [
        {
          name: `${bff} healthz`,
          bff,
          weight: 1,
          allowed: [200],
          neverShed: true,
          build: () => ({ url: `${base}/healthz` }),
        },
        {
          name: `${bff} URL over 4 KiB`,
          bff,
          weight: 0.5,
          allowed: [414],
          build: () => ({ url: `${base}/x/${"y".repeat(5_000)}` }),
        },
        {
          name: `${bff} too many query parameters`,
          bff,
          weight: 0.5,
          allowed: [400],
          // Not /healthz: health endpoints answer before the input limits (docs/hardening.md).
          build: () => ({ url: `${base}/x?${Array.from({ length: 40 }, (_, i) => `q${i}=1`).join("&")}` }),
        },
      ];
    }),
  ];
}

/** Picks kinds by weight. */
export function weightedPicker(kinds, rand) {
  const total = kinds.reduce((sum, kind) => sum + kind.weight, 0);
  return () => {
    let r = rand() * total;
    for (const kind of kinds) {
      r -= kind.weight;
      if (r < 0) return kind;
    }
    return kinds[kinds.length - 1];
  };
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * What is wrong with one answer, by the contract's rules for every answer
 * (sections 2 and 6) and the kind's own. Empty when it is in the contract.
 */
export function violations(kind, response, text) {
  const found = [];
  const { status, headers } = response;
  // Any request but a health check may be shed (contract section 6): 503 with Retry-After, checked below.
  const shed = status === 503 && !kind.neverShed;
  if (!kind.allowed.includes(status) && !shed)
    found.push(`status ${status} not in ${kind.allowed.join("/")}`);
  if (headers.get("x-content-type-options") !== "nosniff") found.push("no nosniff");
  if (headers.get("x-powered-by") !== null) found.push("X-Powered-By");
  if (headers.get("server") !== null) found.push("Server header");
  if (headers.getSetCookie().length > 0) found.push("Set-Cookie");
  if (!REQUEST_ID.test(headers.get("x-request-id") ?? "")) found.push("bad X-Request-Id");
  if (status >= 300 && status < 400) found.push("redirect");
  if (kind.checkAny) found.push(...kind.checkAny(response));
  if (status >= 400) {
    if (!/^application\/problem\+json/.test(headers.get("content-type") ?? ""))
      found.push("error not problem+json");
    let problem;
    try {
      problem = JSON.parse(text);
    } catch {
      found.push("problem body is not JSON");
      return found;
    }
    for (const field of ["type", "title", "detail", "instance"]) {
      if (typeof problem[field] !== "string") found.push(`problem without ${field}`);
    }
    if (problem.status !== status) found.push("problem status differs");
    if (problem.requestId !== headers.get("x-request-id")) found.push("problem requestId differs");
    if (/127\.0\.0\.1|localhost|https?:\/\/(?!portico\.dev)/.test(text))
      found.push("problem echoes a URL or host");
    if (/\n\s+at /.test(text)) found.push("problem has a stack trace");
    if ((status === 429 || status === 503) && !/^\d+$/.test(headers.get("retry-after") ?? "")) {
      found.push(`${status} without Retry-After`);
    }
  } else if ((status === 200 || status === 201) && kind.check) {
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      found.push(`${status} body is not JSON`);
      return found;
    }
    found.push(...kind.check(response, body));
  }
  return found;
}
