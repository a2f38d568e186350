import {
  type Answer,
  composite,
  composition,
  type Exchange,
  emptyFallback,
  type Gateway,
  nullIfNotFound,
  type Price,
  type RequestContext,
  type ShopApi,
  type Step,
  type Stock,
} from "@portico/core";
import { type Degraded, type ProductList, productsQuerySchema } from "../api/schemas.js";
import { parseParams } from "../api/validate.js";
import { availabilityOf, partnerProduct } from "../product-view.js";

/** A per-id inventory call that failed (as opposed to `null`: inventory has no record). */
const FAILED = Symbol("failed");

/**
 * Over HTTP inventory has no batch endpoint (contract 3): one call per id,
 * all at once, and each failure stays with its own id. Over gRPC
 * (`shop.batchStock`) it is one `BatchGetStock` call: an id it leaves out
 * has no record (`null`), and its failure is every id's.
 */
async function stockByIds(
  shop: ShopApi,
  ctx: RequestContext,
  ids: readonly string[],
): Promise<Map<string, Stock | null | typeof FAILED>> {
  if (shop.batchStock) {
    const stocks = await shop.stocks(ctx, ids).catch(() => undefined);
    const byId = new Map(stocks?.map((stock) => [stock.productId, stock]));
    return new Map(
      ids.map((id): [string, Stock | null | typeof FAILED] => [
        id,
        stocks === undefined ? FAILED : (byId.get(id) ?? null),
      ]),
    );
  }
  const answers = await Promise.all(
    ids.map((id) =>
      nullIfNotFound(shop.stock(ctx, id)).then(
        (stock): [string, Stock | null | typeof FAILED] => [id, stock],
        (): [string, typeof FAILED] => [id, FAILED],
      ),
    ),
  );
  return new Map(answers);
}

/**
 * `GET /v1/products?ids=a,b,c` (contract 2.4): one batched catalog call
 * (required), one batched pricing call and one inventory call per id (one
 * batched call over gRPC), all concurrently.
 */
export function productsRoute(gateway: Gateway): Step {
  const { shop, config } = gateway;
  const plan = composition<{ ids: readonly string[] }>()
    .part("products", { run: (ctx, { ids }) => shop.products(ctx, ids) })
    .part("prices", {
      degradedAs: "price",
      fallback: emptyFallback<Price[] | null>(null),
      run: (ctx, { ids }) => shop.prices(ctx, ids),
    })
    .part("stock", { run: (ctx, { ids }) => stockByIds(shop, ctx, ids) });

  return async function products(exchange: Exchange): Promise<Answer> {
    const { ids } = parseParams(productsQuerySchema, exchange.query, "query");
    const { values, degraded } = await plan.run(exchange.ctx, { ids });
    const catalog = new Map(values.products.map((product) => [product.id, product]));
    const prices = new Map((values.prices ?? []).map((price) => [price.productId, price]));
    const priceDegraded: Degraded = degraded.price === undefined ? {} : { price: "empty" };

    const answer: ProductList = { items: [], missing: [], degraded: { ...priceDegraded } };
    for (const id of ids) {
      const product = catalog.get(id);
      if (product === undefined) {
        answer.missing.push(id);
        continue;
      }
      const stock = values.stock.get(id) ?? null;
      const itemDegraded: Degraded = { ...priceDegraded };
      if (stock === FAILED) {
        itemDegraded.availability = "empty";
        answer.degraded.availability = "empty";
      }
      answer.items.push(
        partnerProduct(
          product,
          prices.get(id) ?? null,
          availabilityOf(stock === FAILED ? null : stock, config.lowStockThreshold),
          itemDegraded,
        ),
      );
    }
    return composite(answer);
  };
}
