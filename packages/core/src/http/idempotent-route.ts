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
import { type Answer, JSON_TYPE, PROBLEM_TYPE } from "./answer.js";
import type { Exchange } from "./exchange.js";
import { problemOf } from "./problem.js";
import type { Step } from "./route-table.js";

const KEY = /^[A-Za-z0-9._:-]{8,128}$/;

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
  bodyOf?: (exchange: Exchange) => unknown;
}

/** The handler of an idempotent route: it answers rather than writes, so that the answer can be kept. */
export type IdempotentHandler = (exchange: Exchange, key: string) => Promise<RouteAnswer>;

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
 *   async (exchange, key) => ({ status: 201, headers: { Location: "/orders/1" }, body: { order } }));
 * routes({ "/orders": { post: [signedIn, requireCustomer(), body, place] } });
 * ```
 */
export function idempotentRoute(
  { store, requestDeadlineMs, ttlS, bodyOf = () => undefined }: IdempotentRouteOptions,
  handler: IdempotentHandler,
): Step {
  const claimTtlS = inProgressTtlS(requestDeadlineMs);
  return async function idempotentRoute(exchange: Exchange): Promise<Answer> {
    const ctx = exchange.ctx;
    const scope = ctx.identity?.customerId;
    if (scope === undefined) throw new UnauthorizedError("Sign-in required");
    const key = exchange.header("idempotency-key");
    if (key === undefined || key === "")
      throw new InvalidInputError("The Idempotency-Key header is required");
    if (!KEY.test(key)) throw new InvalidInputError("Idempotency-Key must match ^[A-Za-z0-9._:-]{8,128}$");

    const claim = await store.claim(scope, key, fingerprintOf(bodyOf(exchange)), claimTtlS);
    if (claim.kind === "mismatch") throw new IdempotencyKeyReusedError();
    if (claim.kind === "in-progress") throw new IdempotencyKeyInUseError(claim.retryAfterS);
    if (claim.kind === "replay") return answerOf(restamped(claim.answer, ctx.requestId), REPLAYED);
    let answer: RouteAnswer;
    try {
      answer = await handler(exchange, key);
    } catch (error) {
      const problem = keptProblemOf(error, exchange.path, ctx.requestId);
      if (problem === undefined) {
        await store.release(scope, key, claim.token);
        throw error;
      }
      await store.complete(scope, key, claim.token, problem, ttlS);
      throw error;
    }
    // A status that is not kept (a 5xx answered on purpose) is released by `complete` itself.
    await store.complete(scope, key, claim.token, answer, ttlS);
    return answerOf(answer, NONE);
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

const REPLAYED = ["Idempotent-Replayed", "true"];
const NONE: string[] = [];

/** A kept answer as the edge writes it. */
function answerOf({ status, headers, body }: KeptAnswer, extra: readonly string[]): Answer {
  // A write's answer, replayed or not, is never stored (contract 2.8).
  const flat: string[] = [...extra, "Cache-Control", "no-store"];
  for (const [name, value] of Object.entries(headers)) flat.push(name, value);
  if (headers["Content-Type"] === undefined) flat.push("Content-Type", JSON_TYPE);
  return { status, headers: flat, body: JSON.stringify(body) ?? "null" };
}
