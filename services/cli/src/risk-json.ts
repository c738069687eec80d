import {
  CorrelationExclusionSchema,
  type Factor,
  FACTORS,
  type FactorCorrelations,
  type FactorExposure,
  type FactorShock,
  type GetRiskReportResponse,
  type PositionCorrelations,
  type RunStressTestResponse,
  type StressResult,
  type VolatilityStats,
  VolTrend,
  VolTrendSchema,
} from "@sigma/contracts";
import { finite } from "./portfolio-json.js";
import { enumWord } from "./words.js";

/**
 * The `--json` shapes of `sigma report` and `sigma stress` (issue #9 item 7): snake_case keys exactly
 * as specified, factor ids the lower-snake ids of SPEC §3 (`market`, `low_volatility`, ...), money in
 * dollars, ratios as decimals, and null for what is not computable: a NaN or infinite number, an
 * unset proto `optional`, an unset message (e.g. no correlations stored for the date).
 */

/** A factor's lower-snake id (SPEC §3); an unknown number (a newer server) prints as the number. */
export function factorId(f: Factor): string {
  return FACTORS.find((x) => x.factor === f)?.id ?? String(f);
}

/** Canonical order of a factor (FACTORS order), unknown ones last. */
function factorOrder(f: Factor): number {
  const i = FACTORS.findIndex((x) => x.factor === f);
  return i === -1 ? FACTORS.length + f : i;
}

/** One factor of `report --json` `exposures`. */
export interface ExposureJson {
  beta: number | null;
  dollar: number | null;
  positions_with_beta: number;
  eligible_positions: number;
  coverage_count: number | null;
  coverage_abs_mv: number | null;
  data_quality_failure: boolean;
}

/** A factor exposure: coverage NaN (no eligible position) → null; data_quality_failure = no_coverage. */
export function exposureJson(e: FactorExposure): ExposureJson {
  return {
    beta: finite(e.beta),
    dollar: finite(e.dollarExposure),
    positions_with_beta: e.positionsCovered,
    eligible_positions: e.positionsEligible,
    coverage_count: finite(e.coverageByCount),
    coverage_abs_mv: finite(e.coverageByValue),
    data_quality_failure: e.noCoverage,
  };
}

/** `V` of `report --json`: a series' volatility analytics. */
export interface VolatilityJson {
  realized_vol_21d: number | null;
  realized_vol_63d: number | null;
  har_h1: number | null;
  har_h21: number | null;
  /** "stable" | "increasing" | "decreasing", or null when not computable. */
  trend: string | null;
  trend_slope: number | null;
  percentile: number | null;
}

/** Volatility analytics; an unset optional (too little history) is null, VOL_TREND_UNSPECIFIED is a null trend. */
export function volatilityJson(s: VolatilityStats): VolatilityJson {
  return {
    realized_vol_21d: finite(s.realizedVol21d),
    realized_vol_63d: finite(s.realizedVol63d),
    har_h1: finite(s.harH1),
    har_h21: finite(s.harH21),
    trend: s.trend === VolTrend.UNSPECIFIED ? null : enumWord(VolTrendSchema, s.trend),
    trend_slope: finite(s.trendSlope),
    percentile: finite(s.percentile),
  };
}

/**
 * A row-major n × n matrix as n rows (NaN → null).
 *
 * @throws Error when the flat array does not hold n × n values (a malformed answer is never cut or padded silently).
 */
export function squareRows(flat: readonly number[], n: number, what: string): (number | null)[][] {
  if (flat.length !== n * n) throw new Error(`the risk service answered ${flat.length} values for the ${n} × ${n} ${what}`);
  return Array.from({ length: n }, (_, i) => flat.slice(i * n, (i + 1) * n).map((v) => finite(v)));
}

/** `correlations` of `report --json`. */
export interface CorrelationsJson {
  included: string[];
  /** SYMBOL → "below_min_weight" | "below_min_value" | "no_returns" | "few_returns". */
  excluded: Record<string, string>;
  matrix: (number | null)[][];
  psd_repaired: boolean;
  avg_abs_corr: number | null;
  diversification_ratio: number | null;
  clusters: string[][];
}

