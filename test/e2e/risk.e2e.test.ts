import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { cliJson, startSystem, type System } from "@sigma/testing";
import { sharedDataPath } from "@sigma/testing/paths";
import { assertReportMatches, assertStressMatches, loadRiskReference, zeroCounts } from "@sigma/testing/risk-reference";

// Issue #9 e2e: the three sample portfolios onboarded through `sigma onboard` over six real service
// processes (csv provider on the shared prices, clock pinned to 2020-01-23) run every phase (1 → 6 and
// the stress tests); `sigma report --json` on 2019-06-28 and 2020-01-23 and `sigma stress --all --json`
// on 2020-01-23 equal the independent Python reference (libs/quant/test/vectors/risk.json) within its
// tolerances. The counts of compared values are printed per portfolio and output (for the closing note).

const reference = loadRiskReference();
const DATES = ["2019-06-28", "2020-01-23"];
const RISK_PHASES = ["position_betas", "factor_exposures", "volatility", "correlations"];

let system: System;

before(async () => {
  system = await startSystem({ asOf: "2020-01-23" });
});

after(async () => {
  await system?.stop();
});

test("sigma report and sigma stress equal the independent reference for the three sample portfolios", async () => {
  const table: Record<string, unknown>[] = [];
  for (const name of Object.keys(reference.portfolios)) {
    const r = await system.cli(["onboard", sharedDataPath(`portfolios/${name}.csv`), "--name", name, "--json"], { timeoutMs: 300_000 });
    assert.equal(r.code, 0, `${name}: ${r.stderr}\n${system.describe()}`);
    const out = cliJson<{ portfolio_id: string; run: { status: string; phases: { phase: string; state: string }[] } }>(r);
    assert.match(out.run.status, /^completed/, `${name}: ${JSON.stringify(out.run)}`);
    for (const phase of RISK_PHASES) {
      assert.equal(
        out.run.phases.find((p) => p.phase === phase)?.state,
        "completed",
        `${name} ${phase}: ${JSON.stringify(out.run.phases)}`,
      );
    }
    const counts = zeroCounts();
    for (const date of DATES) {
      const rep = await system.cli(["report", out.portfolio_id, "--date", date, "--json"]);
      assert.equal(rep.code, 0, `${name} report ${date}: ${rep.stderr}`);
      const doc = cliJson<Record<string, unknown>>(rep);
      assert.deepEqual(
        Object.keys(doc).sort(),
        ["correlations", "date", "exposures", "factor_correlations", "nav", "volatility"],
        `${name} ${date}: report keys`,
      );
      assertReportMatches(doc, reference, name, date, counts);
    }
    const st = await system.cli(["stress", out.portfolio_id, "--date", "2020-01-23", "--all", "--json"]);
    assert.equal(st.code, 0, `${name} stress: ${st.stderr}`);
    counts.stress += assertStressMatches(cliJson(st), reference, name, "2020-01-23");

    // The active scenarios are what `sigma stress` shows by default: 19 of the 22.
    const active = await system.cli(["stress", out.portfolio_id, "--date", "2020-01-23", "--json"]);
    assert.equal(active.code, 0, active.stderr);
    assert.equal(Object.keys(cliJson<Record<string, unknown>>(active)).length, 19, `${name}: active scenarios`);

    for (const [output, n] of Object.entries(counts))
      assert.ok(n > 0 || output === "correlations", `${name}: nothing compared for ${output}`);
    table.push({ portfolio: name, ...counts });
  }
  console.log("risk reference comparison (values compared):");
  console.table(table);
});
