import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { RunStatus } from "@sigma/contracts";
import { cliJson, startSystem, type System } from "@sigma/testing";
import { sharedDataPath } from "@sigma/testing/paths";
import { assertPositionsMatch, assertSnapshotsMatch, loadSnapshotReference } from "@sigma/testing/snapshot-reference";
import pg from "pg";

// Issue #8 e2e: the three sample portfolios onboarded through `sigma onboard` over six real service
// processes (csv provider on the shared prices, clock pinned to 2020-01-23); every snapshot field on
// every date and the position values on the last date, read back through `sigma snapshots` /
// `sigma positions`, equal the independent Python reference (services/snapshot/test/vectors).
// An onboarding whose coordinator is SIGKILLed mid-run and resumed stores exactly the rows of an
// uninterrupted one.

const reference = loadSnapshotReference();
const TTL_MS = 8000;

let system: System;
const onboarded = new Map<string, string>();

before(async () => {
  system = await startSystem({
    asOf: "2020-01-23",
    serviceEnv: { coordinator: { SIGMA_LEASE_TTL_MS: String(TTL_MS), SIGMA_HEARTBEAT_MS: "500" } },
  });
});

after(async () => {
  await system?.stop();
});

function csvOf(name: string): string {
  return sharedDataPath(`portfolios/${name}.csv`);
}

test("sigma onboard: each sample is imported, backfilled through every phase (1 → 6, 2.5, stress), and its snapshots and positions equal the reference on every field", async () => {
  for (const name of Object.keys(reference.portfolios)) {
    const r = await system.cli(["onboard", csvOf(name), "--name", name, "--json"], { timeoutMs: 300_000 });
    assert.equal(r.code, 0, `${name}: ${r.stderr}\n${system.describe()}`);
    const out = cliJson<{ portfolio_id: string; run_id: string; run: { status: string; phases: { phase: string; state: string }[] } }>(r);
    assert.match(out.run.status, /^completed/, `${name}: ${JSON.stringify(out.run)}`);
    // balanced-5m holds two mutual funds the price file lacks: warnings, never a failure.
    if (name === "balanced-5m") assert.equal(out.run.status, "completed_with_warnings");
    const phases = ["market_data", "symbol_factors", "symbol_metrics", "snapshots", "position_betas", "factor_exposures", "volatility"];
    for (const phase of [...phases, "correlations", "position_values", "stress_tests"]) {
      assert.equal(out.run.phases.find((p) => p.phase === phase)?.state, "completed", `${name} ${phase}`);
    }
    onboarded.set(name, out.portfolio_id);

    const snaps = await system.cli(["snapshots", out.portfolio_id, "--json"]);
    assert.equal(snaps.code, 0, snaps.stderr);
    const want = reference.portfolios[name]!;
    const compared = assertSnapshotsMatch(cliJson<Record<string, unknown>[]>(snaps), want.snapshots, name);
    assert.equal(compared, want.snapshots.length * 22);

    const pos = await system.cli(["positions", out.portfolio_id, "--json"]);
    assert.equal(pos.code, 0, pos.stderr);
    assertPositionsMatch(cliJson<Record<string, unknown>[]>(pos), want.positions, want.snapshots.at(-1)!.nav as number, name);
  }
});

test("an onboarding interrupted by SIGKILL of the coordinator and resumed stores exactly the rows of an uninterrupted one", async () => {
  const name = "long-short";
  const uninterrupted = onboarded.get(name);
  assert.ok(uninterrupted, "the uninterrupted onboarding ran first");
  const r = await system.cli(["onboard", csvOf(name), "--name", `${name} (interrupted)`, "--detach", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const { portfolio_id: id, run_id: runId } = cliJson<{ portfolio_id: string; run_id: string }>(r);
  // Kill between chunks: once some dates are committed and the run is not done.
  for (let i = 0; ; i++) {
    const { run } = await system.clients.coordinator.getRun({ runId });
    if (run!.datesCompleted > 0 && run!.status === RunStatus.RUNNING) break;
    assert.ok(i < 2000, "the onboarding made no progress");
    assert.equal(run!.status, RunStatus.RUNNING, run!.errorSummary);
    await new Promise((res) => setTimeout(res, 20));
  }
  await system.process("coordinator").kill();
  await system.restart("coordinator");
  // The dead run holds its lease until the TTL; then a resume computes the missing dates only.
  let resumed = "";
  for (let i = 0; i < 120 && !resumed; i++) {
    const run = await system.cli(["run", "--portfolio", id, "--json"], { timeoutMs: 300_000 });
    if (run.code === 0) resumed = run.stdout;
    else await new Promise((res) => setTimeout(res, 500));
  }
  assert.ok(resumed, `the resume never ran\n${system.describe()}`);

  const client = new pg.Client({ connectionString: system.database.url });
  await client.connect();
  try {
    const checksum = async (portfolioId: string) => {
      const { rows } = await client.query(
        `SELECT count(*)::int AS n,
                md5(string_agg(concat_ws(',', date, nav, cash, long_value, short_value, gross_exposure, net_exposure, daily_pnl,
                  daily_return, cumulative_pnl, options_delta_dollars, hhi, effective_num_positions, top_3_concentration,
                  top_10_concentration, num_positions, num_long, num_short, num_stale, num_model_priced, num_unpriced, num_private,
                  num_quoted), '|' ORDER BY date)) AS h
           FROM snapshot.snapshots WHERE portfolio_id = $1`,
        [portfolioId],
      );
      return rows[0] as { n: number; h: string };
    };
    const [a, b] = [await checksum(uninterrupted), await checksum(id)];
    assert.equal(a.n, reference.portfolios[name]!.snapshots.length);
    assert.deepEqual(b, a, "interrupted + resumed rows differ from the uninterrupted onboarding");
  } finally {
    await client.end();
  }
});
