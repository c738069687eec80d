/**
 * The risk math against the independent Python reference (test/vectors/risk.json, made by
 * make_risk_vectors.py with statsmodels/sklearn/pandas/numpy/scipy) for the three sample portfolios
 * with the clock at 2020-01-23: exposures on 2019-06-28 and 2020-01-23, volatility of the portfolio
 * series and of every PUBLIC symbol, position correlations, the factor EWMA and the 22 stress
 * scenarios. Inputs taken from the vectors: position market values, classes and nav (the snapshot
 * reference) and the portfolio daily_return series; everything else (returns, symbol betas, EWMA) is
 * computed here by @sigma/quant from the shared price file. Tolerances come from the JSON.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { clipBeta } from "./clip.js";
import { clipCorrelation, ewmaCovariance } from "./ewma.js";
import { FitStatus } from "./fit-status.js";
import { olsFit } from "./ols.js";
import { simpleReturns, spreadReturns } from "./returns.js";
import { ridgeFit } from "./ridge.js";
import { type CorrelationSymbol, positionCorrelations, repairCorrelation } from "./risk-correlation.js";
import { portfolioExposures } from "./risk-exposures.js";
import { FACTOR_ETFS, RISK_FACTOR_COUNT, RISK_FACTOR_IDS, SPREAD_LEGS } from "./risk-factors.js";
import { STRESS_SCENARIOS, stressScenario } from "./risk-stress.js";
import { portfolioVolatilitySeries, volatilitySeries, volTrendLabel } from "./risk-volatility.js";
import { loadPricePanel, loadVectors } from "./testing/fixtures.js";

type Num = number | null;
interface VolRow {
  rv21: Num;
  rv63: Num;
  har_h1: Num;
  har_h21: Num;
  trend_slope: Num;
  trend_r2: Num;
  trend: string | null;
  percentile: Num;
}
interface Impact {
  contributions: Record<string, number>;
  total: number;
  pct_of_nav: number;
  loss_exceeds_nav: boolean;
}
interface DateEntry {
  nav: number;
  positions: { symbol: string; cls: string; market_value: number; eligible: boolean; betas: Record<string, Num> }[];
  exposures: Record<
    string,
    {
      beta: number;
      dollar_exposure: number;
      covered: number;
      eligible: number;
      coverage_by_count: Num;
      coverage_by_value: Num;
      no_coverage: boolean;
    }
  >;
  data_quality_failure: boolean;
  correlations?: {
    symbols: string[];
    n_returns: number[];
    excluded: { symbol: string; reason: string; n_returns: number }[];
    overlap: number[][];
    raw: number[][];
    matrix: number[][];
    min_eigenvalue: number;
    repaired: boolean;
    average_abs_correlation: Num;
    diversification_ratio: Num;
    clusters: number[][];
  };
  stress?: Record<
    string,
    {
      active_by_default: boolean;
      shocks: Record<string, number>;
      direct: Impact;
      correlated: Impact & {
        etf_moves: Record<string, number>;
        spread_moves: Record<string, number>;
        spread_contributions: Record<string, number>;
      };
    }
  >;
  symbol_volatility: Record<string, VolRow | null>;
}
interface RiskVectors {
  tolerance: { ratio_abs: number; ratio_rel: number; money_relative_to_nav: number };
  factors: string[];
  etfs: string[];
  psd_repair_cases: { input: number[][]; min_eigenvalue: number; repaired: boolean; matrix: number[][] }[];
  ewma: { date: string; lambda: number; window: number; cov: number[][]; corr: number[][]; corr_clipped: number[][] };
  portfolios: Record<
    string,
    {
      dates: Record<string, DateEntry>;
      portfolio_returns: { dates: string[]; daily_return: Num[] };
      portfolio_volatility: Record<string, VolRow>;
    }
  >;
}

const V = loadVectors<RiskVectors>("risk.json");
const P = loadPricePanel();
const CLOCK = "2020-01-23";
const returns = new Map<string, Float64Array>();
const ret = (sym: string) => {
  let r = returns.get(sym);
  if (!r) {
    const c = P.closes.get(sym);
    if (!c) return undefined;
    returns.set(sym, (r = simpleReturns(c)));
  }
  return r;
};

/** Counts of compared values per portfolio and output, printed as test diagnostics. */
const counts = new Map<string, number>();
const bump = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);

