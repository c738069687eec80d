/**
 * Stress tests as use cases: evaluate scenarios against a portfolio's stored exposures and the factor
 * EWMA covariance of the date (RunStressTest), store the active scenarios for a run's last date
 * (ComputeStress), read them back (GetStoredStress).
 */
import { evaluateScenario } from "../domain/stress.js";
import { addSkip, newOutcome, type RiskOutcome } from "../domain/outcome.js";
import type { RiskRepository, StoredStress } from "../domain/ports.js";
import { ACTIVE_SCENARIOS, type ScenarioSpec } from "../domain/scenarios.js";
import type { FactorCovarianceSource } from "./factor-covariance.js";

/** What the stress use cases need. */
export interface StressDeps {
  store: RiskRepository;
  covariance: FactorCovarianceSource;
  /** D of the rate channel (SIGMA_RATE_DURATION). */
  rateDuration: number;
}

/** Thrown when a portfolio has no stored exposures on the date (NOT_FOUND at the edge). */
export class NoExposuresError extends Error {
  override readonly name = "NoExposuresError";
  constructor(
    readonly portfolioId: string,
    readonly date: string,
  ) {
    super(
      date
        ? `no factor exposures stored for portfolio ${portfolioId} on ${date} (phases 2-4 compute them)`
        : `no factor exposures stored for portfolio ${portfolioId} (phases 2-4 compute them)`,
    );
  }
}

/** The date to use: `date`, or the latest with stored exposures when empty. @throws NoExposuresError */
export async function exposureDate(store: RiskRepository, portfolioId: string, date: string): Promise<string> {
  if (date) return date;
  const latest = (await store.exposureDates(portfolioId)).at(-1);
  if (!latest) throw new NoExposuresError(portfolioId, "");
  return latest;
}

/**
 * Evaluates `scenarios` against the portfolio's stored exposures on `date` ("" = latest stored).
 *
 * @throws NoExposuresError when nothing is stored for the date; the covariance source's errors.
 */
export async function runStress(
  deps: StressDeps,
  portfolioId: string,
  date: string,
  scenarios: readonly ScenarioSpec[],
  signal?: AbortSignal,
): Promise<StoredStress> {
  const d = await exposureDate(deps.store, portfolioId, date);
  const [e] = await deps.store.readExposures([{ portfolioId, date: d }]);
  if (!e) throw new NoExposuresError(portfolioId, d);
  const cov = await deps.covariance.at(d, signal);
  return { date: d, nav: e.nav, outcomes: scenarios.map((s) => evaluateScenario(s, e.dollar, e.nav, cov, deps.rateDuration)) };
}

/**
 * Computes the active scenarios for each portfolio on `date` and stores them (replacing what was stored
 * for those portfolio-dates), all in one transaction.
 *
 * Counters: inputs = distinct portfolios; outputs = scenario rows written; NO_SNAPSHOT per portfolio
 * without stored exposures on the date; NOT_ELIGIBLE per portfolio whose nav is 0.
 */
export async function computeStress(
  deps: StressDeps,
  portfolioIds: readonly string[],
  date: string,
  signal?: AbortSignal,
): Promise<RiskOutcome> {
  const ids = [...new Set(portfolioIds)];
  const outcome = newOutcome(ids.length);
  if (ids.length === 0) return outcome;
  const rows = await deps.store.readExposures(ids.map((portfolioId) => ({ portfolioId, date })));
  const byId = new Map(rows.map((r) => [r.portfolioId, r]));
  const cov = rows.length ? await deps.covariance.at(date, signal) : null;
  const items = [];
  for (const id of ids) {
    const e = byId.get(id);
    if (!e) {
      addSkip(outcome, "NO_SNAPSHOT");
      outcome.problems.push({
        symbol: "",
        reason: "NO_SNAPSHOT",
        message: `portfolio ${id}: no factor exposures stored on ${date}; stress needs phases 2-4 first`,
        date,
      });
      continue;
    }
    if (!(Number.isFinite(e.nav) && e.nav !== 0)) {
      addSkip(outcome, "NOT_ELIGIBLE");
      outcome.problems.push({
        symbol: "",
        reason: "NOT_ELIGIBLE",
        message: `portfolio ${id}: nav is ${e.nav} on ${date}; no stress result`,
        date,
      });
      continue;
    }
    items.push({
      portfolioId: id,
      date,
      nav: e.nav,
      outcomes: ACTIVE_SCENARIOS.map((s) => evaluateScenario(s, e.dollar, e.nav, cov, deps.rateDuration)),
    });
  }
  if (rows.length && !cov)
    outcome.problems.push({
      symbol: "",
      reason: "INSUFFICIENT_HISTORY",
      message: `no factor EWMA covariance on ${date} (fewer than 252 returns of the 8 factor ETFs end there): correlated impacts unavailable, direct impacts stored`,
      date,
    });
  outcome.outputs = await deps.store.replaceStress(items);
  return outcome;
}

/** The stored results on `date` ("" = latest stored), or undefined. */
export function storedStress(store: RiskRepository, portfolioId: string, date: string): Promise<StoredStress | undefined> {
  return store.readStress(portfolioId, date);
}
