import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RISK_FACTOR_COUNT, RISK_FACTOR_IDS } from "@sigma/quant";
import { ACTIVE_SCENARIOS, MAX_CUSTOM_SCENARIOS, SCENARIOS, ScenarioSelectionError, selectScenarios } from "./scenarios.js";
import { evaluateScenario } from "./stress.js";

const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ScenarioSelectionError);
    return err.problems.map((p) => `${p.field}: ${p.description}`);
  }
  assert.fail("expected a ScenarioSelectionError");
};

describe("selectScenarios", () => {
  it("no ids and no custom → the 19 active; 'all' → the 22 in spec order; ids keep request order without duplicates", () => {
    assert.equal(SCENARIOS.length, 22);
    assert.equal(ACTIVE_SCENARIOS.length, 19);
    assert.deepEqual(selectScenarios([], []), ACTIVE_SCENARIOS);
    assert.deepEqual(
      selectScenarios(["all"], []).map((s) => s.id),
      SCENARIOS.map((s) => s.id),
    );
    assert.deepEqual(
      selectScenarios(["covid_crash_2020", "market_up_5", "covid_crash_2020"], []).map((s) => s.id),
      ["covid_crash_2020", "market_up_5"],
    );
    assert.ok(SCENARIOS.every((s) => s.name && s.name !== s.id));
  });

  it("names every unknown id and every bad custom scenario at once", () => {
    const problems = problemsOf(() =>
      selectScenarios(
        ["market_up_5", "nope"],
        [
          { id: "market_up_5", name: "", shocks: [{ factor: "market", shock: 0.1 }] },
          { id: "c", name: "", shocks: [] },
          {
            id: "d",
            name: "",
            shocks: [
              { factor: "gold", shock: 0.1 },
              { factor: "ir", shock: Number.POSITIVE_INFINITY },
            ],
          },
          {
            id: "d",
            name: "",
            shocks: [
              { factor: "size", shock: 0.1 },
              { factor: "size", shock: 0.2 },
            ],
          },
          { id: "e", name: "", shocks: [{ factor: "value", shock: 20000 }] },
        ],
      ),
    );
    assert.deepEqual(problems, [
      'scenario_ids[1]: unknown scenario "nope" (ListScenarios lists the 22 ids; "all" selects every one)',
      'custom_scenarios[0].id: "market_up_5" is a built-in scenario id; give the custom scenario another id',
      "custom_scenarios[1].shocks: a custom scenario needs at least one factor shock",
      `custom_scenarios[2].shocks[0].factor: unknown factor "gold" (one of ${RISK_FACTOR_IDS.join(", ")})`,
      "custom_scenarios[2].shocks[1].shock: shock for ir must be a finite number, got Infinity",
      'custom_scenarios[3].id: duplicate custom scenario id "d"',
      "custom_scenarios[3].shocks[1].factor: factor size is shocked twice",
      "custom_scenarios[4].shocks[0].shock: shock for value is 20000: shocks are decimals (0.05 = 5%, ir 0.01 = 100 bp)",
    ]);
    assert.deepEqual(
      problemsOf(() =>
        selectScenarios(
          [],
          Array.from({ length: MAX_CUSTOM_SCENARIOS + 1 }, (_, i) => ({ id: `c${i}`, name: "", shocks: [] })),
        ),
      ),
      ["custom_scenarios: at most 50 custom scenarios, got 51"],
    );
  });

  it("custom scenarios are inactive by default and get an id when none is given", () => {
    const [c] = selectScenarios([], [{ id: "", name: "", shocks: [{ factor: "market", shock: -0.02 }] }]);
    assert.deepEqual(c, { id: "custom_1", name: "custom_1", activeByDefault: false, shocks: { market: -0.02 } });
    assert.deepEqual(
      problemsOf(() =>
        selectScenarios([], [{ id: "big", name: "", shocks: Array.from({ length: 13 }, () => ({ factor: "market", shock: 0 })) }]),
      ),
      ["custom_scenarios[0].shocks: at most one shock per factor (12), got 13"],
    );
  });
});

describe("evaluateScenario", () => {
  const dollars = Float64Array.from(RISK_FACTOR_IDS, (_, f) => 1000 * (f + 1));
  it("a custom spread shock is reported but never in the total; no covariance → correlated unavailable", () => {
    const o = evaluateScenario(
      { id: "s", name: "s", activeByDefault: false, shocks: { growth_value_spread: 0.1, market: -0.1 } },
      dollars,
      50_000,
      null,
      17,
    );
    const gv = RISK_FACTOR_IDS.indexOf("growth_value_spread");
    assert.equal(o.direct[gv], 9000 * 0.1);
    assert.equal(o.directTotal, -100);
    assert.equal(o.directPct, -100 / 50_000);
    assert.equal(o.correlatedAvailable, false);
    assert.deepEqual(Array.from(o.correlated), Array(RISK_FACTOR_COUNT).fill(0));
    assert.ok(Number.isNaN(o.shocks[1]!));
    assert.equal(o.shocks[0], -0.1);
  });

  it("a loss beyond nav is flagged (impact < −nav), not clipped; NaN dollars count 0", () => {
    const d = new Float64Array(RISK_FACTOR_COUNT).fill(Number.NaN);
    d[0] = 300_000;
    const o = evaluateScenario(SCENARIOS.find((s) => s.id === "market_crash_35")!, d, 100_000, null, 17);
    assert.equal(o.directTotal, -105_000);
    assert.equal(o.directLossExceedsNav, true);
    const o2 = evaluateScenario(SCENARIOS.find((s) => s.id === "market_down_5")!, d, 100_000, null, 17);
    assert.equal(o2.directLossExceedsNav, false);
  });
});
