import { existsSync, readFileSync } from "node:fs";
import { loadSync, type ServiceDefinition } from "@grpc/proto-loader";
import { describe, expect, it } from "vitest";
import { INVENTORY_PROTO_PATH, inventoryGrpcRoutes, loadInventoryService } from "./inventory-grpc.js";

interface Field {
  name: string;
  number: number;
  type: string;
  label: string;
  typeName: string;
}

/** A message's fields as `name = number (type)`, read from the loaded descriptor. */
function fieldsOf(type: unknown): string[] {
  const fields = (type as { type: { field: Field[] } }).type.field;
  return fields.map((field) => {
    const kind = field.type === "TYPE_MESSAGE" ? field.typeName : field.type;
    const repeated = field.label === "LABEL_REPEATED" ? "repeated " : "";
    return `${repeated}${kind} ${field.name} = ${field.number}`;
  });
}

describe("the inventory proto", () => {
  it("ships with core (package files) and is the contract's wire format, field numbers included", () => {
    expect(existsSync(INVENTORY_PROTO_PATH)).toBe(true);
    const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      files: string[];
    };
    expect(manifest.files).toContain("proto");

    expect(Object.keys(loadInventoryService()).sort()).toEqual(["BatchGetStock", "GetStock"]);
    // The proto's own field names (the transport decodes them in lowerCamelCase).
    const service = loadSync(INVENTORY_PROTO_PATH, { keepCase: true })[
      "portico.shop.v1.Inventory"
    ] as ServiceDefinition;
    const { GetStock, BatchGetStock } = service;
    expect(GetStock?.path).toBe("/portico.shop.v1.Inventory/GetStock");
    expect(BatchGetStock?.path).toBe("/portico.shop.v1.Inventory/BatchGetStock");
    expect(fieldsOf(GetStock?.requestType)).toEqual(["TYPE_STRING product_id = 1"]);
    expect(fieldsOf(GetStock?.responseType)).toEqual([
      "TYPE_STRING product_id = 1",
      "TYPE_INT32 available = 2",
    ]);
    expect(fieldsOf(BatchGetStock?.requestType)).toEqual(["repeated TYPE_STRING product_ids = 1"]);
    expect(fieldsOf(BatchGetStock?.responseType)).toEqual(["repeated Stock items = 1"]);
  });
});

describe("inventoryGrpcRoutes", () => {
  const route = inventoryGrpcRoutes();

  it("maps GET /stock/{id} to GetStock with the id decoded", () => {
    const call = route(`/stock/${encodeURIComponent("p 1")}`, undefined);
    expect(call?.method.path).toBe("/portico.shop.v1.Inventory/GetStock");
    expect(call?.message).toEqual({ productId: "p 1" });
  });

  it("maps GET /stock?ids=a,b to one BatchGetStock", () => {
    const call = route("/stock", { ids: "p1,p2" });
    expect(call?.method.path).toBe("/portico.shop.v1.Inventory/BatchGetStock");
    expect(call?.message).toEqual({ productIds: ["p1", "p2"] });
  });

  it.each([
    ["/stock", undefined],
    ["/stock/", undefined],
    ["/stock/a/b", undefined],
    ["/stock/%E0%A4%A", undefined],
    ["/quotes", { productId: "p1" }],
  ])("serves nothing else: %s", (path, query) => {
    expect(route(path, query)).toBeUndefined();
  });
});
