/** Client answers as the contract defines them, for typing test code (the tests assert the values). */
export interface Money {
  amount: number;
  currency: string;
}

export interface MobileProductDetails {
  product: { id: string; name: string; description: string; imageUrl: string | null; price: Money | null };
  reviews: {
    average: number | null;
    count: number;
    top: { author: string; rating: number; title: string }[];
  };
  inventory: { available: number; lowStock: boolean } | null;
  shipping: { method: string; cost: Money; estimatedDays: number }[];
  recommendations: { productId: string; reason: string }[];
  cart: { itemCount: number } | null;
  orders: { orderId: string; placedAt: string; status: string }[] | null;
  degraded: Record<string, string>;
}

/** The body of a JSON answer, typed by the caller. */
export async function json<T>(response: Response): Promise<T> {
  return (await response.json()) as T;
}
