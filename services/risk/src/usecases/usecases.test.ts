/** Unit tests of the risk use cases over in-memory ports: counts, skip reasons, problems, exact small cases. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RISK_FACTOR_COUNT, RISK_FACTOR_IDS } from "@sigma/quant";
import type { PortfolioDay } from "../domain/ports.js";
import { ACTIVE_SCENARIOS } from "../domain/scenarios.js";
import { FakeBetas, FakeMarks } from "../testing/fakes.js";
import { MemoryRiskStore } from "../testing/memory-store.js";
import { computeFactorExposures } from "./compute-factor-exposures.js";
import { computePositionBetas } from "./compute-position-betas.js";
import type { FactorCovarianceSource } from "./factor-covariance.js";
import { computeStress, NoExposuresError, runStress } from "./stress.js";

const P = "11111111-1111-4111-8111-111111111111";
const Q = "22222222-2222-4222-8222-222222222222";
const D1 = "2020-01-21";
const D2 = "2020-01-22";
const all = (v: number) => new Float64Array(RISK_FACTOR_COUNT).fill(v);

function day(portfolioId: string, date: string, nav: number, positions: PortfolioDay["positions"]): PortfolioDay {
  return { portfolioId, date, nav, positions };
}

function setup() {
  const marks = new FakeMarks([
    day(P, D1, 1000, [
      { positionId: "1", symbol: "brk.b", marketValue: 500, positionClass: "public" },
      { positionId: "2", symbol: "XYZ", marketValue: -200, positionClass: "public" },
      { positionId: "3", symbol: "FUNDX", marketValue: 100, positionClass: "public" },
      { positionId: "4", symbol: "HOUSE", marketValue: 300, positionClass: "private" },
      { positionId: "5", symbol: "XYZ   200221C00050000", marketValue: 50, positionClass: "option" },
    ]),
    day(P, D2, 1100, [{ positionId: "1", symbol: "BRK.B", marketValue: 600, positionClass: "public" }]),
    day(Q, D2, 500, [{ positionId: "p", symbol: "HOUSE", marketValue: 500, positionClass: "private" }]),
  ]);
  const betas = new FakeBetas();
  betas.set("BRK-B", D1, all(1));
  betas.set("BRK-B", D2, all(2));
  const xyz = all(0.5);
  xyz[RISK_FACTOR_IDS.indexOf("momentum")] = Number.NaN;
  betas.set("XYZ", D1, xyz);
  const store = new MemoryRiskStore();
  return { marks, betas, store };
}

describe("phase 3 computePositionBetas", () => {
  it("joins marks with betas: eligible = PUBLIC non-option (unpriced included), one marks and one panel read", async () => {
    const { marks, betas, store } = setup();
    const o = await computePositionBetas({ marks, betas, store }, [
      { portfolioId: P, dates: [D1, D2, D2] },
      { portfolioId: Q, dates: [D2, "2020-01-23"] },
    ]);
    assert.equal(o.inputs, 4);
    assert.equal(o.outputs, 3);
    assert.deepEqual(o.skipped, { NO_SNAPSHOT: 1, NO_BETA: 1 });
    assert.equal(marks.calls, 1);
    assert.equal(betas.calls, 1);
    const row = store.betas.get(`${P}|${D1}`)!;
    assert.deepEqual(Array.from(row.eligible), [1, 1, 1, 0, 0]);
    assert.deepEqual(Array.from(row.marketValues), [500, -200, 100, 300, 50]);
    assert.deepEqual(Array.from(row.betas.subarray(0, 12)), Array(12).fill(1));
    assert.ok(Number.isNaN(row.betas[12 + RISK_FACTOR_IDS.indexOf("momentum")]!));
    for (const i of [2, 3, 4]) assert.ok(row.betas.subarray(i * 12, i * 12 + 12).every(Number.isNaN), `position ${i} has no beta`);
    assert.deepEqual(
      o.problems.map((p) => [p.reason, p.symbol, p.date]),
      [
        ["NO_SNAPSHOT", "", "2020-01-23"],
        ["NO_BETA", "FUNDX", D1],
      ],
    );
    assert.match(o.problems[0]!.message, /portfolio 2{8}-.*: no snapshot on 1 of 2 dates \(first 2020-01-23\)/);
    assert.match(o.problems[1]!.message, /no factor beta on 1 eligible position-date \(1 date, first 2020-01-21\) in 1 portfolio/);
  });

  it("does not ask for betas when no position is eligible", async () => {
    const { marks, betas, store } = setup();
    const o = await computePositionBetas({ marks, betas, store }, [{ portfolioId: Q, dates: [D2] }]);
    assert.equal(o.outputs, 1);
    assert.equal(betas.calls, 0);
    assert.deepEqual(o.skipped, {});
  });

  it("an empty request reads nothing", async () => {
    const { marks, betas, store } = setup();
    const o = await computePositionBetas({ marks, betas, store }, []);
    assert.deepEqual(o, { inputs: 0, outputs: 0, skipped: {}, problems: [] });
    assert.equal(marks.calls, 0);
  });
});

describe("phase 4 computeFactorExposures", () => {
  it("weights are signed MV / nav over covered positions, never rescaled; coverage by count and |MV|", async () => {
    const deps = setup();
    await computePositionBetas(deps, [{ portfolioId: P, dates: [D1, D2] }]);
    const o = await computeFactorExposures({ store: deps.store }, [{ portfolioId: P, dates: [D1, D2] }]);
    assert.equal(o.inputs, 2);
    assert.equal(o.outputs, 2);
    assert.equal(deps.store.reads, 1);
    assert.deepEqual(o.skipped, {});
    const e = deps.store.exposures.get(`${P}|${D1}`)!;
    const m = RISK_FACTOR_IDS.indexOf("momentum");
    // market: 0.5 × 1 + (−0.2) × 0.5 = 0.4; momentum: only BRK-B → 0.5
    assert.ok(Math.abs(e.beta[0]! - 0.4) < 1e-15);
    assert.ok(Math.abs(e.dollar[0]! - 400) < 1e-12);
    assert.equal(e.beta[m], 0.5);
    assert.equal(e.eligible, 3);
    assert.equal(e.covered[0], 2);
    assert.equal(e.covered[m], 1);
    assert.ok(Math.abs(e.coverageCount[0]! - 2 / 3) < 1e-15);
    assert.ok(Math.abs(e.coverageValue[0]! - 700 / 800) < 1e-15);
    assert.ok(Math.abs(e.coverageValue[m]! - 500 / 800) < 1e-15);
    assert.equal(e.dataQualityFailure, false);
  });

  it("no beta at all is one NO_COVERAGE problem for 'any factor', 12 skips per date, and a data-quality failure", async () => {
    const deps = setup();
    deps.marks.days_.push(day(Q, D1, 100, [{ positionId: "f", symbol: "FUNDX", marketValue: 100, positionClass: "public" }]));
    await computePositionBetas(deps, [{ portfolioId: Q, dates: [D1] }]);
    const o = await computeFactorExposures({ store: deps.store }, [{ portfolioId: Q, dates: [D1, D2] }]);
    assert.deepEqual(o.skipped, { NO_COVERAGE: 12, NO_SNAPSHOT: 1 });
    assert.deepEqual(
      o.problems.map((p) => p.reason),
      ["NO_SNAPSHOT", "NO_COVERAGE"],
    );
    assert.match(o.problems[1]!.message, /no beta for any factor on 1 of 2 dates \(first 2020-01-21\); 1 eligible position /);
    assert.equal(deps.store.exposures.get(`${Q}|${D1}`)!.dataQualityFailure, true);
  });

  it("a nav of 0 makes the cell NOT_ELIGIBLE instead of dividing by it", async () => {
    const deps = setup();
    deps.marks.days_.push(day(Q, D1, 0, [{ positionId: "x", symbol: "XYZ", marketValue: 10, positionClass: "public" }]));
    await computePositionBetas(deps, [{ portfolioId: Q, dates: [D1] }]);
    const o = await computeFactorExposures({ store: deps.store }, [{ portfolioId: Q, dates: [D1] }]);
    assert.deepEqual(o.skipped, { NOT_ELIGIBLE: 1 });
    assert.equal(o.outputs, 0);
  });
});

describe("stress use cases", () => {
  const cov = new Float64Array(64);
  for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) cov[i * 8 + j] = i === j ? 1e-4 : 0.5e-4;
  const source = (c: Float64Array | null): FactorCovarianceSource & { calls: number } => {
    const s = {
      calls: 0,
      async at() {
        s.calls++;
        return c;
      },
    };
    return s;
  };

  async function withExposures() {
    const deps = setup();
    await computePositionBetas(deps, [{ portfolioId: P, dates: [D1, D2] }]);
    await computeFactorExposures({ store: deps.store }, [{ portfolioId: P, dates: [D1, D2] }]);
    return deps.store;
  }

  it("runStress uses the latest stored date by default and marks the correlated model unavailable without covariance", async () => {
    const store = await withExposures();
    const r = await runStress({ store, covariance: source(null), rateDuration: 17 }, P, "", ACTIVE_SCENARIOS);
    assert.equal(r.date, D2);
    assert.equal(r.nav, 1100);
    assert.equal(r.outcomes.length, 19);
    const up = r.outcomes.find((o) => o.scenarioId === "rates_up_100bp")!;
    // IR dollars at D2 = (600/1100) × 2 × 1100 = 1200; TLT return = −17 × 0.01.
    assert.ok(Math.abs(up.directTotal - 1200 * -0.17) < 1e-9);
    assert.equal(up.correlatedAvailable, false);
    assert.equal(up.correlatedTotal, 0);
    await assert.rejects(runStress({ store, covariance: source(null), rateDuration: 17 }, Q, "", ACTIVE_SCENARIOS), NoExposuresError);
  });

  it("the rate duration is configurable", async () => {
    const store = await withExposures();
    const r = await runStress({ store, covariance: source(cov), rateDuration: 10 }, P, D2, ACTIVE_SCENARIOS);
    const up = r.outcomes.find((o) => o.scenarioId === "rates_up_100bp")!;
    assert.ok(Math.abs(up.directTotal - 1200 * -0.1) < 1e-9);
    assert.equal(up.correlatedAvailable, true);
    assert.ok(Math.abs(up.etfMoves[7]! - -0.1) < 1e-15, "TLT moves by −D·Δy");
  });

  it("computeStress stores the 19 active scenarios per portfolio, counts portfolios without exposures, one covariance read", async () => {
    const store = await withExposures();
    const cs = source(null);
    const o = await computeStress({ store, covariance: cs, rateDuration: 17 }, [P, Q, P], D2);
    assert.equal(o.inputs, 2);
    assert.equal(o.outputs, 19);
    assert.deepEqual(o.skipped, { NO_SNAPSHOT: 1 });
    assert.equal(cs.calls, 1);
    assert.deepEqual(
      o.problems.map((p) => p.reason),
      ["NO_SNAPSHOT", "INSUFFICIENT_HISTORY"],
    );
    assert.equal(store.stress.get(`${P}|${D2}`)!.outcomes.length, 19);
  });
});
