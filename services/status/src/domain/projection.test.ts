import assert from "node:assert/strict";
import { test } from "node:test";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { ActivityLevel, LegacyPhaseState, Phase, PhaseState, type RunEvent, RunState, RunStatus } from "@sigma/contracts";
import { RunEventBuilder } from "./event-builder.js";
import { RECENT_ACTIVITY_LIMIT, StatusProjection } from "./projection.js";

const T0 = Date.UTC(2020, 0, 23, 23, 30, 0);
const THREE = [Phase.MARKET_DATA, Phase.SYMBOL_FACTORS, Phase.SNAPSHOTS];

/** Applies events with consecutive stream sequences starting at `from`; returns the next seq. */
function applyAll(p: StatusProjection, events: readonly RunEvent[], from = p.lastSeq + 1): number {
  let seq = from;
  for (const e of events) p.apply(seq++, e);
  return seq;
}

function messages(p: StatusProjection, target: { runId: string } | { portfolioId: string }): string[] {
  return p.getStatus(target, new Date(T0)).recentActivity.map((a) => a.message);
}

test("a run moves through its phases with percent, current phase and summaries", () => {
  const b = new RunEventBuilder("r1", ["p1"], T0);
  const p = new StatusProjection();
  applyAll(p, [b.runStarted(THREE)]);

  let v = p.getStatus({ portfolioId: "p1" }, new Date(T0 + 5000));
  assert.equal(v.state, RunState.RUNNING);
  assert.equal(v.runId, "r1");
  assert.equal(v.portfolioId, "p1");
  assert.equal(v.source, "onboarding");
  assert.deepEqual(
    v.phases.map((ph) => [ph.phase, ph.state, ph.name, ph.label]),
    [
      [Phase.MARKET_DATA, PhaseState.PENDING, "Market Data Collection", "1"],
      [Phase.SYMBOL_FACTORS, PhaseState.PENDING, "Factor Analysis", "1.5"],
      [Phase.SNAPSHOTS, PhaseState.PENDING, "Portfolio Snapshots", "2"],
    ],
  );
  assert.equal(v.phasesTotal, 3);
  assert.equal(v.percent, 0);
  assert.equal(v.elapsedSeconds, 5, "elapsed of a running run is now - started_at");

  applyAll(p, [b.phaseStarted(Phase.MARKET_DATA, 20, "symbols"), b.phaseProgress(Phase.MARKET_DATA, 10, 20, "symbols")]);
  v = p.getStatus({ runId: "r1" }, new Date(T0 + 10_000));
  assert.equal(v.currentPhase, Phase.MARKET_DATA);
  assert.equal(v.phases[0]!.state, PhaseState.RUNNING);
  assert.equal(v.phases[0]!.current, 10n);
  assert.equal(v.phases[0]!.total, 20n);
  assert.equal(v.phases[0]!.unit, "symbols");
  assert.equal(v.phases[0]!.durationSeconds, 9, "running phase duration is live: now - phase start (T0+1s)");
  assert.ok(Math.abs(v.percent - (0.5 / 3) * 100) < 1e-9);

  applyAll(p, [
    b.activity("HZNP: symbol unavailable (delisted)", ActivityLevel.WARNING, "HZNP"),
    b.phaseFinished(Phase.MARKET_DATA, true, 12.5, "18/20 symbols (90% coverage)"),
  ]);
  v = p.getStatus({ runId: "r1" }, new Date(T0 + 10_000));
  assert.equal(v.phases[0]!.state, PhaseState.COMPLETED);
  assert.equal(v.phases[0]!.durationSeconds, 12.5);
  assert.equal(v.phases[0]!.summary, "18/20 symbols (90% coverage)");
  assert.equal(v.phasesCompleted, 1);
  assert.equal(v.currentPhase, Phase.UNSPECIFIED);
  assert.ok(Math.abs(v.percent - 100 / 3) < 1e-9);
  const warning = v.recentActivity.find((a) => a.symbol === "HZNP");
  assert.equal(warning?.level, ActivityLevel.WARNING);

  applyAll(p, [
    b.phaseStarted(Phase.SYMBOL_FACTORS, 20, "symbols"),
    b.phaseFinished(Phase.SYMBOL_FACTORS, true, 3, "20/20 symbols"),
    b.phaseStarted(Phase.SNAPSHOTS, 4, "dates"),
    b.phaseProgress(Phase.SNAPSHOTS, 1, 4, "dates"),
  ]);
  v = p.getStatus({ runId: "r1" }, new Date(T0 + 60_000));
  assert.equal(v.currentPhase, Phase.SNAPSHOTS);
  assert.ok(Math.abs(v.percent - ((2 + 0.25) / 3) * 100) < 1e-9);

  const last = applyAll(p, [
    b.phaseProgress(Phase.SNAPSHOTS, 4, 4, "dates"),
    b.phaseFinished(Phase.SNAPSHOTS, true, 2, "4 dates"),
    b.runFinished("completed"),
  ]);
  v = p.getStatus({ portfolioId: "p1" }, new Date(T0 + 3_600_000));
  assert.equal(v.state, RunState.COMPLETED);
  assert.equal(v.percent, 100);
  assert.equal(v.phasesCompleted, 3);
  assert.equal(v.lastSeq, BigInt(last - 1));
  // 12 events, emitted one second apart: finished - started, whatever "now" is.
  assert.equal(v.elapsedSeconds, 11);
  assert.equal(timestampMs(v.finishedAt!) - timestampMs(v.startedAt!), 11_000);
  assert.deepEqual(messages(p, { runId: "r1" }), [
    "Run started (onboarding)",
    "Market Data Collection started",
    "HZNP: symbol unavailable (delisted)",
    "Market Data Collection completed in 12.5s: 18/20 symbols (90% coverage)",
    "Factor Analysis started",
    "Factor Analysis completed in 3.0s: 20/20 symbols",
    "Portfolio Snapshots started",
    "Portfolio Snapshots: 1/4 dates",
    "Portfolio Snapshots: 4/4 dates",
    "Portfolio Snapshots completed in 2.0s: 4 dates",
    "Run completed",
  ]);
});

