export { Composition, type CompositionResult, composition, type PartReport, type PartSpec } from "./plan.js";
