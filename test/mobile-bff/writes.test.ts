import { bearer } from "../support/tokens.js";
import { describeWrites } from "../support/writes.js";

describeWrites({
  app: "mobile-bff",
  prefix: "",
  cartCountOn: async (url, token) => {
    const response = await fetch(`${url}/productdetails/p1`, { headers: bearer(token) });
    return ((await response.json()) as { cart: { itemCount: number } }).cart.itemCount;
  },
});