test("each final status maps to its state, from run_status and from the deprecated status string of old events", () => {
  const cases: Array<[RunStatus | string, RunState, RunStatus, PhaseState]> = [
    [RunStatus.COMPLETED, RunState.COMPLETED, RunStatus.COMPLETED, PhaseState.INCOMPLETE],
    [RunStatus.COMPLETED_WITH_WARNINGS, RunState.COMPLETED_WITH_WARNINGS, RunStatus.COMPLETED_WITH_WARNINGS, PhaseState.INCOMPLETE],
    [RunStatus.FAILED, RunState.FAILED, RunStatus.FAILED, PhaseState.FAILED],
    [RunStatus.CANCELLED, RunState.CANCELLED, RunStatus.CANCELLED, PhaseState.CANCELLED],
    ["completed", RunState.COMPLETED, RunStatus.COMPLETED, PhaseState.INCOMPLETE],
    ["completed_with_warnings", RunState.COMPLETED_WITH_WARNINGS, RunStatus.COMPLETED_WITH_WARNINGS, PhaseState.INCOMPLETE],
    ["failed", RunState.FAILED, RunStatus.FAILED, PhaseState.FAILED],
    ["cancelled", RunState.CANCELLED, RunStatus.CANCELLED, PhaseState.CANCELLED],
    ["exploded", RunState.FAILED, RunStatus.FAILED, PhaseState.FAILED],
  ];
  for (const [status, state, runStatus, interrupted] of cases) {
    const name = typeof status === "string" ? `legacy ${status}` : RunStatus[status];
    const b = new RunEventBuilder("r", [], T0);
    const p = new StatusProjection();
    applyAll(p, [
      b.runStarted(THREE),
      b.phaseStarted(Phase.MARKET_DATA, 10, "symbols"),
      b.runFinished(status, status === RunStatus.FAILED || status === "failed" ? "provider down" : ""),
    ]);
    const v = p.getStatus({ runId: "r" }, new Date(T0));
    assert.equal(v.state, state, name);
    assert.equal(v.runStatus, runStatus, name);
    assert.equal(v.phases[0]!.phaseState, interrupted, `${name}: the phase that was running`);
    assert.equal(v.phases[1]!.phaseState, PhaseState.PENDING, `${name}: a phase that never started`);
    if (status === "exploded") assert.match(v.errorSummary, /unknown run status "exploded"/);
    else if (runStatus === RunStatus.FAILED) assert.equal(v.errorSummary, "provider down");
    const expectedPercent = runStatus === RunStatus.COMPLETED || runStatus === RunStatus.COMPLETED_WITH_WARNINGS ? 100 : 0;
    assert.equal(v.percent, expectedPercent, name);
  }
});

