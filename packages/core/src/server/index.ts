export {
  answerClientError,
  type EdgeServerOptions,
  edgeServerOptions,
  guardRequestTarget,
} from "./edge-server.js";
export { disablePretenuring, growNewSpaceAtOnce, limitHeapGrowth } from "./heap-sizing.js";
export { type BffApp, type RunBffOptions, runBff } from "./run-bff.js";
