import { averageRating, seed } from "@portico/demo-services";

/** What the web BFF should answer, computed from the demo shop's seed. */

export function seedProduct(id: string) {
  const found = seed.products.find((p) => p.id === id);
  if (!found) throw new Error(`no seed product ${id}`);
  return found;
}

export function seedPrice(id: string) {
  const found = seed.prices.find((p) => p.productId === id);
  if (!found) throw new Error(`no seed price ${id}`);
  return found;
}

export function expectedProduct(id: string, priced = true) {
  const { name, description, brand, category, images } = seedProduct(id);
  const price = seedPrice(id);
  return {
    id,
    name,
    description,
    brand,
    category,
    images: images.map(({ url, width, height }) => ({ url, width, height })),
    price: priced ? { amount: price.amount, currency: price.currency, listAmount: price.listAmount } : null,
  };
}

export function expectedReviews(id: string) {
  const reviews = seed.reviews[id] ?? [];
  return {
    average: averageRating(reviews),
    count: reviews.length,
    items: reviews
      .slice(0, 10)
      .map(({ author, rating, title, body, date }) => ({ author, rating, title, body, date })),
  };
}

/** A list entry joined with its product's name, first image and (unless `priced` is false) price. */
export function enriched<E extends { productId: string }>(entry: E, priced = true) {
  const product = seedProduct(entry.productId);
  const price = seedPrice(entry.productId);
  return {
    ...entry,
    name: product.name,
    imageUrl: product.images[0]?.url ?? null,
    price: priced ? { amount: price.amount, currency: price.currency } : null,
  };
}

export function expectedRecommendations(
  list: readonly { productId: string; reason: string }[] | undefined,
  priced = true,
) {
  return (list ?? []).slice(0, 10).map(({ productId, reason }) => enriched({ productId, reason }, priced));
}

export function expectedWishlist(customerId: string, priced = true) {
  const customer = seed.customers.find((c) => c.id === customerId);
  if (!customer) throw new Error(`no seed customer ${customerId}`);
  return customer.wishlist.map((productId) => enriched({ productId }, priced));
}

interface MoneyBody {
  amount: number;
  currency: string;
}

interface CatalogItemBody {
  productId: string;
  name: string;
  imageUrl: string | null;
  price: MoneyBody | null;
}

/** The product page as the tests read it (contract 2.3). */
export interface ProductPageBody {
  product: {
    id: string;
    name: string;
    description: string;
    brand: string;
    category: string;
    images: { url: string; width: number; height: number }[];
    price: (MoneyBody & { listAmount: number }) | null;
  };
  reviews: {
    average: number | null;
    count: number;
    items: { author: string; rating: number; title: string; body: string; date: string }[];
  };
  inventory: { available: number; lowStock: boolean } | null;
  shipping: { method: string; cost: MoneyBody; estimatedDays: number }[];
  recommendations: (CatalogItemBody & { reason: string })[];
  cart: { itemCount: number; items: { productId: string; quantity: number }[] } | null;
  orders: { orderId: string; placedAt: string; status: string; total: MoneyBody }[] | null;
  degraded: Record<string, string>;
}

export interface WishlistBody {
  items: CatalogItemBody[];
  degraded: Record<string, string>;
}