test("the last activity line spells the final status in words", () => {
  for (const status of [RunStatus.COMPLETED_WITH_WARNINGS, "completed_with_warnings"] as const) {
    const b = new RunEventBuilder("r", [], T0);
    const p = new StatusProjection();
    applyAll(p, [b.runStarted([Phase.MARKET_DATA]), b.runFinished(status, "2 symbols unavailable")]);
    assert.equal(messages(p, { runId: "r" }).at(-1), "Run completed with warnings: 2 symbols unavailable");
  }
});

test("a phase ends cancelled or incomplete as its event says; the deprecated fields read as before", () => {
  const b = new RunEventBuilder("r", [], T0);
  const p = new StatusProjection();
  applyAll(p, [
    b.runStarted(THREE),
    b.phaseStarted(Phase.MARKET_DATA, 10, "symbols"),
    b.phaseFinished(Phase.MARKET_DATA, PhaseState.COMPLETED, 1, "10/10 symbols"),
    b.phaseStarted(Phase.SYMBOL_FACTORS, 10, "symbols"),
    b.phaseFinished(Phase.SYMBOL_FACTORS, PhaseState.INCOMPLETE, 4, "3/5 dates committed"),
    b.phaseStarted(Phase.SNAPSHOTS, 10, "dates"),
    b.phaseFinished(Phase.SNAPSHOTS, PhaseState.CANCELLED, 2, ""),
    b.runFinished(RunStatus.CANCELLED, "cancelled by ops"),
  ]);
  const v = p.getStatus({ runId: "r" }, new Date(T0));
  assert.deepEqual(
    v.phases.map((ph) => ph.phaseState),
    [PhaseState.COMPLETED, PhaseState.INCOMPLETE, PhaseState.CANCELLED],
  );
  assert.deepEqual(
    v.phases.map((ph) => ph.state),
    [LegacyPhaseState.COMPLETED, LegacyPhaseState.FAILED, LegacyPhaseState.PENDING],
  );
  assert.equal(v.phasesCompleted, 1);
  const lines = messages(p, { runId: "r" });
  assert.ok(lines.includes("Factor Analysis incomplete after 4.0s: 3/5 dates committed"), lines.join("\n"));
  assert.ok(lines.includes("Portfolio Snapshots cancelled after 2.0s"), lines.join("\n"));
  assert.equal(lines.at(-1), "Run cancelled: cancelled by ops");
  const levels = p.getActivityLog({ runId: "r" }).entries.map((e) => e.level);
  assert.ok(!levels.includes(ActivityLevel.ERROR), "nothing failed: no error line");
});

test("an old phase_finished event (success flag only) still reads as completed or failed", () => {
  const b = new RunEventBuilder("r", [], T0);
  const p = new StatusProjection();
  applyAll(p, [
    b.runStarted([Phase.MARKET_DATA, Phase.SYMBOL_FACTORS]),
    b.phaseFinished(Phase.MARKET_DATA, true, 1, ""),
    b.phaseFinished(Phase.SYMBOL_FACTORS, false, 1, ""),
  ]);
  const v = p.getStatus({ runId: "r" }, new Date(T0));
  assert.deepEqual(
    v.phases.map((ph) => ph.phaseState),
    [PhaseState.COMPLETED, PhaseState.FAILED],
  );
});

test("an undecodable event skipped at a seq advances lastSeq once", () => {
  const p = new StatusProjection();
  p.apply(1, new RunEventBuilder("r", [], T0).runStarted([]));
  assert.equal(p.skip(3), true);
  assert.equal(p.lastSeq, 3);
  assert.equal(p.skip(2), false);
  assert.deepEqual(p.apply(3, new RunEventBuilder("r2", [], T0).runStarted([])), [], "seq 3 was already read");
});

test("a failed phase is FAILED with its summary and is not counted as completed", () => {
  const b = new RunEventBuilder("r", ["p"], T0);
  const p = new StatusProjection();
  applyAll(p, [
    b.runStarted(THREE),
    b.phaseStarted(Phase.MARKET_DATA, 10, "symbols"),
    b.phaseFinished(Phase.MARKET_DATA, true, 1, "10/10 symbols"),
    b.phaseStarted(Phase.SYMBOL_FACTORS, 10, "symbols"),
    b.phaseFinished(Phase.SYMBOL_FACTORS, false, 4, "0/10 symbols: degenerate regressor"),
    b.runFinished("failed", "Factor Analysis produced nothing"),
  ]);
  const v = p.getStatus({ portfolioId: "p" }, new Date(T0));
  assert.deepEqual(
    v.phases.map((ph) => ph.state),
    [PhaseState.COMPLETED, PhaseState.FAILED, PhaseState.PENDING],
  );
  assert.equal(v.phasesCompleted, 1);
  assert.equal(v.phases[1]!.summary, "0/10 symbols: degenerate regressor");
  assert.equal(v.errorSummary, "Factor Analysis produced nothing");
  assert.ok(Math.abs(v.percent - 100 / 3) < 1e-9);
});

