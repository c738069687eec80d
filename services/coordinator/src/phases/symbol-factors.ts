import { Phase } from "@sigma/contracts";
import { symbolAnalyticsStep } from "./symbol-analytics.js";

/** Phase 1.5 (Factor Analysis): the 12 factor betas of every symbol with prices, chunk by chunk. */
export const symbolFactorsStep = symbolAnalyticsStep(Phase.SYMBOL_FACTORS);
