import { InvalidInputError } from "@portico/core";
import type { z } from "zod";

/**
 * Validates path or query parameters with their zod schema, or throws a 400
 * naming the parameter. The bad value is not echoed: it may be long or hostile.
 */
export function parseParams<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: "path" | "query",
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const name = issue?.path.map(String).join(".") ?? "";
  throw new InvalidInputError(
    `${where === "path" ? "Path" : "Query"} parameter "${name}" ${issue?.message ?? "is invalid"}`,
  );
}
