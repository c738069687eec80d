/**
 * Canned risk service answers for the CLI's tests (built with `create`, as the service would send
 * them): a report with every kind of "not computable" value, and stress results.
 */
import { create } from "@bufbuild/protobuf";
import { CorrelationExclusion, Factor, FACTOR_ETFS, GetRiskReportResponseSchema, StressResultSchema, VolTrend } from "@sigma/contracts";

/** 8 × 8 row-major matrix with `diag` on the diagonal and `off` elsewhere. */
export function square(n: number, diag: number, off: number): number[] {
  return Array.from({ length: n * n }, (_, k) => (Math.floor(k / n) === k % n ? diag : off));
}

/**
 * A report on 2020-01-23: market and ir exposures (ir with no coverage: a data-quality failure),
 * portfolio volatility with too little history for HAR (unset optionals), one position with a trend,
 * correlations of AAPL/MSFT with GLD excluded, the factor EWMA of the 8 ETFs.
 */
export function sampleReport(date = "2020-01-23") {
  return create(GetRiskReportResponseSchema, {
    date,
    nav: 1_000_000,
    exposures: [
      // Out of canonical order on purpose: the JSON follows SPEC §3's order.
      {
        factor: Factor.IR,
        beta: 0,
        dollarExposure: 0,
        positionsCovered: 0,
        positionsEligible: 2,
        coverageByCount: 0,
        coverageByValue: 0,
        noCoverage: true,
      },
      {
        factor: Factor.MARKET,
        beta: 1.1,
        dollarExposure: 1_100_000,
        positionsCovered: 2,
        positionsEligible: 3,
        coverageByCount: 2 / 3,
        coverageByValue: Number.NaN,
        noCoverage: false,
      },
    ],
    dataQualityFailure: false,
    portfolioVolatility: { realizedVol21d: 0.12, realizedVol63d: 0.15, trend: VolTrend.UNSPECIFIED },
    positionVolatility: [
      {
        symbol: "AAPL",
        stats: {
          realizedVol21d: 0.2,
          realizedVol63d: 0.25,
          harH1: 0.18,
          harH21: 0.22,
          trend: VolTrend.INCREASING,
          trendSlope: 0.002,
          trendR2: 0.5,
          percentile: 0.75,
        },
      },
    ],
    correlations: {
      included: ["AAPL", "MSFT"],
      excluded: [{ symbol: "GLD", reason: CorrelationExclusion.BELOW_MIN_WEIGHT, nReturns: 90 }],
      matrix: [1, 0.8, 0.8, 1],
      psdRepaired: false,
      avgAbsCorr: 0.8,
      diversificationRatio: 1.05,
      clusters: [{ symbols: ["AAPL", "MSFT"] }],
    },
    factorCorrelations: { etfs: [...FACTOR_ETFS], correlation: square(8, 1, 0.95), covariance: square(8, 0.0004, 0.0003) },
    availableDates: [date],
  });
}

/**
 * Stress results: market_down_10 (active; correlated model available), covid_crash_2020 (a replay,
 * inactive by default; loss beyond nav in both models), market_up_5 without an EWMA covariance, and
 * "custom" (what a --shock scenario answers).
 */
export function sampleStress() {
  const contribution = (
    factor: Factor,
    direct: number,
    correlated: number,
    o: { shocked?: boolean; corr?: boolean; inTotal?: boolean },
  ) => ({
    factor,
    directDollars: direct,
    correlatedDollars: correlated,
    impliedMove: 0,
    shocked: o.shocked ?? false,
    correlated: o.corr ?? false,
    inTotal: o.inTotal ?? false,
  });
  const moves = FACTOR_ETFS.map((etf, i) => ({ etf, move: -0.01 * (i + 1) }));
  return [
    create(StressResultSchema, {
      scenarioId: "market_down_10",
      activeByDefault: true,
      shocks: [{ factor: Factor.MARKET, shock: -0.1 }],
      directImpact: -110_000,
      directPctOfNav: -11,
      lossExceedsNav: false,
      correlatedAvailable: true,
      correlatedImpact: -90_000,
      correlatedPctOfNav: -9,
      correlatedLossExceedsNav: false,
      etfMoves: moves,
      contributions: [
        contribution(Factor.MARKET, -110_000, 0, { shocked: true }),
        contribution(Factor.IR, 0, -5_000, { corr: true, inTotal: true }),
        contribution(Factor.VALUE, 0, -85_000, { corr: true, inTotal: true }),
        contribution(Factor.GROWTH_VALUE_SPREAD, 0, 1_000, { corr: true, inTotal: false }),
      ],
    }),
    create(StressResultSchema, {
      scenarioId: "covid_crash_2020",
      activeByDefault: false,
      shocks: [
        { factor: Factor.VALUE, shock: -0.4 },
        { factor: Factor.MARKET, shock: -0.35 },
      ],
      directImpact: -1_200_000,
      directPctOfNav: -120,
      lossExceedsNav: true,
      correlatedAvailable: true,
      correlatedImpact: -1_100_000,
      correlatedPctOfNav: -110,
      correlatedLossExceedsNav: true,
      etfMoves: moves,
      contributions: [
        contribution(Factor.MARKET, -385_000, 0, { shocked: true }),
        contribution(Factor.VALUE, -815_000, -1_100_000, { shocked: true, corr: true, inTotal: true }),
      ],
    }),
    create(StressResultSchema, {
      scenarioId: "market_up_5",
      activeByDefault: true,
      shocks: [{ factor: Factor.MARKET, shock: 0.05 }],
      directImpact: 55_000,
      directPctOfNav: 5.5,
      correlatedAvailable: false,
      contributions: [contribution(Factor.MARKET, 55_000, 0, { shocked: true })],
    }),
    create(StressResultSchema, {
      scenarioId: "custom",
      activeByDefault: false,
      shocks: [{ factor: Factor.MOMENTUM, shock: -0.2 }],
      directImpact: -20_000,
      directPctOfNav: -2,
      correlatedAvailable: true,
      correlatedImpact: -30_000,
      correlatedPctOfNav: -3,
      etfMoves: moves,
      contributions: [contribution(Factor.MOMENTUM, -20_000, -30_000, { shocked: true, corr: true, inTotal: true })],
    }),
  ];
}
