import { Phase } from "@sigma/contracts";
import { riskChunkStep } from "./risk-chunk.js";

/**
 * Phase 4 (Factor Exposures): per date chunk, one ComputeFactorExposures call with the chunk's
 * cells. A portfolio with eligible positions and no beta for a factor on a date comes back as a
 * NO_COVERAGE problem: recorded on the run, which ends `completed_with_warnings` listing it.
 */
export const factorExposuresStep = riskChunkStep(Phase.FACTOR_EXPOSURES, [Phase.POSITION_BETAS], (ctx, req) =>
  ctx.services.risk.computeFactorExposures(req, { signal: ctx.signal, timeoutMs: ctx.timeoutMs }),
);
