// `sigma report` and `sigma stress` against fake services at the CLI's edge (real gRPC over loopback,
// canned risk answers): exit codes, messages, tables, the exact JSON shapes and the requests sent.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Factor, PortfolioSchema } from "@sigma/contracts";
import type { RunningServer } from "@sigma/runtime";
import { runSigma } from "./cli.js";
import { capture, FakeState, fakeEnv, startFakeServices } from "./testing/fake-services.js";
import { sampleReport, sampleStress } from "./testing/risk-fixtures.js";

const P1 = "3f2b8c1e-5d4a-4e6f-9a7b-0c1d2e3f4a5b";
const FOREIGN = "99999999-aaaa-4bbb-8ccc-dddddddddddd";
const UNKNOWN = "00000000-0000-4000-8000-00000000abcd";

let state: FakeState;
let server: RunningServer;

beforeEach(async () => {
  state = new FakeState();
  state.portfolios.push(create(PortfolioSchema, { id: P1, name: "book", owner: "alice", active: true, firstEntryDate: "2019-01-02" }));
  state.foreign.add(FOREIGN);
  state.riskReports.set(
    P1,
    new Map([
      ["2019-06-28", sampleReport("2019-06-28")],
      ["2020-01-23", sampleReport("2020-01-23")],
    ]),
  );
  state.stress.set(P1, { date: "2020-01-23", nav: 1_000_000, results: sampleStress() });
  server = await startFakeServices(state);
});
afterEach(async () => {
  await server.close();
});

async function sigma(args: string[]) {
  const c = capture(fakeEnv(server.url));
  const code = await runSigma(args, c.io);
  return { code, stdout: c.stdout(), stderr: c.stderr() };
}