test("recent activity samples 254 date-progress lines and keeps the last 50; warnings always appear", () => {
  const b = new RunEventBuilder("r", ["p"], T0);
  const p = new StatusProjection();
  const events = [b.runStarted([Phase.SNAPSHOTS]), b.phaseStarted(Phase.SNAPSHOTS, 254, "dates")];
  for (let i = 1; i <= 254; i++) {
    events.push(b.phaseProgress(Phase.SNAPSHOTS, i, 254, "dates"));
    if (i === 252) events.push(b.activity("XYZ: no close on 2019-12-30", ActivityLevel.WARNING, "XYZ", "2019-12-30"));
  }
  applyAll(p, events);

  const full = p.getActivityLog({ portfolioId: "p" });
  assert.equal(full.runId, "r");
  assert.equal(full.entries.length, 2 + 254 + 1, "the full log keeps every line");

  const recent = messages(p, { portfolioId: "p" });
  assert.equal(recent.length, RECENT_ACTIVITY_LIMIT);
  // Sampled: 1, 5, 10, ..., 250, 254 (52 lines) + "started" + the warning = 54; the last 50 start at 15.
  const expected: string[] = [];
  for (let n = 15; n <= 250; n += 5) expected.push(`Portfolio Snapshots: ${n}/254 dates`);
  expected.push("XYZ: no close on 2019-12-30", "Portfolio Snapshots: 254/254 dates");
  assert.deepEqual(recent, expected);
});

test("recent activity is the last 50 lines, oldest first", () => {
  const b = new RunEventBuilder("r", [], T0);
  const p = new StatusProjection();
  const events = [b.runStarted([])];
  for (let i = 1; i <= 120; i++) events.push(b.activity(`line ${i}`));
  applyAll(p, events);
  const recent = messages(p, { runId: "r" });
  assert.equal(recent.length, 50);
  assert.equal(recent[0], "line 71");
  assert.equal(recent[49], "line 120");
  assert.equal(p.getActivityLog({ runId: "r" }).entries.length, 121);
});

test("replaying the stream is a no-op and a snapshot plus replay rebuilds the same projection", () => {
  const b = new RunEventBuilder("r", ["p"], T0);
  const events = [
    b.runStarted(THREE),
    b.phaseStarted(Phase.MARKET_DATA, 3, "symbols"),
    b.activity("AAA: symbol unavailable", ActivityLevel.WARNING, "AAA"),
    b.phaseProgress(Phase.MARKET_DATA, 2, 3, "symbols"),
    b.phaseFinished(Phase.MARKET_DATA, true, 1, "2/3 symbols (67% coverage)"),
    b.phaseStarted(Phase.SYMBOL_FACTORS, 3, "symbols"),
  ];
  const p = new StatusProjection();
  applyAll(p, events, 1);
  const once = p.toSnapshot();
  for (let i = 0; i < events.length; i++) assert.deepEqual(p.apply(i + 1, events[i]!), []);
  assert.deepEqual(p.toSnapshot(), once);

  // Restart from a checkpoint taken after 3 events, then replay the whole stream from seq 1.
  const partial = new StatusProjection();
  applyAll(partial, events.slice(0, 3), 1);
  const restored = StatusProjection.fromSnapshot(JSON.parse(JSON.stringify(partial.toSnapshot())));
  applyAll(restored, events, 1);
  assert.deepEqual(restored.toSnapshot(), once);
  assert.deepEqual(restored.getStatus({ runId: "r" }, new Date(T0)), p.getStatus({ runId: "r" }, new Date(T0)));
});

