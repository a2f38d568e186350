export {
  type CompositionSink,
  type PartReport,
  reportComposition,
  withCompositionSink,
} from "./composition-sink.js";
export { type PartSpan, type PartTracing, partTracingOf } from "./part-tracing.js";
export { Composition, type CompositionResult, composition, type PartSpec } from "./plan.js";
