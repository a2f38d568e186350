// The soak's writes (contract 2.6) on mobile-bff and web-bff: cart lines set
// and removed, checkouts with an Idempotency-Key (double taps, retries of an
// answered key, the same key with another body), orders read back, and
// writes the contract refuses. Each kind is a `flow`: several requests, each
// checked like a read by `violations` (mix.mjs) with the rules given to
// `send`. The ledger counts the keys; the soak compares the distinct keys
// answered 201 with the orders the shop placed.

const UPSTREAM_FAILURES = [502, 503, 504];
/** Products whose cart lines come and go; each customer's base line (below) is never removed. */
const SCRATCH = ["p4", "p5", "p8", "p9", "p10", "p13", "p14", "p20"];
/** Order bodies: no body, `{}` and the two methods are four different fingerprints (docs/writes.md). */
const ORDER_BODIES = [undefined, {}, { shippingMethod: "standard" }, { shippingMethod: "express" }];
/** How long after the end of the load a key still unanswered (5xx, no answer) is retried. */
export const RESOLVE_GRACE_MS = 30_000;

const pickFrom = (rand, list) => list[Math.floor(rand() * list.length)];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const codeOf = (body) => (typeof body?.code === "string" ? body.code : undefined);

/** What the soak learns about its keys. `created`: the distinct keys answered 201. */
export function writeLedger() {
  return {
    keys: 0,
    created: new Set(),
    orderIds: new Map(),
    doubleTaps: 0,
    replays: 0,
    reused: 0,
    inProgress: 0,
    retried: 0,
    unresolved: 0,
  };
}

function cartProblems(body, productId, present) {
  const cart = body?.cart;
  if (
    typeof cart !== "object" ||
    cart === null ||
    !Array.isArray(cart.items) ||
    typeof cart.itemCount !== "number"
  )
    return ["not a cart answer"];
  const found = [];
  if ("customerId" in cart) found.push("cart answer carries the customer id");
  const sum = cart.items.reduce((total, item) => total + item.quantity, 0);
  if (sum !== cart.itemCount) found.push(`itemCount ${cart.itemCount} but lines add up to ${sum}`);
  const line = cart.items.find((item) => item.productId === productId);
  if (present && line?.quantity !== 1) found.push(`line ${productId} not at quantity 1`);
  if (!present && line !== undefined) found.push(`line ${productId} still in the cart`);
  return found;
}

function orderProblems(body) {
  const order = body?.order;
  if (typeof order !== "object" || order === null) return ["no order"];
  const found = [];
  if (typeof order.orderId !== "string" || typeof order.placedAt !== "string")
    found.push("order without id or time");
  if (typeof order.status !== "string") found.push("order without status");
  if (typeof order.total?.amount !== "number" || typeof order.total?.currency !== "string")
    found.push("order without total");
  if (!Array.isArray(order.items) || order.items.length === 0) found.push("order without items");
  if ("customerId" in order) found.push("order carries the customer id");
  return found;
}

/**
 * The write kinds for one BFF. `base` is this BFF's path prefix ("" or
 * "/api"), `customer` its signed-in customer, `baseLine` the product PUT
 * before every checkout so that the cart is never empty, `emptyToken` a
 * customer whose cart nothing ever fills (the 422 of an empty cart).
 */