test("the stream-seq guard alone makes replay a no-op (events without run_seq)", () => {
  const b = new RunEventBuilder("r", [], T0);
  const events = [b.runStarted([]), b.activity("a"), b.activity("b")].map((e) => ({ ...e, runSeq: 0n }));
  const p = new StatusProjection();
  applyAll(p, events, 1);
  const once = p.toSnapshot();
  events.forEach((e, i) => assert.deepEqual(p.apply(i + 1, e), []));
  assert.deepEqual(p.toSnapshot(), once);
  assert.equal(p.getActivityLog({ runId: "r" }).entries.length, 3);
  // With no run_seq, a later stream seq is a new event.
  assert.deepEqual(p.apply(4, events[1]!), ["r"]);
  assert.equal(p.getActivityLog({ runId: "r" }).entries.length, 4);
});

test("an event re-published under a new stream seq (same run_seq) is ignored but advances lastSeq", () => {
  const b = new RunEventBuilder("r", [], T0);
  const p = new StatusProjection();
  const progress = b.activity("once");
  applyAll(p, [b.runStarted([]), progress]);
  assert.deepEqual(p.apply(10, progress), []);
  assert.equal(p.lastSeq, 10);
  assert.equal(p.getActivityLog({ runId: "r" }).entries.length, 2);
});

test("a portfolio resolves to its latest run; a universe run is found by run id only", () => {
  const p = new StatusProjection();
  const r1 = new RunEventBuilder("r1", ["p1", "p2"], T0);
  const r2 = new RunEventBuilder("r2", ["p1"], T0 + 60_000);
  const r3 = new RunEventBuilder("r3", [], T0 + 120_000);
  assert.deepEqual(p.apply(1, r1.runStarted(THREE)), ["r1"]);
  assert.deepEqual(p.apply(2, r2.runStarted(THREE)), ["r2"]);
  assert.deepEqual(p.apply(3, r3.runStarted(THREE)), ["r3"]);
  // A late event of the older run must not take the portfolio back.
  assert.deepEqual(p.apply(4, r1.runFinished("completed")), ["r1"]);

  assert.equal(p.resolveRunId({ portfolioId: "p1" }), "r2");
  assert.equal(p.resolveRunId({ portfolioId: "p2" }), "r1");
  assert.equal(p.getStatus({ portfolioId: "p1" }, new Date(T0)).state, RunState.RUNNING);
  assert.equal(p.getStatus({ portfolioId: "p2" }, new Date(T0)).state, RunState.COMPLETED);
  const universe = p.getStatus({ runId: "r3" }, new Date(T0 + 180_000));
  assert.equal(universe.state, RunState.RUNNING);
  assert.equal(universe.portfolioId, "");
  assert.equal(universe.elapsedSeconds, 60);
  assert.equal(p.getStatus({ runId: "r1" }, new Date(T0)).portfolioId, "", "a multi-portfolio run names none");
});

test("unknown targets are NOT_FOUND with an empty log", () => {
  const p = new StatusProjection();
  p.apply(1, new RunEventBuilder("r1", ["p1"], T0).runStarted(THREE));
  const byRun = p.getStatus({ runId: "nope" }, new Date(T0));
  assert.equal(byRun.state, RunState.NOT_FOUND);
  assert.equal(byRun.runId, "nope");
  assert.equal(byRun.lastSeq, 1n);
  const byPortfolio = p.getStatus({ portfolioId: "nope" }, new Date(T0));
  assert.equal(byPortfolio.state, RunState.NOT_FOUND);
  assert.equal(byPortfolio.portfolioId, "nope");
  assert.equal(byPortfolio.phases.length, 0);
  const log = p.getActivityLog({ portfolioId: "nope" });
  assert.equal(log.runId, "");
  assert.equal(log.entries.length, 0);
});

test("invalid stream sequences are rejected", () => {
  const p = new StatusProjection();
  const e = new RunEventBuilder("r", [], T0).runStarted([]);
  assert.throws(() => p.apply(0, e), RangeError);
  assert.throws(() => p.apply(1.5, e), RangeError);
  assert.throws(() => StatusProjection.fromSnapshot({ ...p.toSnapshot(), version: 99 }), /version 99/);
});

test("events after a run's final event (a coordinator that lost the lease) do not reopen it", () => {
  const projection = new StatusProjection();
  const b = new RunEventBuilder("run-late", [], Date.UTC(2020, 0, 23));
  projection.apply(1, b.runStarted([Phase.MARKET_DATA], "cron", 1));
  projection.apply(2, b.runFinished("failed", "lease taken over by run X"));
  assert.deepEqual(projection.apply(3, b.phaseProgress(Phase.MARKET_DATA, 5, 10, "symbols")), []);
  assert.deepEqual(projection.apply(4, b.runFinished("completed")), []);
  const view = projection.getStatus({ runId: "run-late" }, new Date());
  assert.equal(view.state, RunState.FAILED);
  assert.equal(view.errorSummary, "lease taken over by run X");
  assert.equal(projection.lastSeq, 4, "ignored events still advance the stream position");
});

