/**
 * One scenario against one portfolio's dollar exposures (SPEC §3 "Stress tests"): @sigma/quant's
 * stressScenario, flattened into the stored/answered shape with the implied factor moves.
 */
import { FACTOR_ETF_OF, FACTOR_ETFS, isSpreadFactor, RISK_FACTOR_COUNT, RISK_FACTOR_IDS, stressScenario } from "@sigma/quant";
import type { ScenarioOutcome } from "./ports.js";
import type { ScenarioSpec } from "./scenarios.js";

/**
 * Evaluates a scenario.
 *
 * @param dollarExposure 12 dollar exposures (currency) in RISK_FACTOR_IDS order; NaN counts 0.
 * @param nav portfolio NAV on the date (currency, non-zero).
 * @param ewmaCov unclipped 8 × 8 EWMA covariance of FACTOR_ETFS at the date, or null (correlated unavailable).
 * @param duration D of the rate channel (TLT return = −D·Δy).
 * @throws RangeError on an unknown factor or non-finite shock (selection validates them first).
 */
export function evaluateScenario(
  scenario: ScenarioSpec,
  dollarExposure: Float64Array,
  nav: number,
  ewmaCov: Float64Array | null,
  duration: number,
): ScenarioOutcome {
  const r = stressScenario(scenario, dollarExposure, nav, ewmaCov, duration);
  const shocks = new Float64Array(RISK_FACTOR_COUNT).fill(Number.NaN);
  RISK_FACTOR_IDS.forEach((id, f) => {
    const s = scenario.shocks[id];
    if (s !== undefined) shocks[f] = s;
  });
  const c = r.correlated;
  const impliedMoves = new Float64Array(RISK_FACTOR_COUNT);
  const etfMoves = new Float64Array(FACTOR_ETFS.length);
  if (c) {
    etfMoves.set(c.etfMoves);
    RISK_FACTOR_IDS.forEach((id, f) => {
      const etf = FACTOR_ETF_OF[id];
      if (etf) impliedMoves[f] = c.etfMoves[FACTOR_ETFS.indexOf(etf)]!;
      else if (isSpreadFactor(id)) impliedMoves[f] = c.spreadMoves[f]!;
    });
  }
  return {
    scenarioId: scenario.id,
    activeByDefault: scenario.activeByDefault,
    shocks,
    direct: r.direct.contributions,
    directTotal: r.direct.total,
    directPct: r.direct.pctOfNav,
    directLossExceedsNav: r.direct.lossExceedsNav,
    correlatedAvailable: c !== null,
    correlated: c ? c.contributions : new Float64Array(RISK_FACTOR_COUNT),
    correlatedTotal: c ? c.total : 0,
    correlatedPct: c ? c.pctOfNav : 0,
    correlatedLossExceedsNav: c ? c.lossExceedsNav : false,
    impliedMoves,
    etfMoves,
  };
}
