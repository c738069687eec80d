/** Factor ids, factor ETFs and skip reasons of phase 1.5 / 1.75 (SPEC §3); names match the proto enums. */
import { RISK_FACTOR_IDS } from "@sigma/quant";

/** The 12 factor ids in storage / proto order (FACTOR_MARKET = 1 … FACTOR_QUALITY_SPREAD = 12): one list, in @sigma/quant. */
export const FACTOR_IDS = RISK_FACTOR_IDS;

/** A factor id. */
export type FactorId = (typeof FACTOR_IDS)[number];

/** The 8 factor ETFs; every factor regression uses only these as regressors. */
export const FACTOR_ETFS = ["SPY", "TLT", "VTV", "VUG", "MTUM", "QUAL", "IWM", "USMV"] as const;

/** Style factors and their ETF, in ridge column order. */
export const STYLE_FACTORS: readonly (readonly [FactorId, string])[] = [
  ["value", "VTV"],
  ["growth", "VUG"],
  ["momentum", "MTUM"],
  ["quality", "QUAL"],
  ["size", "IWM"],
  ["low_volatility", "USMV"],
];

/** Spread factors: long ETF minus short ETF. */
export const SPREAD_FACTORS: readonly (readonly [FactorId, string, string])[] = [
  ["growth_value_spread", "VUG", "VTV"],
  ["momentum_spread", "MTUM", "SPY"],
  ["size_spread", "IWM", "SPY"],
  ["quality_spread", "QUAL", "SPY"],
];

/** Skip reasons (proto `SkipReason` without the prefix). */
export type SkipReason = "NO_PRICES" | "INSUFFICIENT_HISTORY" | "DEGENERATE_REGRESSOR" | "NO_CLOSE";

/** Quality codes as stored: 0 = no value, 1 = FULL, 2 = LIMITED (proto `BetaQuality` numbering). */
export const QUALITY_NONE = 0;
/** n_obs equals the window. */
export const QUALITY_FULL = 1;
/** minimum ≤ n_obs < window. */
export const QUALITY_LIMITED = 2;

/** A problem that concerns a whole symbol (it produced no rows at all). */
export interface SymbolProblem {
  symbol: string;
  reason: SkipReason;
  detail: string;
}

/** Invalid input to a domain computation (maps to INVALID_ARGUMENT at the boundary). */
export class FactorInputError extends Error {
  override readonly name = "FactorInputError";
}
