// The `report --json` and `stress --json` shapes from risk service answers (pure mappers).
import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { CorrelationExclusion, Factor, FACTOR_ETFS, GetRiskReportResponseSchema, StressResultSchema, VolTrend } from "@sigma/contracts";
import { parseShocks, reportJson, ShockSyntaxError, scenarioJson, squareRows, stressJson, shocksText } from "./risk-json.js";
import { sampleReport, sampleStress, square } from "./testing/risk-fixtures.js";

test("report --json: exposures keyed by factor id in SPEC order; NaN coverage and unset optionals are null", () => {
  const json = reportJson(sampleReport());
  assert.deepEqual(Object.keys(json), ["date", "nav", "exposures", "volatility", "correlations", "factor_correlations"]);
  assert.equal(json.date, "2020-01-23");
  assert.equal(json.nav, 1_000_000);
  assert.deepEqual(Object.keys(json.exposures), ["market", "ir"]);
  assert.deepEqual(json.exposures.market, {
    beta: 1.1,
    dollar: 1_100_000,
    positions_with_beta: 2,
    eligible_positions: 3,
    coverage_count: 2 / 3,
    coverage_abs_mv: null,
    data_quality_failure: false,
  });
  assert.equal(json.exposures.ir!.data_quality_failure, true, "no_coverage is the factor's data-quality failure");
  assert.deepEqual(json.volatility.portfolio, {
    realized_vol_21d: 0.12,
    realized_vol_63d: 0.15,
    har_h1: null,
    har_h21: null,
    trend: null,
    trend_slope: null,
    percentile: null,
  });
  assert.deepEqual(json.volatility.positions, {
    AAPL: {
      realized_vol_21d: 0.2,
      realized_vol_63d: 0.25,
      har_h1: 0.18,
      har_h21: 0.22,
      trend: "increasing",
      trend_slope: 0.002,
      percentile: 0.75,
    },
  });
  assert.deepEqual(json.correlations, {
    included: ["AAPL", "MSFT"],
    excluded: { GLD: "below_min_weight" },
    matrix: [
      [1, 0.8],
      [0.8, 1],
    ],
    psd_repaired: false,
    avg_abs_corr: 0.8,
    diversification_ratio: 1.05,
    clusters: [["AAPL", "MSFT"]],
  });
  assert.deepEqual(json.factor_correlations!.etfs, [...FACTOR_ETFS]);
  assert.equal(json.factor_correlations!.correlation.length, 8);
  assert.ok(json.factor_correlations!.correlation.every((row) => row.length === 8));
  assert.equal(json.factor_correlations!.correlation[0]![1], 0.95);
  assert.equal(json.factor_correlations!.covariance[2]![2], 0.0004);
  assert.equal(json.factor_correlations!.covariance[2]![3], 0.0003);
});

test("report --json: unset messages are null; the trend words and every exclusion reason are lower-snake", () => {
  const bare = reportJson(create(GetRiskReportResponseSchema, { date: "2019-06-28", nav: Number.NaN }));
  assert.deepEqual(bare, {
    date: "2019-06-28",
    nav: null,
    exposures: {},
    volatility: { portfolio: null, positions: {} },
    correlations: null,
    factor_correlations: null,
  });
  const trends = [VolTrend.STABLE, VolTrend.INCREASING, VolTrend.DECREASING].map(
    (trend) => reportJson(create(GetRiskReportResponseSchema, { portfolioVolatility: { trend } })).volatility.portfolio!.trend,
  );
  assert.deepEqual(trends, ["stable", "increasing", "decreasing"]);
  const reasons = reportJson(
    create(GetRiskReportResponseSchema, {
      correlations: {
        excluded: [
          { symbol: "A", reason: CorrelationExclusion.BELOW_MIN_WEIGHT },
          { symbol: "B", reason: CorrelationExclusion.BELOW_MIN_VALUE },
          { symbol: "C", reason: CorrelationExclusion.NO_RETURNS },
          { symbol: "D", reason: CorrelationExclusion.FEW_RETURNS },
        ],
      },
    }),
  ).correlations!.excluded;
  assert.deepEqual(reasons, { A: "below_min_weight", B: "below_min_value", C: "no_returns", D: "few_returns" });
});

