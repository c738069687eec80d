import { Phase } from "@sigma/contracts";
import { symbolAnalyticsStep } from "./symbol-analytics.js";

/** Phase 1.75 (Symbol Metrics): returns, volatility, drawdown and indicators per symbol, chunk by chunk. */
export const symbolMetricsStep = symbolAnalyticsStep(Phase.SYMBOL_METRICS);
