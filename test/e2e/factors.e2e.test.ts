import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { tradingDays } from "@sigma/calendar";
import { FACTORS, RunSource, RunStatus, SkipReason, type SymbolProblem } from "@sigma/contracts";
import { cliJson, repoRoot, startSystem, type System } from "@sigma/testing";

// Issue #3 e2e: the pipeline 1 → 1.5 → 1.75 over six real service processes on the real prices
// (csv provider, clock pinned to 2020-01-23); stored betas read back through the CLI must equal the
// independent reference vectors (statsmodels / scikit-learn, libs/quant/test/vectors) to 1e-9.

interface VectorFactor {
  beta_clipped: number;
  r2: number;
  n_obs: number;
  quality: string;
}
const vectors = JSON.parse(readFileSync(path.join(repoRoot, "libs/quant/test/vectors/factors.json"), "utf8")) as {
  tolerance: { abs: number; rel: number };
  symbols: string[];
  rows: Record<string, Record<string, Record<string, VectorFactor>>>;
};
const FROM = "2019-12-02";
const TO = "2020-01-23";
const DATES = tradingDays(FROM, TO);
let system: System;

/**
 * AVP (last close 2020-01-03) and GWR (last close 2019-12-27) have prices but no close on later dates:
 * phases 1.5/1.75 report them as NO_CLOSE problems, so runs over those dates end with warnings.
 */
function assertCloseGaps(problems: readonly SymbolProblem[], firstMissing: { AVP: string; GWR: string }): void {
  assert.deepEqual([...new Set(problems.map((p) => p.symbol))].sort(), ["AVP", "GWR"], JSON.stringify(problems));
  for (const p of problems) {
    assert.equal(p.reason, SkipReason.NO_CLOSE, `${p.symbol}: ${p.message}`);
    assert.match(
      p.message,
      p.symbol === "AVP"
        ? /^no close on \d+ of \d+ dates \(last close 2020-01-03\)$/
        : /^no close on \d+ of \d+ dates \(last close 2019-12-27\)$/,
    );
  }
  const first = (sym: string) =>
    problems
      .filter((p) => p.symbol === sym)
      .map((p) => p.date)
      .sort()[0];
  assert.deepEqual({ AVP: first("AVP"), GWR: first("GWR") }, firstMissing);
}

before(async () => {
  system = await startSystem({ asOf: "2020-01-23" });
  const add = await system.cli(["symbols", "add", ...vectors.symbols]);
  assert.equal(add.code, 0, add.stderr);
});

after(async () => {
  await system?.stop();
});

test("a forced run over 36 dates runs phases 1, 1.5 and 1.75 and stores all 12 factors for every symbol-date", async () => {
  const r = await system.cli(["run", "--force", "--from", FROM, "--to", TO, "--json"], { timeoutMs: 240_000 });
  assert.equal(r.code, 0, `${r.stderr}\n${system.describe()}`);
  const run = cliJson<{
    status: string;
    datesCompleted: number;
    phases: { phase: string; state: string; counters: { inputs: string | number; outputs: string | number } }[];
  }>(r);
  assert.equal(run.status, "completed_with_warnings");
  assert.equal(run.datesCompleted, DATES.length);
  const byPhase = Object.fromEntries(run.phases.map((p) => [p.phase, p]));
  for (const phase of ["market_data", "symbol_factors", "symbol_metrics"]) assert.equal(byPhase[phase]?.state, "completed", phase);
  // 14 symbols (the factor ETFs among them) + the 4 other factor ETFs, one row per symbol-date.
  const symbols = new Set([...vectors.symbols, "SPY", "VTV", "VUG", "MTUM", "QUAL", "IWM", "USMV", "TLT"]);
  assert.equal(Number(byPhase.symbol_factors!.counters.outputs), symbols.size * DATES.length);

  const { rows } = await system.clients.factor.getSymbolFactors({ symbols: [...symbols], startDate: FROM, endDate: TO });
  assert.equal(rows.length, symbols.size * DATES.length);
  for (const row of rows) assert.equal(row.betas.length, FACTORS.length, `${row.symbol} ${row.date}`);
  const { run: record } = await system.clients.coordinator.getRun({ runId: (run as unknown as { id: string }).id });
  assert.equal(record?.status, RunStatus.COMPLETED_WITH_WARNINGS);
  assertCloseGaps(record!.problems, { AVP: "2020-01-06", GWR: "2019-12-30" });
});

test("stored betas, r², n_obs and quality equal the reference vectors (via `sigma factors --json`)", async () => {
  const { abs, rel } = vectors.tolerance;
  let checked = 0;
  for (const date of Object.keys(vectors.rows).filter((d) => d >= FROM && d <= TO)) {
    const r = await system.cli(["factors", "--symbols", vectors.symbols.join(","), "--date", date, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const stored = cliJson<Record<string, Record<string, { beta: number; r2: number; n_obs: number; quality: string }>>>(r);
    for (const [symbol, factors] of Object.entries(vectors.rows[date]!)) {
      for (const [factor, want] of Object.entries(factors)) {
        const got = stored[symbol]?.[factor];
        assert.ok(got, `${date} ${symbol} ${factor} missing`);
        const close = (a: number, b: number) => Math.abs(a - b) <= abs + rel * Math.abs(b);
        assert.ok(close(got.beta, want.beta_clipped), `${date} ${symbol} ${factor} beta ${got.beta} vs ${want.beta_clipped}`);
        assert.ok(close(got.r2, want.r2), `${date} ${symbol} ${factor} r2 ${got.r2} vs ${want.r2}`);
        assert.equal(got.n_obs, want.n_obs, `${date} ${symbol} ${factor} n_obs`);
        assert.equal(got.quality, want.quality, `${date} ${symbol} ${factor} quality`);
        checked++;
      }
    }
  }
  assert.ok(checked >= 4 * 12 * 12, `checked ${checked} values`);
});

test("a rerun of the same range replaces rows (idempotent) and metrics are readable", async () => {
  const r = await system.cli(["run", "--force", "--from", "2020-01-21", "--to", TO, "--json"], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  const { rows } = await system.clients.factor.getSymbolFactors({ symbols: ["AAPL"], startDate: FROM, endDate: TO });
  assert.equal(rows.length, DATES.length);
  const m = await system.cli(["metrics", "--symbols", "SPY,GWR", "--date", TO, "--json"]);
  assert.equal(m.code, 0, m.stderr);
  const metrics = cliJson<Record<string, Record<string, number | null>>>(m);
  assert.ok(typeof metrics.SPY?.realized_vol_21d === "number" && metrics.SPY.realized_vol_21d > 0);
  assert.equal(metrics.GWR?.return_1d ?? null, null, "GWR has no close on 2020-01-23: null, not zero");
});

test("`sigma trigger` (the CronJob's command) starts a cron-sourced run, follows it and exits 0 when it completes with warnings", async () => {
  const r = await system.cli(["trigger"], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /started \(cron\)/);
  const { runs } = await system.clients.coordinator.listRuns({ limit: 1 });
  assert.equal(runs[0]?.source, RunSource.CRON);
  // AVP and GWR have no close on 2020-01-23: completed with warnings, which is still exit code 0.
  assert.equal(runs[0]?.status, RunStatus.COMPLETED_WITH_WARNINGS);
  assertCloseGaps(runs[0]!.problems, { AVP: "2020-01-23", GWR: "2020-01-23" });
  assert.equal(runs[0]?.targetDate, "2020-01-23", "the pinned clock's target date");
  assert.deepEqual([runs[0]?.startDate, runs[0]?.endDate], ["2020-01-23", "2020-01-23"]);
});
