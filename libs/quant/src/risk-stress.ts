/**
 * Stress tests (SPEC §3 "Stress tests", §3.1 "Stress"): the 22 scenarios as data, the direct impact and
 * the correlated impact (ridge style model + IR channel, conditional ETF moves from the unclipped EWMA
 * covariance of the 8 factor ETFs).
 *
 * Shocks are factor returns (decimal) except `ir`, which is a yield change (0.01 = 100 bp) turned into a
 * TLT return −D·Δy. Dollar exposures come from {@link portfolioExposures}; a factor without coverage has
 * 0 dollars (a NaN exposure is read as 0 too).
 *
 * Readings of the spec: the direct impact of a rate shock uses the TLT return −D·Δy (the IR beta is on
 * TLT returns); the correlated model's contributions are the 6 style factors and IR (market 0); a
 * singular Σ_SS uses the pseudo-inverse; a custom shock on a spread factor has a reported direct
 * contribution, stays out of the totals and cannot condition the ETF model (listed in
 * `unconditionedShocks`); with no shocked ETF every move is 0.
 */
import { lstsqMinNorm } from "./lstsq.js";
import {
  FACTOR_ETF_OF,
  FACTOR_ETFS,
  type FactorEtf,
  isSpreadFactor,
  RISK_FACTOR_COUNT,
  RISK_FACTOR_IDS,
  type RiskFactorId,
  SPREAD_LEGS,
  STYLE_FACTOR_IDS,
} from "./risk-factors.js";

/** Default duration D of the rate channel (TLT return = −D × Δy). */
export const DEFAULT_RATE_DURATION = 17;

/** A stress scenario: factor → shock (decimal return; `ir` = yield change). */
export interface StressScenario {
  id: string;
  shocks: Readonly<Partial<Record<RiskFactorId, number>>>;
  /** False for the historical replays: computed only on request. */
  activeByDefault: boolean;
}

const s = (id: string, shocks: StressScenario["shocks"], activeByDefault = true): StressScenario => ({ id, shocks, activeByDefault });

/** The 22 scenarios of the spec, in its order (the last 3 are the inactive historical replays). */
export const STRESS_SCENARIOS: readonly StressScenario[] = [
  s("market_up_5", { market: 0.05 }),
  s("market_down_5", { market: -0.05 }),
  s("rates_up_50bp", { ir: 0.005 }),
  s("rates_down_50bp", { ir: -0.005 }),
  s("market_up_10", { market: 0.1 }),
  s("market_down_10", { market: -0.1 }),
  s("market_crash_35", { market: -0.35 }),
  s("market_rally_25", { market: 0.25 }),
  s("rates_up_25bp", { ir: 0.0025 }),
  s("rates_down_25bp", { ir: -0.0025 }),
  s("rates_up_100bp", { ir: 0.01 }),
  s("rates_down_100bp", { ir: -0.01 }),
  s("rate_spike_300bp", { ir: 0.03 }),
  s("value_rotation_20", { value: 0.2, growth: -0.1 }),
  s("growth_rally_15", { growth: 0.15, momentum: 0.1 }),
  s("small_cap_outperformance_10", { size: 0.1 }),
  s("quality_flight_12", { quality: 0.12, market: -0.05 }),
  s("vix_spike_150", { low_volatility: -0.25, market: -0.15 }),
  s("liquidity_crisis", { market: -0.2, low_volatility: -0.3, quality: 0.15, size: -0.1 }),
  s("financial_crisis_2008", { market: -0.45, value: -0.3, size: -0.25, quality: 0.2, low_volatility: -0.35 }, false),
  s("covid_crash_2020", { market: -0.35, growth: 0.15, value: -0.4, size: -0.3, quality: 0.1 }, false),
  s("dotcom_crash_2000", { market: -0.45, growth: -0.6, value: 0.2, momentum: -0.5, quality: 0.15 }, false),
];

/** Impact of one scenario under one model. */
export interface StressImpact {
  /**
   * Per-factor dollar contribution (12, {@link RISK_FACTOR_IDS} order). Spread entries are reported
   * (dollar exposure × implied move) but never part of `total`.
   */
  contributions: Float64Array;
  /** Σ of the non-spread contributions (currency). */
  total: number;
  /** total / nav, signed (a loss is negative). */
  pctOfNav: number;
  /** total < −nav: flagged, never clipped. */
  lossExceedsNav: boolean;
}

/** Result of {@link stressScenario}. */
export interface StressResult {
  id: string;
  direct: StressImpact;
  /** Null when no EWMA covariance is available for the date. */
  correlated: (StressImpact & { etfMoves: Float64Array; spreadMoves: Float64Array }) | null;
  /** Shocked spread factors: reported in `direct.contributions`, not used to condition the ETF model. */
  unconditionedShocks: RiskFactorId[];
}

function impact(contributions: Float64Array, nav: number): StressImpact {
  let total = 0;
  RISK_FACTOR_IDS.forEach((id, f) => {
    if (!isSpreadFactor(id)) total += contributions[f]!;
  });
  return { contributions, total, pctOfNav: total / nav, lossExceedsNav: total < -nav };
}

