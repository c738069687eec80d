import { Phase } from "@sigma/contracts";
import { riskChunkStep } from "./risk-chunk.js";

/**
 * Phase 6 (Correlations): per date chunk, one ComputeCorrelations call with the chunk's cells
 * (position correlations per portfolio and date, and the factor EWMA covariance of those dates).
 */
export const correlationsStep = riskChunkStep(Phase.CORRELATIONS, [Phase.SNAPSHOTS], (ctx, req) =>
  ctx.services.risk.computeCorrelations(req, { signal: ctx.signal, timeoutMs: ctx.timeoutMs }),
);
