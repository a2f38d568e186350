import Ajv2020Module from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";

// ajv and ajv-formats are CommonJS: under NodeNext their default import is the module,
// whose `default` is the class (the function); a bundler's interop may have unwrapped it already.
const Ajv2020 = Ajv2020Module.default ?? (Ajv2020Module as unknown as typeof Ajv2020Module.default);
const addFormats =
  addFormatsModule.default ?? (addFormatsModule as unknown as typeof addFormatsModule.default);

// biome-ignore lint/suspicious/noExplicitAny: the validator walks the document as served
type Json = Record<string, any>;

const BASE = "https://portico.invalid/openapi.json";

/** `#/components/schemas/X` → `#/$defs/X` (inside the defs) or `BASE#/$defs/X` (anywhere else). */
function rebased(schema: unknown, prefix: string): Json {
  return JSON.parse(
    JSON.stringify(schema).replaceAll('"$ref":"#/components/schemas/', `"$ref":"${prefix}#/$defs/`),
  ) as Json;
}

/**
 * Checks answers against an OpenAPI 3.1 document as served: the body
 * against the schema the document gives for its operation, status and
 * media type (compiled by ajv as JSON Schema 2020-12, `$ref`s resolved in
 * the document), and every header a Portico BFF may send (core's
 * `checkedHeaders`, e.g. core's `COMMON_HEADERS`, and the document's own) that the answer carries
 * against that response's declaration of it: an undeclared one fails.
 */
export function openApiValidator(document: Json, checkedHeaders: readonly string[]) {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  ajv.addSchema({ $id: BASE, $defs: rebased(document.components.schemas, "") });
  const deref = (object: Json): Json => {
    if (typeof object?.$ref !== "string") return object;
    const target = (object.$ref as string)
      .replace(/^#\//, "")
      .split("/")
      .reduce((node: Json | undefined, part) => node?.[part], document);
    if (target === undefined) throw new Error(`dangling ${object.$ref}`);
    return deref(target);
  };

  /** The document's response object for an answer of `status` to `method path` (an OpenAPI path template). */
  const responseOf = (method: string, path: string, status: number): Json => {
    const operation = document.paths[path]?.[method];
    if (operation === undefined) throw new Error(`${method.toUpperCase()} ${path} is not in the document`);
    const { responses } = operation as Json;
    const given = responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
    if (given === undefined) throw new Error(`${method.toUpperCase()} ${path} documents no ${status}`);
    return deref(given);
  };

  return {
    /** The document's list of `METHOD path` it describes. */
    operations(): string[] {
      return Object.entries(document.paths).flatMap(([path, item]) =>
        Object.keys(item as Json).map((method) => `${method.toUpperCase()} ${path}`),
      );
    },

    /**
     * What is wrong with one answer to `method path`, as the document
     * describes it: [] when it conforms. `body` is the answer's parsed JSON
     * (undefined for none).
     */
    violations(method: string, path: string, response: Response, body: unknown): string[] {
      const described = responseOf(method, path, response.status);
      const found: string[] = [];
      const headers = (described.headers ?? {}) as Json;
      for (const name of new Set([...checkedHeaders, ...Object.keys(document.components.headers ?? {})])) {
        const value = response.headers.get(name);
        if (value === null) continue;
        if (headers[name] === undefined) {
          found.push(`header ${name} is sent but not documented for ${response.status}`);
          continue;
        }
        const schema = deref(headers[name]).schema as Json;
        const typed = schema.type === "integer" && /^-?\d+$/.test(value) ? Number(value) : value;
        const validate = ajv.compile(rebased(schema, BASE));
        if (!validate(typed)) found.push(`header ${name}: ${ajv.errorsText(validate.errors)}`);
      }
      const type = response.headers.get("content-type")?.split(";")[0]?.trim();
      if (body === undefined) {
        if (described.content !== undefined && response.status !== 304)
          found.push("no body, but one is documented");
        return found;
      }
      const media = type === undefined ? undefined : (described.content as Json | undefined)?.[type];
      if (media === undefined)
        return [...found, `media type ${type} is not documented for ${response.status}`];
      const validate = ajv.compile(rebased(media.schema, BASE));
      if (!validate(body)) {
        for (const error of validate.errors ?? []) {
          found.push(`body${error.instancePath} ${error.message ?? ""} ${JSON.stringify(error.params)}`);
        }
      }
      return found;
    },
  };
}