const dollars = (x: number) => (Number.isFinite(x) ? x : 0);

/**
 * The factor's return under a shock: the shock itself, or −D·Δy for `ir`.
 */
export function shockReturn(id: RiskFactorId, shock: number, duration = DEFAULT_RATE_DURATION): number {
  return id === "ir" ? -duration * shock : shock;
}

/**
 * Conditional ETF moves: shocked ETFs move by their shock, the others by Σ_US Σ_SS⁻¹ s (a singular
 * Σ_SS uses the pseudo-inverse).
 *
 * @param cov unclipped EWMA covariance of {@link FACTOR_ETFS} (row-major 8 × 8).
 * @param etfShocks per ETF: its return under the scenario, NaN when not shocked.
 * @returns moves per ETF (decimal returns).
 */
export function conditionalEtfMoves(cov: Float64Array, etfShocks: Float64Array): Float64Array {
  const d = FACTOR_ETFS.length;
  if (cov.length !== d * d || etfShocks.length !== d) throw new RangeError(`conditionalEtfMoves: want an 8 x 8 covariance and 8 shocks`);
  const S: number[] = [];
  for (let i = 0; i < d; i++) if (Number.isFinite(etfShocks[i]!)) S.push(i);
  const moves = new Float64Array(d);
  if (S.length === 0) return moves;
  const sigmaSS = S.map((i) => S.map((j) => cov[i * d + j]!));
  const x = lstsqMinNorm(
    sigmaSS,
    S.map((i) => etfShocks[i]!),
  ); // Σ_SS⁻¹ s
  for (let u = 0; u < d; u++) {
    if (Number.isFinite(etfShocks[u]!)) {
      moves[u] = etfShocks[u]!;
      continue;
    }
    let m = 0;
    S.forEach((sIdx, k) => {
      m += cov[u * d + sIdx]! * x[k]!;
    });
    moves[u] = m;
  }
  return moves;
}

/**
 * Direct and correlated impact of one scenario.
 *
 * @param dollarExposure per factor (12, currency), e.g. {@link ExposureResult.dollarExposure}.
 * @param nav portfolio NAV (currency).
 * @param ewmaCov unclipped 8 × 8 EWMA covariance of the factor ETFs at the as-of date, or null.
 * @param duration D of the rate channel (default 17).
 * @throws RangeError on an unknown factor id, a non-finite shock or a wrong exposure length.
 */
export function stressScenario(
  scenario: Pick<StressScenario, "id" | "shocks">,
  dollarExposure: Float64Array,
  nav: number,
  ewmaCov: Float64Array | null,
  duration = DEFAULT_RATE_DURATION,
): StressResult {
  if (dollarExposure.length !== RISK_FACTOR_COUNT) throw new RangeError(`stressScenario: want 12 exposures, got ${dollarExposure.length}`);
  for (const key of Object.keys(scenario.shocks)) {
    if (!(RISK_FACTOR_IDS as readonly string[]).includes(key))
      throw new RangeError(`stressScenario ${scenario.id}: unknown factor "${key}"`);
  }
  const direct = new Float64Array(RISK_FACTOR_COUNT);
  const etfShocks = new Float64Array(FACTOR_ETFS.length).fill(NaN);
  const unconditioned: RiskFactorId[] = [];
  RISK_FACTOR_IDS.forEach((id, f) => {
    const shock = scenario.shocks[id];
    if (shock === undefined) return;
    if (!Number.isFinite(shock)) throw new RangeError(`stressScenario ${scenario.id}: shock for ${id} is ${shock}`);
    const r = shockReturn(id, shock, duration);
    direct[f] = dollars(dollarExposure[f]!) * r;
    const etf = FACTOR_ETF_OF[id];
    if (etf) etfShocks[FACTOR_ETFS.indexOf(etf)] = r;
    else unconditioned.push(id);
  });
  let correlated: StressResult["correlated"] = null;
  if (ewmaCov) {
    const moves = conditionalEtfMoves(ewmaCov, etfShocks);
    const move = (etf: FactorEtf) => moves[FACTOR_ETFS.indexOf(etf)]!;
    const contrib = new Float64Array(RISK_FACTOR_COUNT);
    const spreadMoves = new Float64Array(RISK_FACTOR_COUNT).fill(NaN);
    RISK_FACTOR_IDS.forEach((id, f) => {
      if ((STYLE_FACTOR_IDS as readonly string[]).includes(id) || id === "ir")
        contrib[f] = dollars(dollarExposure[f]!) * move(FACTOR_ETF_OF[id]!);
      else if (isSpreadFactor(id)) {
        const [long, short] = SPREAD_LEGS[id];
        spreadMoves[f] = move(long) - move(short);
        contrib[f] = dollars(dollarExposure[f]!) * spreadMoves[f]!;
      }
      // market: 0, the style ETFs already carry the market
    });
    correlated = { ...impact(contrib, nav), etfMoves: moves, spreadMoves };
  }
  return { id: scenario.id, direct: impact(direct, nav), correlated, unconditionedShocks: unconditioned };
}
