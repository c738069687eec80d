/**
 * Pure shaping of the portfolio page's data (unit-tested in Node; portfolio-view.ts draws it).
 */
import type { PortfolioPageJson, RiskReportJson, ScenariosJson, SectionJson, StressJson, VolatilityStatsJson } from "./types.js";

/** Display names of the 12 factors, in the contract's order. */
export const FACTOR_NAMES: Readonly<Record<string, string>> = {
  FACTOR_MARKET: "Market",
  FACTOR_IR: "Interest rate",
  FACTOR_VALUE: "Value",
  FACTOR_GROWTH: "Growth",
  FACTOR_MOMENTUM: "Momentum",
  FACTOR_QUALITY: "Quality",
  FACTOR_SIZE: "Size",
  FACTOR_LOW_VOLATILITY: "Low volatility",
  FACTOR_GROWTH_VALUE_SPREAD: "Growth−Value",
  FACTOR_MOMENTUM_SPREAD: "Momentum spread",
  FACTOR_SIZE_SPREAD: "Size spread",
  FACTOR_QUALITY_SPREAD: "Quality spread",
};

/** "Market" for FACTOR_MARKET; the raw name for an unknown one. */
export function factorName(f: string): string {
  return FACTOR_NAMES[f] ?? f.replace(/^FACTOR_/, "");
}

/** Words for a price status. */
export function priceStatusLabel(s: string): string {
  const t = s
    .replace(/^PRICE_STATUS_/, "")
    .toLowerCase()
    .replace(/_/g, " ");
  return t === "unspecified" ? "\u2013" : t;
}

/** Words for a volatility trend. */
export function trendLabel(t: string | undefined): string {
  switch (t) {
    case "VOL_TREND_STABLE":
      return "stable";
    case "VOL_TREND_INCREASING":
      return "increasing";
    case "VOL_TREND_DECREASING":
      return "decreasing";
    default:
      return "not computable";
  }
}

/** Words for why a symbol is left out of the correlation matrix. */
export function exclusionLabel(reason: string): string {
  switch (reason) {
    case "CORRELATION_EXCLUSION_BELOW_MIN_WEIGHT":
      return "below 1% of NAV";
    case "CORRELATION_EXCLUSION_BELOW_MIN_VALUE":
      return "market value below 10,000";
    case "CORRELATION_EXCLUSION_NO_RETURNS":
      return "no returns in the 90-day window";
    case "CORRELATION_EXCLUSION_FEW_RETURNS":
      return "fewer than 30 returns in the window";
    default:
      return reason.toLowerCase();
  }
}

/** The volatility figures of one series, in table order. */
export function volatilityCells(s: VolatilityStatsJson | undefined): Array<number | undefined> {
  return [s?.realizedVol21d, s?.realizedVol63d, s?.harH1, s?.harH21, s?.percentile];
}

/**
 * Every date the page can show: the snapshot dates and the risk report's available dates,
 * newest first, without duplicates.
 */
export function pickableDates(page: Pick<PortfolioPageJson, "snapshots" | "risk">): string[] {
  const set = new Set(page.snapshots.snapshots.map((s) => s.date));
  if (page.risk.state === "ok") for (const d of page.risk.data.availableDates) set.add(d);
  return [...set].sort().reverse();
}

/** One row of the stress table. */
export interface StressRow {
  id: string;
  name: string;
  direct: number;
  /** Signed fraction of NAV (impact / nav; −0.05 is a 5 % loss). */
  directPct: number;
  correlated: number | null;
  correlatedPct: number | null;
  lossBeyondNav: boolean;
  correlatedLossBeyondNav: boolean;
}

/**
 * The stress table's rows: every stored scenario result with its scenario's name (from
 * ListScenarios; the id when unnamed), correlated figures null when the model had no covariance.
 */
export function stressRows(stress: StressJson, scenarios: SectionJson<ScenariosJson>): StressRow[] {
  const names = new Map(scenarios.state === "ok" ? scenarios.data.scenarios.map((s) => [s.id, s.name]) : []);
  return stress.results.map((r) => ({
    id: r.scenarioId,
    name: names.get(r.scenarioId) || r.scenarioId,
    direct: r.directImpact,
    directPct: r.directPctOfNav,
    correlated: r.correlatedAvailable ? r.correlatedImpact : null,
    correlatedPct: r.correlatedAvailable ? r.correlatedPctOfNav : null,
    lossBeyondNav: r.lossExceedsNav,
    correlatedLossBeyondNav: r.correlatedAvailable && r.correlatedLossExceedsNav,
  }));
}

/** Clusters named "Cluster 1 (AAPL, MSFT)" in the report's order. */
export function clusterNames(report: RiskReportJson): string[] {
  return (report.correlations?.clusters ?? []).map((c, i) => `Cluster ${i + 1}: ${c.symbols.join(", ")}`);
}
