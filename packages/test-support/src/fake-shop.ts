import type { IncomingMessage, ServerResponse } from "node:http";
import { type FakeUpstream, sendJson, startFakeUpstream } from "./fake-upstream.js";

/** The shop's services (contract section 3) a fake shop plays; `failing` ones answer 500. */
export type ShopService =
  | "catalog"
  | "pricing"
  | "reviews"
  | "inventory"
  | "shipping"
  | "recommendations"
  | "cart"
  | "orders"
  | "customers";

interface Line {
  productId: string;
  quantity: number;
}

interface StoredOrder {
  orderId: string;
  customerId: string;
  placedAt: string;
  status: string;
  total: { amount: number; currency: string };
  items: Line[];
}

const product = (id: string, images = 2) => ({
  id,
  name: `Product ${id}`,
  description: `The description of ${id}.`,
  brand: "Acme",
  category: "shoes",
  images: Array.from({ length: images }, (_, i) => ({
    url: `https://img.example/${id}-${i}.jpg`,
    width: 800,
    height: 600,
  })),
});

/** p1…p12 are known (p3 has no image, p2 no price); anything else is unknown. */
const KNOWN = Array.from({ length: 12 }, (_, i) => `p${i + 1}`);
const price = (id: string) => ({
  productId: id,
  amount: 1000 + id.length * 99,
  currency: "USD",
  listAmount: 2500,
});
const hasPrice = (id: string) => KNOWN.includes(id) && id !== "p2";

/**
 * One fake upstream playing every service of the shop, with a little state
 * (carts and orders), for driving a BFF in-process. Every `<SERVICE>_URL`
 * points at it; paths tell the services apart.
 */
export interface FakeShop {
  readonly upstream: FakeUpstream;
  /** Services that answer 500 until `reset()`. */
  readonly failing: Set<ShopService>;
  /** Empties carts, orders and `failing`. */
  reset(): void;
  close(): Promise<void>;
}

async function bodyOf(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text === "" ? undefined : (JSON.parse(text) as unknown);
}

function serviceOf(path: string): ShopService | undefined {
  if (/^\/products(\/[^/]+)?$/.test(path)) return "catalog";
  if (/^\/prices(\/[^/]+)?$/.test(path)) return "pricing";
  if (path === "/reviews") return "reviews";
  if (/^\/stock\/[^/]+$/.test(path)) return "inventory";
  if (path === "/quotes") return "shipping";
  if (path === "/recommendations") return "recommendations";
  if (path.startsWith("/carts/")) return "cart";
  if (/^\/orders(\/[^/]+)?$/.test(path)) return "orders";
  if (/^\/customers\/[^/]+$/.test(path)) return "customers";
  return undefined;
}

