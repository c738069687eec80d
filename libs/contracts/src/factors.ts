import { Factor } from "./gen/sigma/common/v1/common_pb.js";

/** Static description of a factor: stable id (JSON key), display name and enum value. */
export interface FactorInfo {
  readonly factor: Factor;
  /** Stable id used as JSON key in every machine-readable output (SPEC §3). */
  readonly id: string;
  readonly displayName: string;
}

/** The 12 factors in canonical order. */
export const FACTORS: readonly FactorInfo[] = [
  { factor: Factor.MARKET, id: "market", displayName: "Market Beta" },
  { factor: Factor.IR, id: "ir", displayName: "Interest Rate Beta" },
  { factor: Factor.VALUE, id: "value", displayName: "Value" },
  { factor: Factor.GROWTH, id: "growth", displayName: "Growth" },
  { factor: Factor.MOMENTUM, id: "momentum", displayName: "Momentum" },
  { factor: Factor.QUALITY, id: "quality", displayName: "Quality" },
  { factor: Factor.SIZE, id: "size", displayName: "Size" },
  { factor: Factor.LOW_VOLATILITY, id: "low_volatility", displayName: "Low Volatility" },
  { factor: Factor.GROWTH_VALUE_SPREAD, id: "growth_value_spread", displayName: "Growth-Value Spread" },
  { factor: Factor.MOMENTUM_SPREAD, id: "momentum_spread", displayName: "Momentum Spread" },
  { factor: Factor.SIZE_SPREAD, id: "size_spread", displayName: "Size Spread" },
  { factor: Factor.QUALITY_SPREAD, id: "quality_spread", displayName: "Quality Spread" },
];

/** The factor ETFs every market-data sync includes (SPEC §3). */
export const FACTOR_ETFS: readonly string[] = ["SPY", "VTV", "VUG", "MTUM", "QUAL", "IWM", "USMV", "TLT"];
