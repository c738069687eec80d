/**
 * Stress scenario selection (SPEC §3 "Stress tests"): the 22 scenarios of @sigma/quant with display
 * names, and the RunStressTest rules — no ids and no custom → the active scenarios; "all" → all 22;
 * unknown ids and bad custom shocks are rejected with every problem listed.
 */
import { RISK_FACTOR_IDS, type RiskFactorId, STRESS_SCENARIOS } from "@sigma/quant";

/** A scenario ready to evaluate. */
export interface ScenarioSpec {
  id: string;
  name: string;
  activeByDefault: boolean;
  shocks: Readonly<Partial<Record<RiskFactorId, number>>>;
}

/** The id that selects every scenario, the historical replays included. */
export const ALL_SCENARIOS_ID = "all";
/** Most custom scenarios one request may carry. */
export const MAX_CUSTOM_SCENARIOS = 50;
/** Most scenario ids one request may name. */
export const MAX_SCENARIO_IDS = 100;

const NAMES: Record<string, string> = {
  market_up_5: "Market +5%",
  market_down_5: "Market -5%",
  rates_up_50bp: "Rates +50 bp",
  rates_down_50bp: "Rates -50 bp",
  market_up_10: "Market +10%",
  market_down_10: "Market -10%",
  market_crash_35: "Market crash -35%",
  market_rally_25: "Market rally +25%",
  rates_up_25bp: "Rates +25 bp",
  rates_down_25bp: "Rates -25 bp",
  rates_up_100bp: "Rates +100 bp",
  rates_down_100bp: "Rates -100 bp",
  rate_spike_300bp: "Rate spike +300 bp",
  value_rotation_20: "Value rotation (Value +20%, Growth -10%)",
  growth_rally_15: "Growth rally (Growth +15%, Momentum +10%)",
  small_cap_outperformance_10: "Small-cap outperformance (Size +10%)",
  quality_flight_12: "Flight to quality (Quality +12%, Market -5%)",
  vix_spike_150: "VIX spike +150% (Low Vol -25%, Market -15%)",
  liquidity_crisis: "Liquidity crisis",
  financial_crisis_2008: "2008 financial crisis (replay)",
  covid_crash_2020: "2020 COVID crash (replay)",
  dotcom_crash_2000: "2000 dot-com crash (replay)",
};

/** The 22 scenarios in the spec's order (the last 3, the replays, inactive by default). */
export const SCENARIOS: readonly ScenarioSpec[] = STRESS_SCENARIOS.map((s) => ({
  id: s.id,
  name: NAMES[s.id] ?? s.id,
  activeByDefault: s.activeByDefault,
  shocks: s.shocks,
}));

/** The scenarios run by default (19). */
export const ACTIVE_SCENARIOS: readonly ScenarioSpec[] = SCENARIOS.filter((s) => s.activeByDefault);

/** A custom scenario as requested: factor id → shock (a factor id that is not one of the 12 is a problem). */
export interface CustomScenarioInput {
  id: string;
  name: string;
  shocks: readonly { factor: string; shock: number }[];
}

/** One problem of a scenario selection (field path + words an operator can act on). */
export interface ScenarioProblem {
  field: string;
  description: string;
}

/** Thrown with every problem of a selection. */
export class ScenarioSelectionError extends Error {
  override readonly name = "ScenarioSelectionError";
  constructor(readonly problems: readonly ScenarioProblem[]) {
    super(`invalid scenario selection: ${problems.map((p) => `${p.field}: ${p.description}`).join("; ")}`);
  }
}

const ID = /^[a-z0-9][a-z0-9_.-]{0,63}$/i;

/**
 * The scenarios a RunStressTest request selects: ids in request order (duplicates dropped; "all" =
 * the 22 in spec order), then the custom scenarios (inactive by default). No ids and no custom
 * scenario → the 19 active ones.
 *
 * @throws ScenarioSelectionError naming every unknown id, bad or duplicate custom id, unknown factor,
 *   duplicate factor, non-finite shock, empty custom scenario, or too many of either.
 */