/** A portfolio's position correlations: the matrix as rows in the order of `included`. */
export function correlationsJson(c: PositionCorrelations): CorrelationsJson {
  return {
    included: [...c.included],
    excluded: Object.fromEntries(c.excluded.map((x) => [x.symbol, enumWord(CorrelationExclusionSchema, x.reason)])),
    matrix: squareRows(c.matrix, c.included.length, "correlation matrix"),
    psd_repaired: c.psdRepaired,
    avg_abs_corr: finite(c.avgAbsCorr),
    diversification_ratio: finite(c.diversificationRatio),
    clusters: c.clusters.map((k) => [...k.symbols]),
  };
}

/** `factor_correlations` of `report --json`. */
export interface FactorCorrelationsJson {
  etfs: string[];
  /** Off-diagonal clipped to ±0.95 (reporting only). */
  correlation: (number | null)[][];
  /** Unclipped EWMA covariance (what the stress model uses). */
  covariance: (number | null)[][];
}

/** The factor ETFs' EWMA correlation and covariance, both as rows in the order of `etfs`. */
export function factorCorrelationsJson(f: FactorCorrelations): FactorCorrelationsJson {
  const n = f.etfs.length;
  return {
    etfs: [...f.etfs],
    correlation: squareRows(f.correlation, n, "factor correlation matrix"),
    covariance: squareRows(f.covariance, n, "factor covariance matrix"),
  };
}

/** `sigma report --json`. */
export interface ReportJson {
  date: string;
  nav: number | null;
  exposures: Record<string, ExposureJson>;
  volatility: { portfolio: VolatilityJson | null; positions: Record<string, VolatilityJson> };
  correlations: CorrelationsJson | null;
  factor_correlations: FactorCorrelationsJson | null;
}

/**
 * `sigma report --json` from GetRiskReport: exposures keyed by factor id in the canonical order of
 * SPEC §3; an unset message (portfolio volatility with too short a series, correlations or factor
 * EWMA not computed for the date) is null; a position without stats is left out.
 */
export function reportJson(r: GetRiskReportResponse): ReportJson {
  const exposures = [...r.exposures].sort((a, b) => factorOrder(a.factor) - factorOrder(b.factor));
  return {
    date: r.date,
    nav: finite(r.nav),
    exposures: Object.fromEntries(exposures.map((e) => [factorId(e.factor), exposureJson(e)])),
    volatility: {
      portfolio: r.portfolioVolatility ? volatilityJson(r.portfolioVolatility) : null,
      positions: Object.fromEntries(r.positionVolatility.flatMap((p) => (p.stats ? [[p.symbol, volatilityJson(p.stats)]] : []))),
    },
    correlations: r.correlations ? correlationsJson(r.correlations) : null,
    factor_correlations: r.factorCorrelations ? factorCorrelationsJson(r.factorCorrelations) : null,
  };
}

/** The `direct` / `correlated` entry of a scenario. */
export interface ImpactJson {
  /** factor id → dollars. */
  contributions: Record<string, number | null>;
  total: number | null;
  /** Signed fraction of nav (impact / nav; loss negative). */
  pct_of_nav: number | null;
  loss_exceeds_nav: boolean;
}

/** One scenario of `sigma stress --json`. */
export interface ScenarioJson {
  active_by_default: boolean;
  shocks: Record<string, number | null>;
  /** ETF → move under the correlated model; null when no EWMA covariance exists for the date. */
  etf_moves: Record<string, number | null> | null;
  direct: ImpactJson;
  /** null when no EWMA covariance exists for the date (correlated_available false). */
  correlated: ImpactJson | null;
}

/**
 * One stress result: `direct.contributions` holds the shocked factors only; `correlated.contributions`
 * the factors that enter the correlated total (the 6 style factors and IR; spreads are reported by
 * the service but never in totals, so they are left out here).
 */