test("a matrix that is not n × n is an error, never cut or padded", () => {
  assert.deepEqual(squareRows([1, Number.NaN, 0, 1], 2, "m"), [
    [1, null],
    [0, 1],
  ]);
  assert.throws(
    () => squareRows(square(8, 1, 0).slice(1), 8, "factor correlation matrix"),
    /63 values for the 8 × 8 factor correlation matrix/,
  );
});

test("stress --json: direct holds the shocked factors, correlated the factors in its total; null without the EWMA model", () => {
  const json = stressJson({ results: sampleStress() });
  assert.deepEqual(Object.keys(json), ["market_down_10", "covid_crash_2020", "market_up_5", "custom"]);
  assert.deepEqual(json.market_down_10, {
    active_by_default: true,
    shocks: { market: -0.1 },
    etf_moves: { SPY: -0.01, VTV: -0.02, VUG: -0.03, MTUM: -0.04, QUAL: -0.05, IWM: -0.06, USMV: -0.07, TLT: -0.08 },
    direct: { contributions: { market: -110_000 }, total: -110_000, pct_of_nav: -11, loss_exceeds_nav: false },
    // The spread is reported by the service but never in totals: left out.
    correlated: { contributions: { ir: -5_000, value: -85_000 }, total: -90_000, pct_of_nav: -9, loss_exceeds_nav: false },
  });
  const covid = json.covid_crash_2020!;
  assert.deepEqual(covid.shocks, { market: -0.35, value: -0.4 }, "factor ids in SPEC order");
  assert.equal(covid.active_by_default, false);
  assert.deepEqual([covid.direct.loss_exceeds_nav, covid.correlated!.loss_exceeds_nav], [true, true]);
  assert.deepEqual(covid.direct.contributions, { market: -385_000, value: -815_000 });
  const up = json.market_up_5!;
  assert.equal(up.etf_moves, null);
  assert.equal(up.correlated, null);
  assert.deepEqual(up.direct, { contributions: { market: 55_000 }, total: 55_000, pct_of_nav: 5.5, loss_exceeds_nav: false });
});

test("stress --json: a NaN total is null", () => {
  const s = scenarioJson(
    create(StressResultSchema, { scenarioId: "x", directImpact: Number.NaN, directPctOfNav: Number.POSITIVE_INFINITY }),
  );
  assert.deepEqual([s.direct.total, s.direct.pct_of_nav], [null, null]);
});

test("--shock factor=value: the 12 lower-snake ids, finite numbers, each factor once", () => {
  assert.deepEqual(parseShocks(["market=-0.1", "ir=0.005", "low_volatility=+0.2"]), [
    { factor: Factor.MARKET, shock: -0.1 },
    { factor: Factor.IR, shock: 0.005 },
    { factor: Factor.LOW_VOLATILITY, shock: 0.2 },
  ]);
  assert.deepEqual(parseShocks([]), []);
  const bad: [string[], RegExp][] = [
    [["market"], /expected factor=value/],
    [["=0.1"], /expected factor=value/],
    [["Market=0.1"], /unknown factor "Market"/],
    [["spy=0.1"], /unknown factor "spy" \(one of market, ir, value/],
    [["market="], /"" is not a number/],
    [["market=ten"], /"ten" is not a number/],
    [["market=Infinity"], /"Infinity" is not a number/],
    [["market=0.1", "market=0.2"], /market is shocked twice/],
  ];
  for (const [entries, why] of bad)
    assert.throws(
      () => parseShocks(entries),
      (e) => e instanceof ShockSyntaxError && why.test(e.message),
    );
  assert.equal(
    shocksText([
      { factor: Factor.MARKET, shock: -0.1 },
      { factor: Factor.IR, shock: 0.005 },
    ]),
    "market -10%, ir +50bp",
  );
});
