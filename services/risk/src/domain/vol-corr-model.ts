/**
 * Phases 5 (volatility) and 6 (correlations) of the risk service: the pure shapes the use cases, the
 * store and the report share, and the small conversions between @sigma/quant results and stored rows.
 * No I/O here (the ports below are implemented over the snapshot service and @sigma/prices).
 */
import type { CorrelationExclusion, CorrelationResult, VolatilitySeries } from "@sigma/quant";

/** A typed skip reason of phases 5 and 6 (names of the common SkipReason enum). */
export type VolCorrSkipReason =
  | "NO_SNAPSHOT"
  | "INSUFFICIENT_HISTORY"
  | "NO_PRICES"
  | "NO_CLOSE"
  | "NOT_ELIGIBLE"
  | "BELOW_MIN_WEIGHT"
  | "BELOW_MIN_VALUE"
  | "NO_RETURNS"
  | "FEW_RETURNS";

/** A per-symbol problem for operators (at most one per symbol and call). */
export interface VolCorrProblem {
  symbol: string;
  reason: VolCorrSkipReason;
  message: string;
  /** First date it applies to ("" = the whole call). */
  date: string;
}

/** Counters of one compute call (units documented by each use case). */
export interface VolCorrOutcome {
  inputs: number;
  outputs: number;
  skipped: Partial<Record<VolCorrSkipReason, number>>;
  problems: VolCorrProblem[];
}

/** Adds `n` skips of `reason` to an outcome. */
export function addSkip(o: VolCorrOutcome, reason: VolCorrSkipReason, n = 1): void {
  if (n > 0) o.skipped[reason] = (o.skipped[reason] ?? 0) + n;
}

/** One (portfolio, date) cell of a compute request. */
export interface PortfolioDate {
  portfolioId: string;
  date: string;
}

/** The validated cells of a compute request: per portfolio its distinct dates, ascending. */
export interface CellSet {
  byPortfolio: Map<string, string[]>;
  /** Number of distinct cells. */
  count: number;
  /** Smallest and largest date over every cell. */
  minDate: string;
  maxDate: string;
}

/** Every cell of a set, portfolio by portfolio (dates ascending). */
export function cellList(cells: CellSet): PortfolioDate[] {
  const out: PortfolioDate[] = [];
  for (const [portfolioId, dates] of cells.byPortfolio) for (const date of dates) out.push({ portfolioId, date });
  return out;
}

/**
 * Volatility analytics of one series on one date (annualized decimals; NaN = not computable; trend is
 * the VolTrend code, 0 = not computable).
 */
export interface VolRow {
  rv21: number;
  rv63: number;
  harH1: number;
  harH21: number;
  trend: number;
  trendSlope: number;
  trendR2: number;
  percentile: number;
}

/** The numeric fields of {@link VolRow} in stored column order. */
export const VOL_VALUE_FIELDS = ["rv21", "rv63", "harH1", "harH21", "trendSlope", "trendR2", "percentile"] as const;

/** A row with nothing computable. */
export function emptyVolRow(): VolRow {
  return { rv21: NaN, rv63: NaN, harH1: NaN, harH21: NaN, trend: 0, trendSlope: NaN, trendR2: NaN, percentile: NaN };
}

/** The analytics of calendar index `t` of a computed series (an empty row when t is out of range). */
export function volRowAt(s: VolatilitySeries, t: number): VolRow {
  if (!(t >= 0 && t < s.rv21.length)) return emptyVolRow();
  return {
    rv21: s.rv21[t]!,
    rv63: s.rv63[t]!,
    harH1: s.harH1[t]!,
    harH21: s.harH21[t]!,
    trend: s.trend[t]!,
    trendSlope: s.trendSlope[t]!,
    trendR2: s.trendR2[t]!,
    percentile: s.percentile[t]!,
  };
}

/** True when at least one analytic of the row has a value. */
export function volRowComputable(r: VolRow): boolean {
  return r.trend !== 0 || VOL_VALUE_FIELDS.some((k) => Number.isFinite(r[k]));
}

/** A portfolio's volatility on a date and the PUBLIC symbols it held that day (position order). */
export interface PortfolioVolRow extends PortfolioDate {
  stats: VolRow;
  symbols: string[];
}

/** A symbol's volatility on a date (shared by every portfolio holding it). */
export interface SymbolVolRow {
  symbol: string;
  date: string;
  stats: VolRow;
}

/** A symbol left out of a correlation matrix. */
export interface ExcludedCorrelationSymbol {
  symbol: string;
  reason: CorrelationExclusion;
  nReturns: number;
}

/**
 * A portfolio's stored correlation analysis on a date. Clusters are stored as one label per included
 * symbol (`clusterOf[i]` = index of its cluster, −1 = in none): clusters are ordered by their smallest
 * member and hold ascending indices, so the labels give them back exactly ({@link clustersFromLabels}).
 */