export function scenarioJson(s: StressResult): ScenarioJson {
  const byFactor = [...s.contributions].sort((a, b) => factorOrder(a.factor) - factorOrder(b.factor));
  const shocks = [...s.shocks].sort((a, b) => factorOrder(a.factor) - factorOrder(b.factor));
  return {
    active_by_default: s.activeByDefault,
    shocks: Object.fromEntries(shocks.map((x) => [factorId(x.factor), finite(x.shock)])),
    etf_moves: s.correlatedAvailable ? Object.fromEntries(s.etfMoves.map((m) => [m.etf, finite(m.move)])) : null,
    direct: {
      contributions: Object.fromEntries(byFactor.filter((c) => c.shocked).map((c) => [factorId(c.factor), finite(c.directDollars)])),
      total: finite(s.directImpact),
      pct_of_nav: finite(s.directPctOfNav),
      loss_exceeds_nav: s.lossExceedsNav,
    },
    correlated: s.correlatedAvailable
      ? {
          contributions: Object.fromEntries(
            byFactor.filter((c) => c.correlated && c.inTotal).map((c) => [factorId(c.factor), finite(c.correlatedDollars)]),
          ),
          total: finite(s.correlatedImpact),
          pct_of_nav: finite(s.correlatedPctOfNav),
          loss_exceeds_nav: s.correlatedLossExceedsNav,
        }
      : null,
  };
}

/** `sigma stress --json`: scenario id → its result, in the order the risk service answered. */
export function stressJson(r: Pick<RunStressTestResponse, "results">): Record<string, ScenarioJson> {
  return Object.fromEntries(r.results.map((s) => [s.scenarioId, scenarioJson(s)]));
}

/** Why a `--shock` value was refused (the command turns it into a usage error). */
export class ShockSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ShockSyntaxError";
  }
}

/**
 * Parses `--shock factor=value` entries into factor shocks: `factor` one of the 12 lower-snake ids
 * of SPEC §3, `value` a finite decimal (a return, e.g. -0.1 for −10 %; for `ir` a yield change,
 * 0.01 = 100 bp), each factor at most once.
 *
 * @throws ShockSyntaxError naming the entry and what is wrong.
 */
export function parseShocks(entries: readonly string[]): { factor: Factor; shock: number }[] {
  const out: { factor: Factor; shock: number }[] = [];
  const ids = FACTORS.map((f) => f.id);
  for (const entry of entries) {
    const eq = entry.indexOf("=");
    if (eq <= 0) throw new ShockSyntaxError(`--shock ${entry}: expected factor=value, e.g. market=-0.1 or ir=0.01`);
    const id = entry.slice(0, eq).trim();
    const text = entry.slice(eq + 1).trim();
    const info = FACTORS.find((f) => f.id === id);
    if (!info) throw new ShockSyntaxError(`--shock ${entry}: unknown factor "${id}" (one of ${ids.join(", ")})`);
    const shock = text === "" ? Number.NaN : Number(text);
    if (!Number.isFinite(shock)) throw new ShockSyntaxError(`--shock ${entry}: "${text}" is not a number (a decimal return, e.g. -0.1)`);
    if (out.some((s) => s.factor === info.factor)) throw new ShockSyntaxError(`--shock ${entry}: ${id} is shocked twice`);
    out.push({ factor: info.factor, shock });
  }
  return out;
}

/** The shocks of a scenario, as a readable line ("market -10%, ir +50bp"). */
export function shocksText(shocks: readonly Pick<FactorShock, "factor" | "shock">[]): string {
  return shocks
    .map((s) => {
      const id = factorId(s.factor);
      if (id === "ir") return `ir ${s.shock >= 0 ? "+" : ""}${Number((s.shock * 10_000).toFixed(2))}bp`;
      return `${id} ${s.shock >= 0 ? "+" : ""}${Number((s.shock * 100).toFixed(4))}%`;
    })
    .join(", ");
}
