export {
  answerClientError,
  type EdgeServerOptions,
  edgeServerOptions,
  guardRequestTarget,
} from "./edge-server.js";
export { limitHeapGrowth } from "./heap-growth.js";
export { type BffApp, type RunBffOptions, runBff } from "./run-bff.js";
