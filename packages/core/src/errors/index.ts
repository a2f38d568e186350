export { ERROR_CODES, type ErrorCode } from "./codes.js";
export * from "./gateway-error.js";
export { withoutStackTraces } from "./without-stack-traces.js";
