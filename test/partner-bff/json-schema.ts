/**
 * A small JSON Schema (2020-12) checker for the keywords the partner API's
 * OpenAPI document uses: enough to check a served answer against the
 * document itself, with `$ref`s resolved in that document. An unsupported
 * keyword fails loudly rather than passing silently.
 */

type Schema = Record<string, unknown>;

const KNOWN = new Set([
  "$ref",
  "type",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "enum",
  "anyOf",
  "pattern",
  "minimum",
  "maximum",
  "description",
  "examples",
]);

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function resolve(root: Schema, ref: string): Schema {
  if (!ref.startsWith("#/")) throw new Error(`unsupported $ref ${ref}`);
  let node: unknown = root;
  for (const part of ref.slice(2).split("/")) node = (node as Schema | undefined)?.[part];
  if (node === undefined) throw new Error(`dangling $ref ${ref}`);
  return node as Schema;
}

/** Every way `value` breaks `schema`, as `path: reason` lines; empty when it conforms. */
export function violations(root: Schema, schema: Schema, value: unknown, path = "$"): string[] {
  for (const keyword of Object.keys(schema)) {
    if (!KNOWN.has(keyword)) throw new Error(`unsupported keyword ${keyword} at ${path}`);
  }
  if (typeof schema.$ref === "string") return violations(root, resolve(root, schema.$ref), value, path);
  const found: string[] = [];
  if (typeof schema.type === "string") {
    const actual = typeOf(value);
    const ok = actual === schema.type || (schema.type === "number" && actual === "integer");
    if (!ok) return [`${path}: expected ${schema.type}, got ${actual}`];
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) {
    found.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  }
  if (Array.isArray(schema.anyOf)) {
    const branches = schema.anyOf as Schema[];
    if (!branches.some((branch) => violations(root, branch, value, path).length === 0)) {
      found.push(`${path}: matches none of anyOf`);
    }
  }
  if (
    typeof value === "string" &&
    typeof schema.pattern === "string" &&
    !new RegExp(schema.pattern).test(value)
  ) {
    found.push(`${path}: does not match ${schema.pattern}`);
  }
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) found.push(`${path}: below minimum`);
    if (typeof schema.maximum === "number" && value > schema.maximum) found.push(`${path}: above maximum`);
  }
  if (Array.isArray(value) && schema.items !== undefined) {
    value.forEach((item, i) => {
      found.push(...violations(root, schema.items as Schema, item, `${path}[${i}]`));
    });
  }
  if (typeOf(value) === "object") {
    const object = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const name of (schema.required ?? []) as string[]) {
      if (!(name in object)) found.push(`${path}.${name}: missing`);
    }
    for (const [name, child] of Object.entries(object)) {
      const property = properties[name];
      if (property !== undefined) found.push(...violations(root, property, child, `${path}.${name}`));
      else if (schema.additionalProperties === false) found.push(`${path}.${name}: not allowed`);
    }
  }
  return found;
}
