import { z } from "zod";

// Options every fault but `refuse` takes. `refuse` acts on the listening
// socket, before any request exists, so a rate or a path means nothing there.
const common = {
  /** Fraction of matching requests affected, 0..1 (default 1). Deterministic: see FaultState. */
  rate: z.number().min(0).max(1).default(1),
  /** Only requests whose path starts with one of these are affected (default: all). */
  paths: z.array(z.string().startsWith("/").max(512)).min(1).max(32).optional(),
};

/** Validates a fault body (`POST /_faults`); unknown keys are rejected to catch typos. */
export const faultSchema = z.discriminatedUnion("mode", [
  z.strictObject({ mode: z.literal("delay"), ms: z.number().int().min(0).max(600_000), ...common }),
  z.strictObject({
    mode: z.literal("error"),
    status: z.number().int().min(400).max(599).default(500),
    ...common,
  }),
  z.strictObject({ mode: z.literal("hang"), ...common }),
  z.strictObject({ mode: z.literal("malformed"), ...common }),
  // `body` lets a test choose the wrong shape; any JSON value but undefined.
  z.strictObject({ mode: z.literal("wrong-shape"), body: z.json().optional(), ...common }),
  z.strictObject({ mode: z.literal("reset"), ...common }),
  // The route runs (a write is done), then the connection dies before any answer.
  z.strictObject({ mode: z.literal("reset-after-commit"), ...common }),
  z.strictObject({ mode: z.literal("refuse") }),
]);

/** A validated fault with its defaults filled in. */
export type Fault = z.output<typeof faultSchema>;

/** What a caller may pass: defaults are optional. */
export type FaultInput = z.input<typeof faultSchema>;

export type FaultMode = Fault["mode"];

export const FAULT_MODES: readonly FaultMode[] = faultSchema.options.map((o) => o.shape.mode.value);
