/**
 * The independent risk reference (libs/quant/test/vectors/risk.json, made by make_risk_vectors.py with
 * numpy/pandas/scipy/statsmodels) and the comparison of the CLI's `sigma report --json` and
 * `sigma stress --json` documents with it (issue #9 item 8). Tolerances are the file's own: ratios
 * |a − e| ≤ 1e-9 + 1e-9·|e|; money |a − e| ≤ 1e-6 × nav; counts, flags, labels and symbol sets exact.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "./paths.js";

type Num = number | null;

/** One volatility block of the reference (annualized decimals; null = not computable). */
export interface RefVolatility {
  rv21: Num;
  rv63: Num;
  har_h1: Num;
  har_h21: Num;
  trend_slope: Num;
  trend_r2: Num;
  trend: string | null;
  percentile: Num;
}

/** One factor's exposure in the reference. */
export interface RefExposure {
  beta: number;
  dollar_exposure: number;
  covered: number;
  eligible: number;
  coverage_by_count: Num;
  coverage_by_value: Num;
  no_coverage: boolean;
}

/** One stress model's impact in the reference. */
export interface RefImpact {
  contributions: Record<string, number>;
  total: number;
  pct_of_nav: number;
  loss_exceeds_nav: boolean;
  etf_moves?: Record<string, number>;
}

/** One scenario in the reference. */
export interface RefScenario {
  active_by_default: boolean;
  shocks: Record<string, number>;
  direct: RefImpact;
  correlated: RefImpact | null;
}

/** One date of one sample portfolio. */
export interface RefDate {
  nav: number;
  exposures: Record<string, RefExposure>;
  data_quality_failure: boolean;
  symbol_volatility: Record<string, RefVolatility | null>;
  correlations?: {
    symbols: string[];
    excluded: { symbol: string; reason: string; n_returns: number }[];
    matrix: number[][];
    repaired: boolean;
    average_abs_correlation: Num;
    diversification_ratio: Num;
    clusters: number[][];
  };
  stress?: Record<string, RefScenario>;
}

/** The reference file. */
export interface RiskReference {
  tolerance: { ratio_abs: number; ratio_rel: number; money_relative_to_nav: number };
  etfs: string[];
  ewma: { date: string; cov: number[][]; corr: number[][]; corr_clipped: number[][] };
  portfolios: Record<string, { dates: Record<string, RefDate>; portfolio_volatility: Record<string, RefVolatility> }>;
}

/** Reads libs/quant/test/vectors/risk.json. */
export function loadRiskReference(): RiskReference {
  return JSON.parse(readFileSync(path.join(repoRoot, "libs/quant/test/vectors/risk.json"), "utf8")) as RiskReference;
}

/** Values compared per output, for the closing note's counts. */
export interface ComparisonCounts {
  exposures: number;
  volatility: number;
  correlations: number;
  factor_correlations: number;
  stress: number;
}

/** A fresh zero count. */
export function zeroCounts(): ComparisonCounts {
  return { exposures: 0, volatility: 0, correlations: 0, factor_correlations: 0, stress: 0 };
}

const absent = (v: unknown) => v === null || v === undefined || (typeof v === "number" && Number.isNaN(v));

function ratio(got: unknown, want: Num, label: string): void {
  if (want === null) {
    assert.ok(absent(got), `${label}: expected null, got ${String(got)}`);
    return;
  }
  assert.equal(typeof got, "number", `${label}: expected ${want}, got ${String(got)}`);
  assert.ok(Math.abs((got as number) - want) <= 1e-9 + 1e-9 * Math.abs(want), `${label}: ${String(got)} vs ${want}`);
}

function money(got: unknown, want: number, nav: number, label: string): void {
  assert.equal(typeof got, "number", `${label}: expected ${want}, got ${String(got)}`);
  assert.ok(Math.abs((got as number) - want) <= 1e-6 * Math.abs(nav), `${label}: ${String(got)} vs ${want} (nav ${nav})`);
}

type Json = Record<string, unknown>;
const obj = (v: unknown, label: string): Json => {
  assert.ok(v !== null && typeof v === "object" && !Array.isArray(v), `${label}: expected an object, got ${JSON.stringify(v)}`);
  return v as Json;
};