export interface CorrelationRow extends PortfolioDate {
  included: string[];
  /** Row-major m × m over `included` (the reported, possibly repaired matrix). */
  matrix: Float64Array;
  clusterOf: Int32Array;
  excluded: ExcludedCorrelationSymbol[];
  psdRepaired: boolean;
  /** NaN when m = 0. */
  minEigenvalue: number;
  /** NaN with fewer than 2 symbols. */
  avgAbsCorr: number;
  /** NaN when m = 0 or σ_p = 0. */
  diversificationRatio: number;
}

/** Cluster labels of {@link CorrelationRow.clusterOf} from the math's cluster lists. */
export function clusterLabels(clusters: readonly (readonly number[])[], m: number): Int32Array {
  const out = new Int32Array(m).fill(-1);
  clusters.forEach((c, k) => {
    for (const i of c) out[i] = k;
  });
  return out;
}

/** Cluster lists (ascending indices, ordered by label) from {@link clusterLabels}. */
export function clustersFromLabels(labels: ArrayLike<number>): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < labels.length; i++) {
    const k = labels[i]!;
    if (k < 0) continue;
    while (out.length <= k) out.push([]);
    out[k]!.push(i);
  }
  return out.filter((c) => c.length > 0);
}

/** The stored row of a {@link CorrelationResult}. */
export function correlationRowOf(cell: PortfolioDate, r: CorrelationResult): CorrelationRow {
  const m = r.symbols.length;
  return {
    ...cell,
    included: [...r.symbols],
    matrix: r.matrix,
    clusterOf: clusterLabels(r.clusters, m),
    excluded: r.excluded.map((x) => ({ symbol: x.symbol, reason: x.reason, nReturns: x.nReturns })),
    psdRepaired: r.repaired,
    minEigenvalue: r.minEigenvalue,
    avgAbsCorr: r.averageAbsCorrelation,
    diversificationRatio: r.diversificationRatio,
  };
}

/** The factor ETFs' EWMA on a date (row-major 8 × 8 in FACTOR_ETFS order). */
export interface FactorEwmaRow {
  date: string;
  /** Unclipped covariance of daily simple returns. */
  cov: Float64Array;
  /** Correlation with the off-diagonal clipped to ±0.95 (NaN where a variance is 0). */
  corrClipped: Float64Array;
}

/** One position mark of a portfolio on a date, as the risk phases need it. */
export interface PositionMark {
  symbol: string;
  /** Signed market value (currency). */
  marketValue: number;
  /** PUBLIC class (options and private holdings are not). */
  isPublic: boolean;
}

/** A portfolio's snapshot NAV and active positions' marks on one date. */
export interface DatedMarks extends PortfolioDate {
  nav: number;
  positions: PositionMark[];
}

/** A portfolio's snapshot daily_return series, oldest first. */
export interface PortfolioReturns {
  dates: string[];
  dailyReturn: Float64Array;
}

/** Where phases 5 and 6 read portfolio data (the snapshot service in production, fakes in tests). */
export interface PortfolioSource {
  /**
   * daily_return of every snapshot in [startDate, endDate], oldest first, per portfolio (every
   * requested portfolio is in the map; empty series without snapshots). One read for many portfolios.
   */
  returnSeries(
    portfolioIds: readonly string[],
    startDate: string,
    endDate: string,
    signal?: AbortSignal,
  ): Promise<Map<string, PortfolioReturns>>;
  /** Marks of every (portfolio, date) with a snapshot in [startDate, endDate]. */
  positionMarks(portfolioIds: readonly string[], startDate: string, endDate: string, signal?: AbortSignal): Promise<DatedMarks[]>;
}

/** A symbol's aggregate over a portfolio's PUBLIC positions on a date. */
export interface SymbolAggregate {
  symbol: string;
  /** Σ signed market value / nav. */
  weight: number;
  /** |Σ signed market value|. */
  absMarketValue: number;
}

/**
 * PUBLIC positions aggregated by symbol (signed market values summed), in order of first appearance;
 * weight = Σ MV / nav (NaN or ±∞ when nav is 0: such a symbol fails the weight filter).
 */
export function aggregatePublicBySymbol(marks: DatedMarks): SymbolAggregate[] {
  const mv = new Map<string, number>();
  for (const p of marks.positions) if (p.isPublic) mv.set(p.symbol, (mv.get(p.symbol) ?? 0) + p.marketValue);
  return [...mv].map(([symbol, v]) => ({ symbol, weight: v / marks.nav, absMarketValue: Math.abs(v) }));
}

/** The distinct PUBLIC symbols of a date's marks, in order of first appearance. */
export function publicSymbols(marks: DatedMarks | undefined): string[] {
  if (!marks) return [];
  return [...new Set(marks.positions.filter((p) => p.isPublic).map((p) => p.symbol))];
}