function close(got: number, want: Num, tol: number, what: string, key: string): void {
  if (want === null) assert.ok(Number.isNaN(got), `${what}: expected null, got ${got}`);
  else assert.ok(Math.abs(got - want) <= tol, `${what}: got ${got}, expected ${want} (|diff| ${Math.abs(got - want)})`);
  bump(key);
}
const ratioTol = (want: Num) => V.tolerance.ratio_abs + V.tolerance.ratio_rel * Math.abs(want ?? 0);

/** Clipped betas of one symbol at t (12, NaN = no row), from the library's direct fits. */
function symbolBetas(sym: string, t: number): Float64Array {
  const out = new Float64Array(RISK_FACTOR_COUNT).fill(NaN);
  const y = ret(sym);
  if (!y) return out;
  const win = (s: Float64Array, w: number) => s.subarray(t - w + 1, t + 1);
  const ols = (f: number, x: Float64Array, w: number, min: number) => {
    const fit = olsFit(win(y, w), win(x, w), min);
    if (fit.status === FitStatus.OK) out[f] = clipBeta(fit.beta);
  };
  ols(0, ret("SPY")!, 90, 30);
  ols(1, ret("TLT")!, 90, 30);
  const ridge = ridgeFit(
    win(y, 90),
    ["VTV", "VUG", "MTUM", "QUAL", "IWM", "USMV"].map((e) => win(ret(e)!, 90)),
    1.0,
    30,
  );
  if (ridge.status === FitStatus.OK) ridge.betas.forEach((b, j) => (out[2 + j] = clipBeta(b)));
  Object.values(SPREAD_LEGS).forEach(([a, b], j) => ols(8 + j, spreadReturns(ret(a)!, ret(b)!), 180, 60));
  return out;
}

function compareVol(got: ReturnType<typeof volatilitySeries>, t: number, want: VolRow, what: string, key: string): void {
  close(got.rv21[t]!, want.rv21, ratioTol(want.rv21), `${what} rv21`, key);
  close(got.rv63[t]!, want.rv63, ratioTol(want.rv63), `${what} rv63`, key);
  close(got.harH1[t]!, want.har_h1, ratioTol(want.har_h1), `${what} har_h1`, key);
  close(got.harH21[t]!, want.har_h21, ratioTol(want.har_h21), `${what} har_h21`, key);
  close(got.trendSlope[t]!, want.trend_slope, ratioTol(want.trend_slope), `${what} trend_slope`, key);
  close(got.trendR2[t]!, want.trend_r2, ratioTol(want.trend_r2), `${what} trend_r2`, key);
  assert.equal(volTrendLabel(got.trend[t]!), want.trend, `${what} trend`);
  bump(key);
  close(got.percentile[t]!, want.percentile, ratioTol(want.percentile), `${what} percentile`, key);
}

