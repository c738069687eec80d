/** The status service's pure domain: event projection, WatchStatus semantics, targets, log text. */
export * from "./activity-text.js";
export * from "./event-builder.js";
export * from "./projection.js";
export * from "./sampling.js";
export * from "./target.js";
export * from "./watch.js";
export * from "./labels.js";
export * from "./run-states.js";
export * from "./status-view.js";
export * from "./readiness.js";
