/**
 * PLACEHOLDER (branch riskcore): phases 5 and 6 are built in branch riskvc, whose file replaces this
 * one at merge. Same exports: the compute handlers answer UNIMPLEMENTED and the report part is empty.
 */
import type { Client, HandlerContext } from "@connectrpc/connect";
import type {
  ComputeCorrelationsRequest,
  ComputeCorrelationsResponse,
  ComputeVolatilityRequest,
  ComputeVolatilityResponse,
  FactorCorrelations,
  PositionCorrelations,
  SnapshotService,
  SymbolVolatility,
  VolatilityStats,
} from "@sigma/contracts";
import type { PriceSource } from "@sigma/prices";
import { type Logger, UnimplementedError } from "@sigma/runtime";
import type { VolCorrStore } from "../store/vol-corr-store.js";

/** What the phase 5/6 handlers need. */
export interface VolCorrDeps {
  store: VolCorrStore;
  prices: PriceSource;
  snapshot: Client<typeof SnapshotService>;
  logger: Logger;
}

/** The ComputeVolatility and ComputeCorrelations handlers (placeholder: UNIMPLEMENTED). */
export function volCorrHandlers(_deps: VolCorrDeps): {
  computeVolatility(req: ComputeVolatilityRequest, ctx: HandlerContext): Promise<ComputeVolatilityResponse>;
  computeCorrelations(req: ComputeCorrelationsRequest, ctx: HandlerContext): Promise<ComputeCorrelationsResponse>;
} {
  return {
    async computeVolatility() {
      throw new UnimplementedError("volatility analysis (phase 5)");
    },
    async computeCorrelations() {
      throw new UnimplementedError("correlations (phase 6)");
    },
  };
}

/** The volatility and correlation parts of a risk report (placeholder: nothing stored). */
export async function volCorrReportPart(
  _store: VolCorrStore,
  _portfolioId: string,
  _date: string,
): Promise<{
  portfolioVolatility?: VolatilityStats;
  positionVolatility: SymbolVolatility[];
  correlations?: PositionCorrelations;
  factorCorrelations?: FactorCorrelations;
}> {
  return { positionVolatility: [] };
}