for (const [name, port] of Object.entries(V.portfolios)) {
  const exposuresAt = (date: string) => {
    const e = port.dates[date]!;
    const t = P.dates.indexOf(date);
    const betas = new Float64Array(e.positions.length * RISK_FACTOR_COUNT).fill(NaN);
    e.positions.forEach((p, i) => {
      if (p.eligible) betas.set(symbolBetas(p.symbol, t), i * RISK_FACTOR_COUNT);
    });
    const input = {
      nav: e.nav,
      marketValue: Float64Array.from(e.positions, (p) => p.market_value),
      eligible: Uint8Array.from(e.positions, (p) => (p.eligible ? 1 : 0)),
      betas,
    };
    return { e, input, result: portfolioExposures(input) };
  };

  test(`${name}: position betas and factor exposures equal the Python reference on both dates`, () => {
    for (const date of Object.keys(port.dates)) {
      const { e, input, result } = exposuresAt(date);
      e.positions.forEach((p, i) => {
        RISK_FACTOR_IDS.forEach((f, j) => {
          const want = p.betas[f] ?? null;
          close(
            input.betas[i * RISK_FACTOR_COUNT + j]!,
            p.eligible ? want : null,
            ratioTol(want),
            `${date} ${p.symbol} beta ${f}`,
            `${name} position betas`,
          );
        });
      });
      const money = V.tolerance.money_relative_to_nav * Math.abs(e.nav);
      RISK_FACTOR_IDS.forEach((f, j) => {
        const w = e.exposures[f]!;
        const key = `${name} exposures`;
        close(result.beta[j]!, w.beta, ratioTol(w.beta), `${date} ${f} beta`, key);
        close(result.dollarExposure[j]!, w.dollar_exposure, money, `${date} ${f} dollars`, key);
        assert.equal(result.coveredCount[j], w.covered, `${date} ${f} covered`);
        assert.equal(result.eligibleCount, w.eligible, `${date} ${f} eligible`);
        assert.equal(result.noCoverage[j] === 1, w.no_coverage, `${date} ${f} no_coverage`);
        bump(key);
        bump(key);
        bump(key);
        close(result.coverageByCount[j]!, w.coverage_by_count, ratioTol(w.coverage_by_count), `${date} ${f} coverage count`, key);
        close(result.coverageByValue[j]!, w.coverage_by_value, ratioTol(w.coverage_by_value), `${date} ${f} coverage value`, key);
      });
      assert.equal(result.dataQualityFailure, e.data_quality_failure, `${date} data-quality failure`);
    }
  });

  test(`${name}: volatility of the portfolio series and of every PUBLIC symbol equals the Python reference`, () => {
    const pr = port.portfolio_returns;
    const series = portfolioVolatilitySeries(Float64Array.from(pr.daily_return, (r) => r ?? 0));
    for (const [date, want] of Object.entries(port.portfolio_volatility)) {
      compareVol(series, pr.dates.indexOf(date), want, `portfolio ${date}`, `${name} portfolio volatility`);
    }
    for (const [date, e] of Object.entries(port.dates)) {
      const t = P.dates.indexOf(date);
      for (const [sym, want] of Object.entries(e.symbol_volatility)) {
        const r = ret(sym);
        assert.equal(r === undefined, want === null, `${sym}: presence in the price file`);
        if (r && want) compareVol(volatilitySeries(r), t, want, `${date} ${sym}`, `${name} symbol volatility`);
      }
    }
  });

  test(`${name}: position correlations on ${CLOCK} equal the Python reference`, () => {
    const e = port.dates[CLOCK]!;
    const want = e.correlations!;
    const bySymbol = new Map<string, number>();
    for (const p of e.positions) if (p.cls === "PUBLIC") bySymbol.set(p.symbol, (bySymbol.get(p.symbol) ?? 0) + p.market_value);
    const input: CorrelationSymbol[] = [...bySymbol].map(([symbol, mv]) => ({
      symbol,
      weight: mv / e.nav,
      absMarketValue: Math.abs(mv),
      closes: P.closes.get(symbol) ?? new Float64Array(P.dates.length).fill(NaN),
    }));
    const got = positionCorrelations(input, P.dates.indexOf(CLOCK));
    const key = `${name} correlations`;
    assert.deepEqual(got.symbols, want.symbols);
    assert.deepEqual(Array.from(got.nReturns), want.n_returns);
    assert.deepEqual(
      got.excluded.map((x) => ({ symbol: x.symbol, reason: x.reason, n_returns: x.nReturns })),
      want.excluded,
    );
    assert.deepEqual(got.clusters, want.clusters);
    assert.equal(got.repaired, want.repaired);
    const m = got.symbols.length;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) {
        assert.equal(got.overlap[i * m + j], want.overlap[i]![j], `overlap ${i},${j}`);
        close(got.raw[i * m + j]!, want.raw[i]![j]!, ratioTol(1), `raw ${i},${j}`, key);
        close(got.matrix[i * m + j]!, want.matrix[i]![j]!, ratioTol(1), `matrix ${i},${j}`, key);
      }
    }
    close(got.minEigenvalue, want.min_eigenvalue, ratioTol(want.min_eigenvalue), "min eigenvalue", key);
    close(got.averageAbsCorrelation, want.average_abs_correlation, ratioTol(want.average_abs_correlation), "average |rho|", key);
    close(got.diversificationRatio, want.diversification_ratio, ratioTol(want.diversification_ratio), "diversification ratio", key);
  });

  test(`${name}: the 22 stress scenarios on ${CLOCK} (direct and correlated) equal the Python reference`, () => {
    const { e, result } = exposuresAt(CLOCK);
    const t = P.dates.indexOf(CLOCK);
    const ewma = ewmaCovariance(
      FACTOR_ETFS.map((s) => ret(s)!),
      t,
    )!;
    const money = V.tolerance.money_relative_to_nav * Math.abs(e.nav);
    const wantAll = e.stress!;
    assert.deepEqual(
      STRESS_SCENARIOS.map((s) => [s.id, s.shocks, s.activeByDefault]),
      Object.entries(wantAll).map(([id, w]) => [id, w.shocks, w.active_by_default]),
    );
    const key = `${name} stress`;
    for (const sc of STRESS_SCENARIOS) {
      const got = stressScenario(sc, result.dollarExposure, e.nav, ewma.cov);
      const want = wantAll[sc.id]!;
      RISK_FACTOR_IDS.forEach((f, j) => {
        close(got.direct.contributions[j]!, want.direct.contributions[f] ?? 0, money, `${sc.id} direct ${f}`, key);
        const wc = want.correlated.contributions[f] ?? want.correlated.spread_contributions[f] ?? 0;
        close(got.correlated!.contributions[j]!, wc, money, `${sc.id} correlated ${f}`, key);
        if (f in want.correlated.spread_moves) {
          const sm = want.correlated.spread_moves[f]!;
          close(got.correlated!.spreadMoves[j]!, sm, ratioTol(sm), `${sc.id} spread move ${f}`, key);
        }
      });
      FACTOR_ETFS.forEach((etf, k) => {
        const mv = want.correlated.etf_moves[etf]!;
        close(got.correlated!.etfMoves[k]!, mv, ratioTol(mv), `${sc.id} move ${etf}`, key);
      });
      for (const [g, w] of [
        [got.direct, want.direct],
        [got.correlated!, want.correlated],
      ] as const) {
        close(g.total, w.total, money, `${sc.id} total`, key);
        close(g.pctOfNav, w.pct_of_nav, ratioTol(w.pct_of_nav), `${sc.id} pct`, key);
        assert.equal(g.lossExceedsNav, w.loss_exceeds_nav, `${sc.id} loss flag`);
        bump(key);
      }
    }
  });
}