function kindsFor({ bff, url, base, token, emptyToken, otherOrder, baseLine, ledger, until }) {
  const root = `${url}${base}`;
  const bearer = (t) => ({ authorization: `Bearer ${t}` });
  const json = (t) => ({ ...bearer(t), "content-type": "application/json" });
  let serial = 0;

  const cartSet = (productId, quantity) => [
    {
      name: `${bff} cart line set`,
      allowed: [200, ...UPSTREAM_FAILURES],
      check: (_res, body) => cartProblems(body, productId, quantity > 0),
    },
    {
      url: `${root}/cart/items/${productId}`,
      method: "PUT",
      headers: json(token),
      body: JSON.stringify({ quantity }),
    },
  ];

  const orderRules = (name) => ({
    name,
    allowed: [201, 409, 422, ...UPSTREAM_FAILURES],
    checkAny: (res) =>
      res.status === 201 && !/^\/.*orders\/[^/]+$/.test(res.headers.get("location") ?? "")
        ? ["201 without the order's Location"]
        : [],
    check: (res, body) => {
      const found = orderProblems(body);
      if (body?.order?.status !== "placed") found.push("201 order not placed");
      const location = res.headers.get("location");
      if (location !== `${base}/orders/${body?.order?.orderId}`)
        found.push(`Location ${location} is not the order's`);
      return found;
    },
  });

  /** One POST /orders; `token` the customer's. */
  const post = (send, name, key, body, t = token) =>
    send(orderRules(name), {
      url: `${root}/orders`,
      method: "POST",
      headers: { ...(body === undefined ? bearer(t) : json(t)), "idempotency-key": key },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  /** A 2xx or 4xx but "in progress": the key holds this answer now. */
  const definitive = (answer) =>
    typeof answer.status === "number" &&
    answer.status < 500 &&
    !(answer.status === 409 && codeOf(answer.body) === "IDEMPOTENCY_KEY_IN_USE");

  /**
   * Notes an answer of a key: a 409 is "in progress" (with Retry-After) or
   * the shop's out of stock; every 201 of one key must name the same order.
   */
  const noteCreated = (key, answer, fail) => {
    if (answer.status === 409) {
      const code = codeOf(answer.body);
      if (code === "IDEMPOTENCY_KEY_IN_USE") {
        ledger.inProgress++;
        if (!/^\d+$/.test(answer.headers.get("retry-after") ?? ""))
          fail("409 in progress without Retry-After");
      } else if (code !== "UPSTREAM_WRITE_REJECTED") fail(`409 with code ${code}`);
    }
    if (answer.status !== 201) return;
    ledger.created.add(key);
    const orderId = answer.body?.order?.orderId;
    const first = ledger.orderIds.get(key);
    if (first === undefined) ledger.orderIds.set(key, orderId);
    else if (first !== orderId) fail(`key ${key} answered two orders: ${first} and ${orderId}`);
  };

  /**
   * Sends the first request(s) of a key, then retries it after a 5xx, no
   * answer or a 409 in progress until it has a definitive answer (or the
   * grace after the run is over): a lost answer may still have placed the
   * order, and the retry is what names that order.
   */
  async function resolve(send, name, key, body, first, fail, t) {
    for (const answer of first) noteCreated(key, answer, fail);
    let final = first.find(definitive);
    let attempt = 0;
    while (final === undefined) {
      if (performance.now() > until()) {
        ledger.unresolved++;
        fail(`key ${key} still without a definitive answer after the run`);
        return undefined;
      }
      const last = first.at(-1);
      const retryAfterS = Number(last?.headers?.get("retry-after"));
      await sleep(
        Math.min(
          1_000,
          Number.isFinite(retryAfterS) && retryAfterS > 0 ? retryAfterS * 1_000 : 100 * ++attempt,
        ),
      );
      ledger.retried++;
      const answer = await post(send, `${name} (retry)`, key, body, t);
      noteCreated(key, answer, fail);
      first = [answer];
      if (definitive(answer)) final = answer;
    }
    return final;
  }

  return [
    {
      name: `${bff} cart line set`,
      bff,
      weight: bff === "mobile-bff" ? 2 : 1.5,
      flow: async ({ rand, send }) => {
        await send(...cartSet(pickFrom(rand, SCRATCH), rand() < 0.8 ? 1 : 0));
      },
    },
    {
      name: `${bff} cart line delete`,
      bff,
      weight: 1,
      flow: async ({ rand, send }) => {
        const productId = pickFrom(rand, SCRATCH);
        await send(
          {
            name: `${bff} cart line delete`,
            allowed: [200, ...UPSTREAM_FAILURES],
            check: (_res, body) => cartProblems(body, productId, false),
          },
          { url: `${root}/cart/items/${productId}`, method: "DELETE", headers: bearer(token) },
        );
      },
    },
    {
      name: `${bff} checkout`,
      bff,
      // Each checkout keeps a key's answer in the BFF for IDEMPOTENCY_TTL_S: few enough for the RSS check.
      weight: bff === "mobile-bff" ? 1.2 : 1,
      flow: async ({ rand, send, fail }) => {
        // The cart is never empty: its base line is set first, and never removed.
        await send(...cartSet(baseLine, 1));
        const key = `soak-${bff}-${++serial}-${Math.floor(rand() * 1e9).toString(36)}`;
        const body = pickFrom(rand, ORDER_BODIES);
        ledger.keys++;
        const name = `${bff} order`;
        let first;
        if (rand() < 0.25) {
          // A double tap: two at once; one places the order, the other gets 409 or the replay.
          ledger.doubleTaps++;
          first = await Promise.all([
            post(send, `${name} (double tap)`, key, body),
            post(send, `${name} (double tap)`, key, body),
          ]);
          const [a, b] = first;
          if (a.status === 201 && b.status === 201) {
            const replayed = [a, b].filter((x) => x.headers.get("idempotent-replayed") === "true").length;
            if (replayed !== 1) fail(`double tap: two 201s, ${replayed} marked Idempotent-Replayed`);
          }
        } else {
          first = [await post(send, name, key, body)];
        }
        const final = await resolve(send, name, key, body, first, fail);
        if (final === undefined) return;
        if (rand() < 0.3) {
          // A retry of a key already answered: the same answer, replayed, nothing placed.
          ledger.replays++;
          const again = await post(send, `${name} (replay)`, key, body);
          if (again.status !== 503) {
            if (again.status !== final.status) fail(`replay answered ${again.status}, first ${final.status}`);
            else if (again.headers.get("idempotent-replayed") !== "true")
              fail("replay without Idempotent-Replayed: true");
            else if (final.status === 201 && again.body?.order?.orderId !== final.body?.order?.orderId)
              fail("replay names another order");
            else if (again.headers.get("location") !== final.headers.get("location"))
              fail("replay with another Location");
          }
        }
        if (rand() < 0.15) {
          // The same key with another body: 422, nothing called.
          ledger.reused++;
          const other = pickFrom(
            rand,
            ORDER_BODIES.filter((b) => JSON.stringify(b) !== JSON.stringify(body)),
          );
          const reused = await post(send, `${name} (key reused)`, key, other);
          if (reused.status !== 503 && codeOf(reused.body) !== "IDEMPOTENCY_KEY_REUSED")
            fail(`key reused with another body: ${reused.status} ${codeOf(reused.body) ?? ""}`);
        }
        if (final.status === 201 && rand() < 0.3) {
          const orderId = final.body.order.orderId;
          await send(
            {
              name: `${bff} order read`,
              allowed: [200, ...UPSTREAM_FAILURES],
              check: (_res, got) => [
                ...orderProblems(got),
                ...(got.order?.orderId === orderId ? [] : ["another order"]),
              ],
            },
            { url: `${url}${final.headers.get("location")}`, headers: bearer(token) },
          );
        }
      },
    },
    {
      name: `${bff} order, empty cart`,
      bff,
      weight: 0.25,
      flow: async ({ rand, send, fail }) => {
        const key = `soak-${bff}-empty-${++serial}-${Math.floor(rand() * 1e9).toString(36)}`;
        ledger.keys++;
        const name = `${bff} order, empty cart`;
        const first = [await post(send, name, key, undefined, emptyToken)];
        const final = await resolve(send, name, key, undefined, first, fail, emptyToken);
        if (final !== undefined && codeOf(final.body) !== "CART_EMPTY")
          fail(`empty cart answered ${final.status} ${codeOf(final.body) ?? ""}`);
      },
    },
    // Writes the contract refuses before any key is claimed, or the shop refuses.
    ...[
      [
        "unknown product",
        [404, ...UPSTREAM_FAILURES],
        { url: `${root}/cart/items/p999`, method: "PUT", headers: json(token), body: '{"quantity":1}' },
      ],
      [
        "quantity over 99",
        [400],
        { url: `${root}/cart/items/p2`, method: "PUT", headers: json(token), body: '{"quantity":100}' },
      ],
      [
        "not JSON",
        [415],
        {
          url: `${root}/cart/items/p2`,
          method: "PUT",
          headers: { ...bearer(token), "content-type": "text/plain" },
          body: "quantity=1",
        },
      ],
      ["anonymous", [401], { url: `${root}/cart/items/p2`, method: "DELETE" }],
      [
        "order without key",
        [400],
        { url: `${root}/orders`, method: "POST", headers: json(token), body: "{}" },
      ],
      [
        "order with a bad key",
        [400],
        {
          url: `${root}/orders`,
          method: "POST",
          headers: { ...json(token), "idempotency-key": "short" },
          body: "{}",
        },
      ],
      [
        "order, unknown shipping",
        [400],
        {
          url: `${root}/orders`,
          method: "POST",
          headers: { ...json(token), "idempotency-key": "soak-never-placed-1" },
          body: '{"shippingMethod":"freight"}',
        },
      ],
      [
        "another customer's order",
        [404, ...UPSTREAM_FAILURES],
        { url: `${root}/orders/${otherOrder}`, headers: bearer(token) },
      ],
      [
        "unknown order",
        [404, ...UPSTREAM_FAILURES],
        { url: `${root}/orders/no-such-order`, headers: bearer(token) },
      ],
    ].map(([what, allowed, request]) => ({
      name: `${bff} write: ${what}`,
      bff,
      weight: 0.2,
      flow: async ({ send }) => {
        await send({ name: `${bff} write: ${what}`, allowed }, request);
      },
    })),
  ];
}

/** Every write kind of the soak: mobile-bff as c1, web-bff (under /api) as c2; c3's cart stays empty. */
export function writeKinds({ urls, tokens, ledger, until }) {
  return [
    ...kindsFor({
      bff: "mobile-bff",
      url: urls.mobile,
      base: "",
      token: tokens.c1,
      emptyToken: tokens.c3,
      otherOrder: "o8",
      baseLine: "p1",
      ledger,
      until,
    }),
    ...kindsFor({
      bff: "web-bff",
      url: urls.web,
      base: "/api",
      token: tokens.c2,
      emptyToken: tokens.c3,
      otherOrder: "o1",
      baseLine: "p2",
      ledger,
      until,
    }),
  ];
}