/** Compares one volatility block V of the report with the reference; returns the values compared. */
function assertVolatility(got: unknown, want: RefVolatility | null, label: string): number {
  if (want === null) {
    // A symbol the provider never priced (e.g. a mutual fund): nothing is computable.
    if (got !== null) {
      const v = obj(got, label);
      for (const [key, value] of Object.entries(v)) assert.ok(absent(value), `${label} ${key}: expected null, got ${String(value)}`);
    }
    return 1;
  }
  const v = obj(got, label);
  ratio(v.realized_vol_21d, want.rv21, `${label} realized_vol_21d`);
  ratio(v.realized_vol_63d, want.rv63, `${label} realized_vol_63d`);
  ratio(v.har_h1, want.har_h1, `${label} har_h1`);
  ratio(v.har_h21, want.har_h21, `${label} har_h21`);
  ratio(v.trend_slope, want.trend_slope, `${label} trend_slope`);
  ratio(v.percentile, want.percentile, `${label} percentile`);
  assert.equal(v.trend ?? null, want.trend, `${label} trend`);
  return 7;
}

/**
 * Asserts a `sigma report --json` document for (portfolio, date) equals the reference: nav, the 12
 * exposures with coverage and flags, the portfolio's and every PUBLIC position's volatility, and — when
 * the reference has them for the date — the position correlations and the factor EWMA.
 *
 * @returns the values compared, by output.
 */
export function assertReportMatches(
  report: unknown,
  ref: RiskReference,
  portfolio: string,
  date: string,
  counts: ComparisonCounts = zeroCounts(),
): ComparisonCounts {
  const p = ref.portfolios[portfolio];
  assert.ok(p, `no reference for ${portfolio}`);
  const want = p.dates[date];
  assert.ok(want, `no reference for ${portfolio} on ${date}`);
  const label = `${portfolio} ${date}`;
  const r = obj(report, label);
  assert.equal(r.date, date, `${label}: date`);
  money(r.nav, want.nav, want.nav, `${label} nav`);

  const exposures = obj(r.exposures, `${label} exposures`);
  assert.deepEqual(Object.keys(exposures).sort(), Object.keys(want.exposures).sort(), `${label}: exposure factor ids`);
  for (const [factor, e] of Object.entries(want.exposures)) {
    const g = obj(exposures[factor], `${label} ${factor}`);
    ratio(g.beta, e.beta, `${label} ${factor} beta`);
    money(g.dollar, e.dollar_exposure, want.nav, `${label} ${factor} dollar`);
    assert.equal(g.positions_with_beta, e.covered, `${label} ${factor} positions_with_beta`);
    assert.equal(g.eligible_positions, e.eligible, `${label} ${factor} eligible_positions`);
    ratio(g.coverage_count, e.coverage_by_count, `${label} ${factor} coverage_count`);
    ratio(g.coverage_abs_mv, e.coverage_by_value, `${label} ${factor} coverage_abs_mv`);
    assert.equal(g.data_quality_failure, e.no_coverage, `${label} ${factor} data_quality_failure`);
    counts.exposures += 7;
  }

  const vol = obj(r.volatility, `${label} volatility`);
  const pv = p.portfolio_volatility[date];
  assert.ok(pv, `no portfolio volatility reference on ${date}`);
  counts.volatility += assertVolatility(vol.portfolio, pv, `${label} portfolio vol`);
  const positions = obj(vol.positions, `${label} position vols`);
  assert.deepEqual(Object.keys(positions).sort(), Object.keys(want.symbol_volatility).sort(), `${label}: position vol symbols`);
  for (const [symbol, v] of Object.entries(want.symbol_volatility)) {
    counts.volatility += assertVolatility(positions[symbol], v, `${label} ${symbol} vol`);
  }

  if (want.correlations) {
    const c = obj(r.correlations, `${label} correlations`);
    const wc = want.correlations;
    const excludedWant = new Set(wc.excluded.map((x) => x.symbol));
    const includedWant = wc.symbols.filter((s) => !excludedWant.has(s));
    const included = c.included as string[];
    assert.deepEqual([...included].sort(), [...includedWant].sort(), `${label}: included symbols`);
    assert.deepEqual(
      c.excluded,
      Object.fromEntries(wc.excluded.map((x) => [x.symbol, x.reason.toLowerCase()])),
      `${label}: excluded symbols and reasons`,
    );
    const matrix = c.matrix as number[][];
    assert.equal(matrix.length, included.length, `${label}: matrix rows`);
    const refIndex = (s: string) => wc.symbols.indexOf(s);
    included.forEach((a, i) => {
      included.forEach((b, j) => {
        ratio(matrix[i]![j], wc.matrix[refIndex(a)]![refIndex(b)]!, `${label} rho(${a},${b})`);
        counts.correlations++;
      });
    });
    assert.equal(c.psd_repaired, wc.repaired, `${label}: psd_repaired`);
    ratio(c.avg_abs_corr, wc.average_abs_correlation, `${label} avg_abs_corr`);
    ratio(c.diversification_ratio, wc.diversification_ratio, `${label} diversification_ratio`);
    const setOf = (clusters: string[][]) => clusters.map((k) => [...k].sort().join(",")).sort();
    assert.deepEqual(setOf(c.clusters as string[][]), setOf(wc.clusters.map((k) => k.map((i) => wc.symbols[i]!))), `${label}: clusters`);
    counts.correlations += 4;
  }

  if (date === ref.ewma.date) {
    const f = obj(r.factor_correlations, `${label} factor_correlations`);
    assert.deepEqual(f.etfs, ref.etfs, `${label}: factor ETFs`);
    const corr = f.correlation as number[][];
    const cov = f.covariance as number[][];
    ref.etfs.forEach((_, i) => {
      ref.etfs.forEach((__, j) => {
        ratio(corr[i]![j], ref.ewma.corr_clipped[i]![j]!, `${label} ewma corr[${i}][${j}]`);
        ratio(cov[i]![j], ref.ewma.cov[i]![j]!, `${label} ewma cov[${i}][${j}]`);
        counts.factor_correlations += 2;
      });
    });
  }
  return counts;
}

