import { Phase } from "@sigma/contracts";
import { riskChunkStep } from "./risk-chunk.js";

/** Phase 5 (Volatility Analysis): per date chunk, one ComputeVolatility call with the chunk's cells. */
export const volatilityStep = riskChunkStep(Phase.VOLATILITY, [Phase.SNAPSHOTS], (ctx, req) =>
  ctx.services.risk.computeVolatility(req, { signal: ctx.signal, timeoutMs: ctx.timeoutMs }),
);
