/** Pure domain of the factor service (no proto, TypeORM or NATS). */
export * from "./factor-ids.js";
export * from "./calendar-range.js";
export * from "./symbol-factors.js";
export * from "./symbol-metrics.js";
