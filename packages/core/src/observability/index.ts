export {
  combineObservers,
  outcomeOf,
  type UpstreamAttemptEvent,
  type UpstreamCallEvent,
  type UpstreamObserver,
  type UpstreamOutcome,
} from "./upstream-observer.js";