test("run_started records the run's owner and portfolios; a universe run has none", () => {
  const p = new StatusProjection();
  const owned = new RunEventBuilder("r1", ["p1"], T0);
  p.apply(1, owned.runStarted(THREE, "onboarding", 0, "alice"));
  p.apply(2, owned.phaseStarted(Phase.MARKET_DATA, 3, "symbols"));
  p.apply(3, new RunEventBuilder("r2", [], T0).runStarted(THREE, "cron"));
  assert.deepEqual(p.runScope("r1"), { owner: "alice", portfolioIds: ["p1"] });
  assert.deepEqual(p.runScope("r2"), { owner: "", portfolioIds: [] });
  assert.equal(p.runScope("nope"), undefined);
  // The owner survives a snapshot round trip (version 3).
  const restored = StatusProjection.fromSnapshot(JSON.parse(JSON.stringify(p.toSnapshot())));
  assert.equal(restored.toSnapshot().version, 3);
  assert.deepEqual(restored.runScope("r1"), { owner: "alice", portfolioIds: ["p1"] });
});

test("events published before owners existed leave a portfolio run ownerless (admin only)", () => {
  const p = new StatusProjection();
  const b = new RunEventBuilder("r1", ["p1"], T0);
  // run_started without field 8, as an older coordinator published it.
  p.apply(1, b.runStarted(THREE));
  p.apply(2, b.activity("x"));
  assert.deepEqual(p.runScope("r1"), { owner: "", portfolioIds: ["p1"] });
});

test("a version-2 snapshot (no owners) is read with every run ownerless, and replay continues", () => {
  const b = new RunEventBuilder("r1", ["p1"], T0);
  const p = new StatusProjection();
  p.apply(1, b.runStarted(THREE, "onboarding", 0, "alice"));
  const v3 = JSON.parse(JSON.stringify(p.toSnapshot()));
  // What version 2 wrote: the same records without `owner`.
  const v2 = { ...v3, version: 2, runs: v3.runs.map(({ owner: _owner, ...run }: Record<string, unknown>) => run) };
  const restored = StatusProjection.fromSnapshot(v2);
  assert.deepEqual(restored.runScope("r1"), { owner: "", portfolioIds: ["p1"] });
  assert.deepEqual(restored.apply(2, b.activity("after restart")), ["r1"]);
  assert.equal(restored.toSnapshot().version, 3);
  assert.equal(restored.toSnapshot().runs[0]!.owner, "");
  assert.throws(() => StatusProjection.fromSnapshot({ ...v3, version: 1 }), /version 1/);
});

test("a portfolio run with every phase lists all ten with their user-facing names (SPEC §5), stress tests last", () => {
  const b = new RunEventBuilder("r-all", ["p-all"], T0);
  const p = new StatusProjection();
  // The coordinator's pipeline order: 2.5 runs after the chunked 3–6, stress last.
  const pipeline = [
    Phase.MARKET_DATA,
    Phase.SYMBOL_FACTORS,
    Phase.SYMBOL_METRICS,
    Phase.SNAPSHOTS,
    Phase.POSITION_BETAS,
    Phase.FACTOR_EXPOSURES,
    Phase.VOLATILITY,
    Phase.CORRELATIONS,
    Phase.POSITION_VALUES,
    Phase.STRESS_TESTS,
  ];
  applyAll(p, [b.runStarted(pipeline)]);
  const v = p.getStatus({ runId: "r-all" }, new Date(T0));
  assert.equal(v.phasesTotal, 10);
  assert.deepEqual(
    v.phases.map((ph) => [ph.label, ph.name]),
    [
      ["1", "Market Data Collection"],
      ["1.5", "Factor Analysis"],
      ["1.75", "Symbol Metrics"],
      ["2", "Portfolio Snapshots"],
      ["2.5", "Position Values"],
      ["3", "Position Betas"],
      ["4", "Factor Exposures"],
      ["5", "Volatility Analysis"],
      ["6", "Correlations"],
      ["stress", "Stress Tests"],
    ],
  );
});
