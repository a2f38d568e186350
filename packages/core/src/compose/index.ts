export {
  type CompositionSink,
  type PartReport,
  reportComposition,
  withCompositionSink,
} from "./composition-sink.js";
export { Composition, type CompositionResult, composition, type PartSpec } from "./plan.js";