describe("report", () => {
  test("--json prints the report of the latest date, or of --date", async () => {
    const r = await sigma(["report", P1, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout);
    assert.equal(json.date, "2020-01-23");
    assert.deepEqual(Object.keys(json.exposures), ["market", "ir"]);
    assert.equal(json.exposures.market.coverage_abs_mv, null);
    assert.equal(json.exposures.ir.data_quality_failure, true);
    assert.equal(json.volatility.positions.AAPL.trend, "increasing");
    assert.deepEqual(json.correlations.excluded, { GLD: "below_min_weight" });
    assert.equal(json.factor_correlations.covariance.length, 8);
    const d = await sigma(["report", P1, "--date", "2019-06-28", "--json"]);
    assert.equal(d.code, 0, d.stderr);
    assert.equal(JSON.parse(d.stdout).date, "2019-06-28");
  });

  test("the table shows exposures with coverage and data-quality failures, volatility, correlations and the factor EWMA", async () => {
    const r = await sigma(["report", P1]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split("\n");
    assert.equal(lines[0], `risk report of portfolio ${P1} on 2020-01-23 (NAV 1,000,000.00)`);
    assert.match(r.stdout, /FACTOR +BETA +DOLLAR EXPOSURE +COVERED +COVERAGE +COVERAGE \|MV\| +DATA QUALITY/);
    assert.match(r.stdout, /\nmarket +1\.1000 +1,100,000\.00 +2\/3 +66\.67% +-\n/);
    assert.match(r.stdout, /\nir +0\.0000 +0\.00 +0\/2 +0\.00% +0\.00% +no_coverage\n/);
    assert.match(r.stdout, /data-quality failure: no position has a beta for ir/);
    assert.match(r.stdout, /\nportfolio +12\.00% +15\.00% +- +- +- +- +-\n/);
    assert.match(r.stdout, /\nAAPL +20\.00% +25\.00% +18\.00% +22\.00% +increasing +0\.002 +75\.00%\n/);
    assert.match(r.stdout, /position correlations \(phase 6\): 2 symbol\(s\), average \|ρ\| 0\.8000, diversification ratio 1\.0500/);
    assert.match(r.stdout, /excluded: GLD \(below_min_weight\)/);
    assert.match(r.stdout, /clusters \(\|ρ\| ≥ 0\.7\): \[AAPL, MSFT\]/);
    assert.match(r.stdout, /\n +SPY +VTV +VUG +MTUM +QUAL +IWM +USMV +TLT\n/);
    assert.match(r.stdout, /\nSPY +1\.000 +0\.950 /);
  });

  test("nothing stored is exit 1 with the risk service's words; another user's portfolio is 'not found or not yours'", async () => {
    const none = await sigma(["report", P1, "--date", "2018-01-02"]);
    assert.equal(none.code, 1);
    assert.equal(none.stderr, `sigma: no risk analytics stored for portfolio ${P1} on 2018-01-02\n`);
    const unknown = await sigma(["report", UNKNOWN, "--json"]);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stdout, "");
    assert.equal(unknown.stderr, `sigma: portfolio ${UNKNOWN} not found\n`);
    const foreign = await sigma(["report", FOREIGN]);
    assert.equal(foreign.code, 1);
    assert.equal(foreign.stderr, `sigma: portfolio ${FOREIGN} not found or not yours\n`);
  });

  test("a bad id or date is a usage error (exit 2) and nothing is asked", async () => {
    const id = await sigma(["report", "book"]);
    assert.equal(id.code, 2);
    assert.match(id.stderr, /PORTFOLIO: not a portfolio id: "book"/);
    const date = await sigma(["report", P1, "--date", "2020-13-01"]);
    assert.equal(date.code, 2);
    assert.match(date.stderr, /--date: not a YYYY-MM-DD date: "2020-13-01"/);
    assert.deepEqual(state.portfolioCalls, []);
  });
});

describe("stress", () => {
  test("without --scenario the active scenarios (no id sent); --json is scenario id → result", async () => {
    const r = await sigma(["stress", P1, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      state.stressRequests.map((q) => [q.scenarioIds, q.customScenarios.length, q.date]),
      [[[], 0, ""]],
    );
    const json = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(json), ["market_down_10", "market_up_5"]);
    assert.deepEqual(Object.keys(json.market_down_10), ["active_by_default", "shocks", "etf_moves", "direct", "correlated"]);
    assert.deepEqual(json.market_down_10.direct, {
      contributions: { market: -110000 },
      total: -110000,
      pct_of_nav: -11,
      loss_exceeds_nav: false,
    });
    assert.deepEqual(json.market_down_10.correlated.contributions, { ir: -5000, value: -85000 });
    assert.equal(json.market_up_5.correlated, null);
    assert.equal(json.market_up_5.etf_moves, null);
  });

  test("--all sends ['all']; --scenario sends the ids; the table flags a loss beyond nav", async () => {
    const all = await sigma(["stress", P1, "--all", "--date", "2020-01-23"]);
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(state.stressRequests[0]!.scenarioIds, ["all"]);
    assert.equal(state.stressRequests[0]!.date, "2020-01-23");
    const lines = all.stdout.split("\n");
    assert.equal(lines[0], `stress tests of portfolio ${P1} on 2020-01-23 (NAV 1,000,000.00)`);
    assert.match(lines[1]!, /^SCENARIO +DIRECT \$ +DIRECT % NAV +CORRELATED \$ +CORRELATED % NAV +LOSS > NAV$/);
    assert.match(all.stdout, /\nmarket_down_10 +-110,000\.00 +-11\.00% +-90,000\.00 +-9\.00%\n/);
    assert.match(all.stdout, /\ncovid_crash_2020 +-1,200,000\.00 +-120\.00% +-1,100,000\.00 +-110\.00% +both\n/);
    assert.match(all.stdout, /\nmarket_up_5 +55,000\.00 +\+5\.50% +- +-\n/);
    assert.match(all.stdout, /correlated impact not available: no factor EWMA covariance for this date/);

    const some = await sigma(["stress", P1, "--scenario", "covid_crash_2020", "market_up_5", "--json"]);
    assert.equal(some.code, 0, some.stderr);
    assert.deepEqual(state.stressRequests[1]!.scenarioIds, ["covid_crash_2020", "market_up_5"]);
    assert.deepEqual(Object.keys(JSON.parse(some.stdout)), ["covid_crash_2020", "market_up_5"]);
  });

  test("--shock builds one custom scenario 'custom' and shows it alone", async () => {
    const r = await sigma(["stress", P1, "--shock", "momentum=-0.2", "ir=0.01", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const req = state.stressRequests[0]!;
    assert.deepEqual(req.scenarioIds, []);
    assert.deepEqual(
      req.customScenarios.map((c) => [c.id, c.shocks.map((s) => [s.factor, s.shock])]),
      [
        [
          "custom",
          [
            [Factor.MOMENTUM, -0.2],
            [Factor.IR, 0.01],
          ],
        ],
      ],
    );
    assert.deepEqual(Object.keys(JSON.parse(r.stdout)), ["custom"]);
    const text = await sigma(["stress", P1, "--shock", "momentum=-0.2"]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /\ncustom +-20,000\.00 +-2\.00% +-30,000\.00 +-3\.00%\n/);
    assert.match(text.stdout, /\ncustom: momentum -20%\n/);
    const both = await sigma(["stress", P1, "--scenario", "market_down_10", "--shock", "momentum=-0.2", "--json"]);
    assert.equal(both.code, 0, both.stderr);
    assert.deepEqual(Object.keys(JSON.parse(both.stdout)), ["market_down_10", "custom"]);
  });

  test("bad flags are usage errors (exit 2) and nothing is sent; an unknown scenario or portfolio is exit 1", async () => {
    const cases: [string[], RegExp][] = [
      [["--all", "--scenario", "market_up_5"], /--all and --scenario exclude each other/],
      [["--scenario", "Market Up"], /--scenario: not a scenario id: "Market Up"/],
      [["--shock", "spy=-0.1"], /--shock spy=-0.1: unknown factor "spy"/],
      [["--shock", "market=lots"], /--shock market=lots: "lots" is not a number/],
      [["--shock", "market"], /--shock market: expected factor=value/],
      [["--date", "yesterday"], /--date: not a YYYY-MM-DD date/],
    ];
    for (const [flags, why] of cases) {
      const r = await sigma(["stress", P1, ...flags]);
      assert.equal(r.code, 2, flags.join(" "));
      assert.match(r.stderr, why);
    }
    assert.deepEqual(state.stressRequests, []);
    const unknownScenario = await sigma(["stress", P1, "--scenario", "meteor_strike"]);
    assert.equal(unknownScenario.code, 1);
    assert.equal(unknownScenario.stderr, "sigma: unknown scenario meteor_strike\n");
    const foreign = await sigma(["stress", FOREIGN]);
    assert.equal(foreign.code, 1);
    assert.equal(foreign.stderr, `sigma: portfolio ${FOREIGN} not found or not yours\n`);
  });
});
