import { Phase } from "@sigma/contracts";
import { riskChunkStep } from "./risk-chunk.js";

/** Phase 3 (Position Betas): per date chunk, one ComputePositionBetas call with the chunk's cells. */
export const positionBetasStep = riskChunkStep(Phase.POSITION_BETAS, [Phase.SYMBOL_FACTORS, Phase.SNAPSHOTS], (ctx, req) =>
  ctx.services.risk.computePositionBetas(req, { signal: ctx.signal, timeoutMs: ctx.timeoutMs }),
);
