export { FleetBus, type FleetBusOptions, type Subscription } from "./fleet-bus.js";
export { type FleetCircuitOptions, fleetCircuit } from "./fleet-circuit.js";
export { FleetFlight } from "./fleet-flight.js";
export { FleetReadGenerations } from "./fleet-generations.js";
