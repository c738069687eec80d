/**
 * The 12 risk factors of the analytics contract (SPEC §3 "Symbol factor betas") and how they map onto
 * the 8 factor ETFs used by the stress model. Kept here (not imported from @sigma/contracts) so that
 * @sigma/quant stays free of service dependencies; the ids equal the JSON keys of the spec.
 */

/** Factor ids in the canonical order of the spec; every per-factor array of the risk math uses it. */
export const RISK_FACTOR_IDS = [
  "market",
  "ir",
  "value",
  "growth",
  "momentum",
  "quality",
  "size",
  "low_volatility",
  "growth_value_spread",
  "momentum_spread",
  "size_spread",
  "quality_spread",
] as const;

/** One of the 12 factor ids. */
export type RiskFactorId = (typeof RISK_FACTOR_IDS)[number];

/** Number of risk factors (12). */
export const RISK_FACTOR_COUNT = RISK_FACTOR_IDS.length;

/** Index of a factor id in {@link RISK_FACTOR_IDS}. */
export function riskFactorIndex(id: RiskFactorId): number {
  return RISK_FACTOR_IDS.indexOf(id);
}

/** The 8 factor ETFs in the order of the factor EWMA covariance (SPEC §3 "Factor ETFs"). */
export const FACTOR_ETFS = ["SPY", "VTV", "VUG", "MTUM", "QUAL", "IWM", "USMV", "TLT"] as const;

/** One of the 8 factor ETF symbols. */
export type FactorEtf = (typeof FACTOR_ETFS)[number];

/** The ETF whose return is each non-spread factor's return (market → SPY, ir → TLT, styles → their ETF). */
export const FACTOR_ETF_OF: Readonly<Partial<Record<RiskFactorId, FactorEtf>>> = {
  market: "SPY",
  ir: "TLT",
  value: "VTV",
  growth: "VUG",
  momentum: "MTUM",
  quality: "QUAL",
  size: "IWM",
  low_volatility: "USMV",
};

/** The 6 style factors of the ridge model (the correlated stress impact sums over these plus IR). */
export const STYLE_FACTOR_IDS = ["value", "growth", "momentum", "quality", "size", "low_volatility"] as const;

/** Spread factors: their implied move is move(long ETF) − move(short ETF); never added into totals. */
export const SPREAD_LEGS: Readonly<
  Record<"growth_value_spread" | "momentum_spread" | "size_spread" | "quality_spread", readonly [FactorEtf, FactorEtf]>
> = {
  growth_value_spread: ["VUG", "VTV"],
  momentum_spread: ["MTUM", "SPY"],
  size_spread: ["IWM", "SPY"],
  quality_spread: ["QUAL", "SPY"],
};

/** True for the four spread factors. */
export function isSpreadFactor(id: RiskFactorId): id is keyof typeof SPREAD_LEGS {
  return id in SPREAD_LEGS;
}