export async function startFakeShop(): Promise<FakeShop> {
  const failing = new Set<ShopService>();
  const carts = new Map<string, Line[]>();
  const orders: StoredOrder[] = [];

  const cartOf = (customerId: string) => {
    const items = carts.get(customerId) ?? [];
    return { customerId, items, itemCount: items.reduce((sum, line) => sum + line.quantity, 0) };
  };
  const ids = (url: URL) => (url.searchParams.get("ids") ?? "").split(",").filter((id) => id !== "");

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://shop");
    const path = url.pathname;
    const method = req.method ?? "GET";
    const service = serviceOf(path);
    if (service === undefined) return sendJson(res, 404, { error: "not_found" });
    if (failing.has(service)) return sendJson(res, 500, { error: "scripted failure" });
    const [, , id, , item] = path.split("/");
    switch (service) {
      case "catalog":
        if (id === undefined) {
          return sendJson(res, 200, {
            items: ids(url)
              .filter((p) => KNOWN.includes(p))
              .map((p) => product(p)),
          });
        }
        if (!KNOWN.includes(id)) return sendJson(res, 404, { error: "not_found" });
        return sendJson(res, 200, product(id, id === "p3" ? 0 : 2));
      case "pricing":
        if (id === undefined) return sendJson(res, 200, { items: ids(url).filter(hasPrice).map(price) });
        return hasPrice(id) ? sendJson(res, 200, price(id)) : sendJson(res, 404, { error: "not_found" });
      case "reviews": {
        const productId = url.searchParams.get("productId") ?? "";
        if (!KNOWN.includes(productId)) return sendJson(res, 404, { error: "not_found" });
        const limit = Number(url.searchParams.get("limit") ?? 10);
        const items = Array.from({ length: 12 }, (_, i) => ({
          author: `reader${i}`,
          rating: 1 + (i % 5),
          title: `Review ${i}`,
          body: "Fine.",
          date: `2026-01-${String(12 - i).padStart(2, "0")}`,
        }));
        return sendJson(res, 200, { productId, average: 3.4, count: 12, items: items.slice(0, limit) });
      }
      case "inventory":
        return KNOWN.includes(id as string)
          ? sendJson(res, 200, { productId: id, available: 3 })
          : sendJson(res, 404, { error: "not_found" });
      case "shipping":
        return sendJson(res, 200, {
          options: [
            { method: "standard", cost: { amount: 499, currency: "USD" }, estimatedDays: 5 },
            { method: "express", cost: { amount: 1299, currency: "USD" }, estimatedDays: 1 },
          ],
        });
      case "recommendations":
        return sendJson(res, 200, {
          items: ["p4", "p5", "p6", "p404", "p7", "p8", "p9", "p10", "p11", "p12", "p2", "p3"].map((p) => ({
            productId: p,
            reason: "bought-together",
          })),
        });
      case "cart": {
        const customerId = id as string;
        if (method === "GET") return sendJson(res, 200, cartOf(customerId));
        const productId = item as string;
        if (!KNOWN.includes(productId)) return sendJson(res, 404, { error: "unknown_product" });
        const lines = (carts.get(customerId) ?? []).filter((line) => line.productId !== productId);
        if (method === "PUT") {
          const { quantity } = (await bodyOf(req)) as { quantity: number };
          if (quantity > 0) lines.push({ productId, quantity });
        }
        carts.set(customerId, lines);
        return sendJson(res, 200, cartOf(customerId));
      }
      case "orders": {
        if (method === "POST") {
          const order = (await bodyOf(req)) as { customerId: string; items: Line[] };
          const key = req.headers["idempotency-key"];
          const known = orders.find((o) => o.orderId === `o-${String(key)}`);
          if (known !== undefined) return sendJson(res, 200, known);
          const placed: StoredOrder = {
            orderId: `o-${String(key)}`,
            customerId: order.customerId,
            placedAt: "2026-01-01T00:00:00Z",
            status: "placed",
            total: { amount: 4200, currency: "USD" },
            items: order.items,
          };
          orders.unshift(placed);
          return sendJson(res, 201, placed);
        }
        if (id === undefined) {
          const customerId = url.searchParams.get("customerId");
          const limit = Number(url.searchParams.get("limit") ?? 10);
          return sendJson(res, 200, {
            items: orders
              .filter((o) => o.customerId === customerId)
              .slice(0, limit)
              .map(({ orderId, placedAt, status, total }) => ({ orderId, placedAt, status, total })),
          });
        }
        const found = orders.find((o) => o.orderId === id);
        return found === undefined ? sendJson(res, 404, { error: "not_found" }) : sendJson(res, 200, found);
      }
      case "customers":
        return id === "c404"
          ? sendJson(res, 404, { error: "not_found" })
          : sendJson(res, 200, {
              id,
              name: `Customer ${id}`,
              email: `${id}@example.com`,
              wishlist: ["p1", "p2", "p3", "p404"],
            });
    }
  }

  const upstream = await startFakeUpstream(answer);
  return {
    upstream,
    failing,
    reset() {
      failing.clear();
      carts.clear();
      orders.length = 0;
    },
    close: () => upstream.close(),
  };
}
