import { z } from "zod";
import { ERROR_CODES, type ErrorCode } from "../errors/codes.js";

/**
 * The zod schemas every BFF's OpenAPI document shares: the problem document
 * every error is answered with (`problemOf`) and money.
 */

export const moneySchema = z
  .object({
    amount: z.number().int().meta({ description: "Amount in minor units (cents)." }),
    currency: z.string().meta({ description: "ISO 4217 currency code.", examples: ["USD"] }),
  })
  .meta({ description: "An amount of money." });

const ERROR_CODE_NAMES = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

// Loose: RFC 9457 lets a problem carry extension members.
export const problemSchema = z
  .looseObject({
    type: z.string().meta({
      description: "A URI naming the kind of problem.",
      examples: ["https://portico.dev/problems/not-found"],
    }),
    title: z.string(),
    status: z.number().int().min(400).max(599),
    detail: z.string(),
    instance: z.string().meta({ description: "The request path." }),
    requestId: z.string().meta({ description: "The request's `X-Request-Id`." }),
    code: z.enum(ERROR_CODE_NAMES).meta({ description: "Portico's stable error code, e.g. `NOT_FOUND`." }),
  })
  .meta({ description: "An RFC 9457 problem document." });

export type MoneyAnswer = z.infer<typeof moneySchema>;
export type ProblemAnswer = z.infer<typeof problemSchema>;
