import express, { Router } from "express";
import { z } from "zod";
import type { AuthKeys } from "../auth/auth-keys.js";
import { ID_PATTERN } from "../ids.js";
import type { DemoStore } from "../store/demo-store.js";
import { badRequest, notFound } from "./http-answers.js";

export interface AuthSettings {
  /** `iss` of minted tokens (env `AUTH_ISSUER`, default `portico-auth`). */
  readonly issuer: string;
  /** `aud` of minted tokens (env `AUTH_AUDIENCE`, default `portico`). */
  readonly audience: string;
}

const DEFAULT_EXPIRES_IN = 3600;
const ONE_YEAR = 31_536_000;

// `customerId` is the demo login. The other fields are test aids for minting
// tokens a BFF must reject: already expired (negative `expiresIn`), another
// issuer or audience, or a `subject` that is no valid customer id at all.
const tokenRequest = z
  .strictObject({
    customerId: z.string().regex(ID_PATTERN).optional(),
    subject: z.string().min(1).max(1024).optional(),
    expiresIn: z.number().int().min(-ONE_YEAR).max(ONE_YEAR).default(DEFAULT_EXPIRES_IN),
    issuer: z.string().min(1).max(1024).optional(),
    audience: z.string().min(1).max(1024).optional(),
  })
  .refine((body) => (body.customerId === undefined) !== (body.subject === undefined), {
    message: 'exactly one of "customerId" and "subject" is required',
  });

/** `GET /.well-known/jwks.json` and the demo login `POST /token`. */
export function authRoutes(store: DemoStore, keys: AuthKeys, settings: AuthSettings): Router {
  const customers = new Set(store.seed.customers.map((c) => c.id));
  const router = Router();
  router.get("/.well-known/jwks.json", (_req, res) => {
    res.json(keys.jwks);
  });
  router.post("/token", express.json({ limit: "64kb" }), async (req, res) => {
    const parsed = tokenRequest.safeParse(req.body);
    if (!parsed.success) return badRequest(res, z.prettifyError(parsed.error));
    const body = parsed.data;
    if (body.customerId !== undefined && !customers.has(body.customerId)) return notFound(res);
    const access_token = await keys.sign({
      subject: body.customerId ?? body.subject ?? "",
      issuer: body.issuer ?? settings.issuer,
      audience: body.audience ?? settings.audience,
      expiresIn: body.expiresIn,
    });
    res.json({ access_token, token_type: "Bearer", expires_in: body.expiresIn });
  });
  return router;
}