export function selectScenarios(ids: readonly string[], custom: readonly CustomScenarioInput[]): ScenarioSpec[] {
  const problems: ScenarioProblem[] = [];
  if (ids.length > MAX_SCENARIO_IDS)
    problems.push({ field: "scenario_ids", description: `at most ${MAX_SCENARIO_IDS} ids, got ${ids.length}` });
  if (custom.length > MAX_CUSTOM_SCENARIOS)
    problems.push({ field: "custom_scenarios", description: `at most ${MAX_CUSTOM_SCENARIOS} custom scenarios, got ${custom.length}` });
  if (problems.length) throw new ScenarioSelectionError(problems);
  if (ids.length === 0 && custom.length === 0) return [...ACTIVE_SCENARIOS];
  const out: ScenarioSpec[] = [];
  const seen = new Set<string>();
  const push = (s: ScenarioSpec) => {
    if (seen.has(s.id)) return;
    seen.add(s.id);
    out.push(s);
  };
  ids.forEach((raw, i) => {
    const id = raw.trim();
    if (id.toLowerCase() === ALL_SCENARIOS_ID) {
      for (const s of SCENARIOS) push(s);
      return;
    }
    const s = SCENARIOS.find((x) => x.id === id);
    if (!s)
      problems.push({
        field: `scenario_ids[${i}]`,
        description: `unknown scenario "${raw.slice(0, 64)}" (ListScenarios lists the ${SCENARIOS.length} ids; "all" selects every one)`,
      });
    else push(s);
  });
  const customIds = new Set<string>();
  custom.forEach((c, i) => {
    const field = `custom_scenarios[${i}]`;
    const id = c.id.trim() || `custom_${i + 1}`;
    if (!ID.test(id))
      problems.push({
        field: `${field}.id`,
        description: `not a scenario id (letters, digits, _ . -, at most 64): "${c.id.slice(0, 64)}"`,
      });
    else if (SCENARIOS.some((s) => s.id === id) || id.toLowerCase() === ALL_SCENARIOS_ID)
      problems.push({ field: `${field}.id`, description: `"${id}" is a built-in scenario id; give the custom scenario another id` });
    else if (customIds.has(id)) problems.push({ field: `${field}.id`, description: `duplicate custom scenario id "${id}"` });
    customIds.add(id);
    if (c.shocks.length === 0)
      problems.push({ field: `${field}.shocks`, description: "a custom scenario needs at least one factor shock" });
    if (c.shocks.length > RISK_FACTOR_IDS.length) {
      problems.push({
        field: `${field}.shocks`,
        description: `at most one shock per factor (${RISK_FACTOR_IDS.length}), got ${c.shocks.length}`,
      });
      return;
    }
    const shocks: Partial<Record<RiskFactorId, number>> = {};
    c.shocks.forEach((s, j) => {
      const f = `${field}.shocks[${j}]`;
      if (!(RISK_FACTOR_IDS as readonly string[]).includes(s.factor)) {
        problems.push({ field: `${f}.factor`, description: `unknown factor "${s.factor}" (one of ${RISK_FACTOR_IDS.join(", ")})` });
        return;
      }
      const id = s.factor as RiskFactorId;
      if (id in shocks) problems.push({ field: `${f}.factor`, description: `factor ${id} is shocked twice` });
      if (!Number.isFinite(s.shock))
        problems.push({ field: `${f}.shock`, description: `shock for ${id} must be a finite number, got ${s.shock}` });
      else if (Math.abs(s.shock) > 100)
        problems.push({
          field: `${f}.shock`,
          description: `shock for ${id} is ${s.shock}: shocks are decimals (0.05 = 5%, ir 0.01 = 100 bp)`,
        });
      shocks[id] = s.shock;
    });
    push({ id, name: c.name.trim().slice(0, 200) || id, activeByDefault: false, shocks });
  });
  if (problems.length) throw new ScenarioSelectionError(problems);
  return out;
}
