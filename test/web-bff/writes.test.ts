import { bearer } from "../support/tokens.js";
import { describeWrites } from "../support/writes.js";

describeWrites({
  app: "web-bff",
  prefix: "/api",
  cartCountOn: async (url, token) => {
    const response = await fetch(`${url}/api/product-page/p1`, { headers: bearer(token) });
    return ((await response.json()) as { cart: { itemCount: number } }).cart.itemCount;
  },
});
