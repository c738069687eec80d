/**
 * @sigma/quant: pure analytics math (no I/O). Series are Float64Array aligned to a trading calendar with
 * NaN for missing values; results use NaN for "no value" unless a function documents null.
 */
export * from "./constants.js";
export * from "./returns.js";
export * from "./clip.js";
export * from "./fit-status.js";
export * from "./comoments.js";
export * from "./small-linalg.js";
export * from "./ols.js";
export * from "./ridge.js";
export * from "./calendar-blocks.js";
export * from "./factor-panel.js";
export * from "./volatility.js";
export * from "./metrics.js";
export * from "./ewma.js";
export * from "./lstsq.js";
export * from "./black-scholes.js";
export * from "./risk-factors.js";
export * from "./risk-exposures.js";
export * from "./min-norm-ols.js";
export * from "./risk-volatility.js";
export * from "./risk-correlation.js";
export * from "./risk-stress.js";
