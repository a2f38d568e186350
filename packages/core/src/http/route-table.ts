import { InvalidInputError } from "../errors/index.js";
import type { Answer } from "./answer.js";
import type { Exchange } from "./exchange.js";

/**
 * One step of a route: it answers (returns an `Answer`), refuses (throws),
 * or lets the next step run (returns nothing). Authentication, a body's
 * validation and the handler are steps, in that order.
 */
export type Step = (exchange: Exchange) => Answer | undefined | Promise<Answer | undefined>;

/** A step that reads the request's body (`jsonBody`): a route with one answers its own 413, after the steps before it. */
export interface BodyStep extends Step {
  readonly readsBody: true;
}

type Method = "get" | "post" | "put" | "patch" | "delete";

/** The steps of one path, by method. */
export type RouteMethods = Partial<Record<Method, Step | readonly Step[]>>;

/** Declared routes by path template (`/orders/:orderId`). */
export type RouteTableSpec = Readonly<Record<string, RouteMethods>>;

/** One method of a route. */
export interface RouteHandler {
  readonly steps: readonly Step[];
  /** Whether a step reads the body; without one, a body over the limit is a 413 before any step. */
  readonly readsBody: boolean;
}

/** One path of the table. */
export interface RouteEntry {
  readonly template: string;
  /** By upper-case method; HEAD is GET's. */
  readonly methods: ReadonlyMap<string, RouteHandler>;
  /** The `Allow` header of a 405. */
  readonly allow: string;
}

export interface RouteMatch {
  readonly entry: RouteEntry;
  readonly params: Readonly<Record<string, string>>;
}

interface Pattern {
  /** Lower-case literal segments; `undefined` marks a parameter. */
  readonly segments: readonly (string | undefined)[];
  readonly names: readonly string[];
  readonly entry: RouteEntry;
}

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

function isBodyStep(step: Step): step is BodyStep {
  return (step as Partial<BodyStep>).readsBody === true;
}

/**
 * The edge's route table: paths matched as express matches them
 * (case-insensitive, an optional trailing slash, `:name` for one segment,
 * decoded), literal paths by one map lookup.
 */
export class RouteTable {
  readonly #literal = new Map<string, RouteEntry>();
  readonly #patterns: Pattern[] = [];

  add(spec: RouteTableSpec): void {
    for (const [template, methods] of Object.entries(spec)) {
      if (!template.startsWith("/") || /[*(?]/.test(template)) {
        throw new Error(`route ${template}: only literal segments and :parameters are supported`);
      }
      const byMethod = new Map<string, RouteHandler>();
      for (const [method, given] of Object.entries(methods) as [
        Method,
        Step | readonly Step[] | undefined,
      ][]) {
        if (given === undefined) continue;
        const steps: readonly Step[] = typeof given === "function" ? [given] : given;
        byMethod.set(method.toUpperCase(), { steps, readsBody: steps.some(isBodyStep) });
      }
      // HEAD is GET's, listed last in `Allow`.
      const get = byMethod.get("GET");
      if (get !== undefined) byMethod.set("HEAD", get);
      const entry: RouteEntry = { template, methods: byMethod, allow: [...byMethod.keys()].join(", ") };
      const key = normalize(template);
      if (!key.includes("/:")) {
        this.#literal.set(key, entry);
        continue;
      }
      // Matched on the lower-cased key; the parameters keep their names as written.
      const written = trimSlash(template).split("/");
      this.#patterns.push({
        segments: key.split("/").map((part) => (part.startsWith(":") ? undefined : part)),
        names: written.filter((part) => part.startsWith(":")).map((part) => part.slice(1)),
        entry,
      });
    }
  }

  /** The route of `path` (raw, without query), or undefined. A parameter that is not valid percent-encoding is a 400. */
  match(path: string): RouteMatch | undefined {
    const key = normalize(path);
    const literal = this.#literal.get(key);
    if (literal !== undefined) return { entry: literal, params: NO_PARAMS };
    if (this.#patterns.length === 0) return undefined;
    const parts = key.split("/");
    for (const pattern of this.#patterns) {
      const params = paramsOf(pattern, parts, path);
      if (params !== undefined) return { entry: pattern.entry, params };
    }
    return undefined;
  }
}

function trimSlash(path: string): string {
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}

function normalize(path: string): string {
  return trimSlash(path).toLowerCase();
}

function paramsOf(
  pattern: Pattern,
  parts: readonly string[],
  path: string,
): Record<string, string> | undefined {
  const { segments, names } = pattern;
  if (segments.length !== parts.length) return undefined;
  for (let i = 0; i < segments.length; i++) {
    const literal = segments[i];
    if (literal === undefined ? parts[i] === "" : literal !== parts[i]) return undefined;
  }
  // The values with their case: the key was lower-cased for matching only.
  const original = trimSlash(path).split("/");
  const params: Record<string, string> = {};
  let n = 0;
  for (let i = 0; i < segments.length; i++) {
    if (segments[i] !== undefined) continue;
    params[names[n++] as string] = decode(original[i] as string);
  }
  return params;
}

function decode(segment: string): string {
  if (!segment.includes("%")) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new InvalidInputError("The request path is not valid percent-encoding");
  }
}
