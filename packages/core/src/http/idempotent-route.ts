import type { Request, Response } from "express";
import {
  IdempotencyKeyInUseError,
  IdempotencyKeyReusedError,
  InvalidInputError,
  isGatewayError,
  UnauthorizedError,
} from "../errors/index.js";
import { fingerprintOf } from "../idempotency/fingerprint.js";
import {
  type IdempotencyStore,
  inProgressTtlS,
  isKeptStatus,
  type KeptAnswer,
} from "../idempotency/idempotency-store.js";
import { contextOf } from "./context-middleware.js";
import { problemOf } from "./problem.js";

const KEY = /^[A-Za-z0-9._:-]{8,128}$/;
const PROBLEM_TYPE = "application/problem+json; charset=utf-8";

/** What an idempotent route's handler answers: kept for its key, then sent. */
export type RouteAnswer = KeptAnswer;

export interface IdempotentRouteOptions {
  /** Where keys live: `gateway.idempotency`. */
  store: IdempotencyStore;
  /** `REQUEST_DEADLINE_MS`: a claim lasts it plus 2 s (`inProgressTtlS`). */
  requestDeadlineMs: number;
  /** `IDEMPOTENCY_TTL_S`: how long an answer is kept. */
  ttlS: number;
  /** What the fingerprint is taken of: the body as sent (`jsonBody(...).rawOf`); default no body. */
  bodyOf?: (res: Response) => unknown;
}

/** The handler of an idempotent route: it answers rather than writes, so that the answer can be kept. */
export type IdempotentHandler = (req: Request, res: Response, key: string) => Promise<RouteAnswer>;

/**
 * The `Idempotency-Key` step of a write (contract 2.6), around the route's
 * handler, after its authentication and body steps (none of which claims a
 * key). The header is required (`^[A-Za-z0-9._:-]{8,128}$`, else 400);
 * keys are scoped to the token's customer. Of one key:
 * - a kept answer for the same body is sent again (status, body, the
 *   headers it kept such as `Location`) with `Idempotent-Replayed: true`,
 *   and the handler does not run; a replayed problem carries this
 *   request's `requestId`;
 * - a kept answer for another body: 422; a request still running: 409
 *   with `Retry-After`;
 * - else the handler runs: its answer, or its 4xx problem, is kept
 *   (`complete`); a 5xx, a timeout or any other throw frees the key
 *   (`release`) so that the client may retry with it.
 *
 * ```ts
 * const body = jsonBody(orderSchema, { optional: true });
 * const place = idempotentRoute({ store, requestDeadlineMs, ttlS, bodyOf: body.rawOf },
 *   async (req, res, key) => ({ status: 201, headers: { Location: "/orders/1" }, body: { order } }));
 * mountRoutes(app, { "/orders": { post: [signedIn, requireCustomer(), body, place] } });
 * ```
 */
export function idempotentRoute(
  { store, requestDeadlineMs, ttlS, bodyOf = () => undefined }: IdempotentRouteOptions,
  handler: IdempotentHandler,
) {
  const claimTtlS = inProgressTtlS(requestDeadlineMs);
  return async function idempotentRoute(req: Request, res: Response): Promise<void> {
    const ctx = contextOf(res);
    const scope = ctx.identity?.customerId;
    if (scope === undefined) throw new UnauthorizedError("Sign-in required");
    const key = req.get("idempotency-key");
    if (key === undefined || key === "")
      throw new InvalidInputError("The Idempotency-Key header is required");
    if (!KEY.test(key)) throw new InvalidInputError("Idempotency-Key must match ^[A-Za-z0-9._:-]{8,128}$");

    const claim = await store.claim(scope, key, fingerprintOf(bodyOf(res)), claimTtlS);
    if (claim.kind === "mismatch") throw new IdempotencyKeyReusedError();
    if (claim.kind === "in-progress") throw new IdempotencyKeyInUseError(claim.retryAfterS);
    if (claim.kind === "replay") {
      res.setHeader("Idempotent-Replayed", "true");
      send(res, restamped(claim.answer, ctx.requestId));
      return;
    }
    let answer: RouteAnswer;
    try {
      answer = await handler(req, res, key);
    } catch (error) {
      const problem = keptProblemOf(error, req.path, ctx.requestId);
      if (problem === undefined) {
        await store.release(scope, key, claim.token);
        throw error;
      }
      await store.complete(scope, key, claim.token, problem, ttlS);
      throw error;
    }
    // A status that is not kept (a 5xx answered on purpose) is released by `complete` itself.
    await store.complete(scope, key, claim.token, answer, ttlS);
    send(res, answer);
  };
}

/** The problem a thrown 4xx is answered with, as kept for its key; nothing for a 5xx, a timeout or a closed client. */
function keptProblemOf(error: unknown, instance: string, requestId: string): RouteAnswer | undefined {
  if (!isGatewayError(error) || error.code === "CLIENT_CLOSED" || !isKeptStatus(error.status))
    return undefined;
  const problem = problemOf(error, instance, requestId);
  return { status: problem.status, headers: { "Content-Type": PROBLEM_TYPE }, body: problem };
}

/** A replayed problem names the request that got it, not the one that first did. */
function restamped(answer: KeptAnswer, requestId: string): KeptAnswer {
  const body = answer.body;
  const isProblem = /^application\/problem\+json/i.test(answer.headers["Content-Type"] ?? "");
  if (!isProblem || typeof body !== "object" || body === null) return answer;
  return { ...answer, body: { ...body, requestId } };
}

function send(res: Response, { status, headers, body }: KeptAnswer): void {
  const text = JSON.stringify(body) ?? "null";
  const timing = contextOf(res).timings.header();
  if (timing !== undefined) res.setHeader("Server-Timing", timing);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (res.getHeader("Content-Type") === undefined)
    res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.statusCode = status;
  res.setHeader("Content-Length", Buffer.byteLength(text));
  res.end(text);
}