function assertImpact(got: unknown, want: RefImpact, nav: number, label: string): number {
  const g = obj(got, label);
  const contributions = obj(g.contributions, `${label} contributions`);
  assert.deepEqual(Object.keys(contributions).sort(), Object.keys(want.contributions).sort(), `${label}: contribution factors`);
  for (const [factor, dollars] of Object.entries(want.contributions)) money(contributions[factor], dollars, nav, `${label} ${factor}`);
  money(g.total, want.total, nav, `${label} total`);
  ratio(g.pct_of_nav, want.pct_of_nav, `${label} pct_of_nav`);
  assert.equal(g.loss_exceeds_nav, want.loss_exceeds_nav, `${label} loss_exceeds_nav`);
  return Object.keys(want.contributions).length + 3;
}

/**
 * Asserts a `sigma stress --all --json` document equals the reference's 22 scenarios on its date:
 * shocks, ETF moves, direct and correlated contributions, totals, % of nav and loss flags.
 *
 * @returns the values compared.
 */
export function assertStressMatches(stress: unknown, ref: RiskReference, portfolio: string, date: string): number {
  const want = ref.portfolios[portfolio]?.dates[date];
  assert.ok(want?.stress, `no stress reference for ${portfolio} on ${date}`);
  const s = obj(stress, `${portfolio} stress`);
  assert.deepEqual(Object.keys(s).sort(), Object.keys(want.stress).sort(), `${portfolio}: scenario ids`);
  let compared = 0;
  for (const [id, w] of Object.entries(want.stress)) {
    const label = `${portfolio} ${date} ${id}`;
    const g = obj(s[id], label);
    assert.equal(g.active_by_default, w.active_by_default, `${label} active_by_default`);
    const shocks = obj(g.shocks, `${label} shocks`);
    assert.deepEqual(Object.keys(shocks).sort(), Object.keys(w.shocks).sort(), `${label} shock factors`);
    for (const [factor, v] of Object.entries(w.shocks)) ratio(shocks[factor], v, `${label} shock ${factor}`);
    compared += 1 + Object.keys(w.shocks).length;
    compared += assertImpact(g.direct, w.direct, want.nav, `${label} direct`);
    if (w.correlated === null) assert.equal(g.correlated, null, `${label}: correlated should be null`);
    else {
      compared += assertImpact(g.correlated, w.correlated, want.nav, `${label} correlated`);
      const moves = obj(g.etf_moves, `${label} etf_moves`);
      for (const [etf, m] of Object.entries(w.correlated.etf_moves ?? {})) {
        ratio(moves[etf], m, `${label} etf move ${etf}`);
        compared++;
      }
    }
  }
  return compared;
}