test(`factor EWMA on ${CLOCK}: unclipped covariance and clipped correlation equal the Python reference`, () => {
  const t = P.dates.indexOf(V.ewma.date);
  const got = ewmaCovariance(
    V.etfs.map((s) => ret(s)!),
    t,
    V.ewma.window,
    V.ewma.lambda,
  )!;
  assert.deepEqual(V.etfs, [...FACTOR_ETFS]);
  const d = V.etfs.length;
  const clipped = clipCorrelation(got.corr, d);
  for (let a = 0; a < d; a++) {
    for (let b = 0; b < d; b++) {
      close(got.cov[a * d + b]!, V.ewma.cov[a]![b]!, ratioTol(V.ewma.cov[a]![b]!), `cov ${a},${b}`, "ewma");
      close(got.corr[a * d + b]!, V.ewma.corr[a]![b]!, ratioTol(1), `corr ${a},${b}`, "ewma");
      close(clipped[a * d + b]!, V.ewma.corr_clipped[a]![b]!, ratioTol(1), `clipped ${a},${b}`, "ewma");
    }
  }
});

test("PSD repair of fixed matrices equals numpy eigh clip-and-rescale", () => {
  for (const c of V.psd_repair_cases) {
    const m = c.input.length;
    const got = repairCorrelation(Float64Array.from(c.input.flat()), m);
    assert.equal(got.repaired, c.repaired);
    close(got.minEigenvalue, c.min_eigenvalue, ratioTol(c.min_eigenvalue), "min eigenvalue", "psd repair");
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) close(got.matrix[i * m + j]!, c.matrix[i]![j]!, ratioTol(1), `repaired ${i},${j}`, "psd repair");
    }
  }
});

test("comparison counts", (t) => {
  for (const [k, n] of [...counts].sort()) t.diagnostic(`${k}: ${n} values`);
  assert.ok(counts.size > 0);
});
