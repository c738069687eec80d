import assert from "node:assert/strict";
import { test } from "node:test";
import { toJson } from "@bufbuild/protobuf";
import { ActivityLevel, Phase, PhaseState, RunStatus, StatusViewSchema } from "@sigma/contracts";
import { RunEventBuilder } from "../domain/event-builder.js";
import { StatusProjection } from "../domain/projection.js";
import { formatDuration } from "./client/format.js";
import { parseSse } from "./client/sse.js";
import { aggregateWarnings, type StatusJson, viewModel } from "./client/view-model.js";
import { renderStatusPage } from "./page.js";

const T0 = Date.UTC(2020, 0, 23, 23, 30, 0);

/** The StatusView JSON the page receives, produced by the real projection. */
function statusJson(build: (b: RunEventBuilder) => ReturnType<RunEventBuilder["runStarted"]>[], nowMs: number): StatusJson {
  const p = new StatusProjection();
  build(new RunEventBuilder("r1", ["p1"], T0)).forEach((e, i) => p.apply(i + 1, e));
  return toJson(StatusViewSchema, p.getStatus({ portfolioId: "p1" }, new Date(nowMs)), { alwaysEmitImplicit: true }) as StatusJson;
}

const PHASES3 = [Phase.MARKET_DATA, Phase.SYMBOL_FACTORS, Phase.SNAPSHOTS];

test("the page is one document with its config inline and its script from this server", () => {
  const html = renderStatusPage({ retryEnabled: true, scriptUrl: "/assets/status-page.js?v=abc" });
  assert.match(html, /^<!doctype html>/);
  assert.doesNotMatch(html, /\s(src|href)=["']?(https?:)?\/\//i, "no external assets");
  assert.doesNotMatch(html, /<link\b/i);
  assert.match(html, /<script id="sigma-config" type="application\/json">\{"retry":true\}<\/script>/);
  assert.match(html, /<script src="\/assets\/status-page\.js\?v=abc"><\/script>/);
  assert.match(renderStatusPage({ retryEnabled: false, scriptUrl: "/x.js" }), /\{"retry":false\}/);
  for (const id of ["phases", "log", "slow", "retry", "download", "screen-completed", "screen-failed"]) {
    assert.ok(html.includes(`id="${id}"`), id);
  }
});

test("durations format as s, m ss, h mm", () => {
  assert.equal(formatDuration(0), "0s");
  assert.equal(formatDuration(45.9), "45s");
  assert.equal(formatDuration(187), "3m 07s");
  assert.equal(formatDuration(3720), "1h 02m");
  assert.equal(formatDuration(-1), "");
  assert.equal(formatDuration(undefined), "");
});

test("a running view has icons, live durations, the current phase bar and the last 10 lines", () => {
  const json = statusJson((b) => {
    const events = [
      b.runStarted(PHASES3),
      b.phaseStarted(Phase.MARKET_DATA, 4, "symbols"),
      b.phaseFinished(Phase.MARKET_DATA, true, 65, "4/4 symbols (100% coverage)"),
      b.phaseStarted(Phase.SYMBOL_FACTORS, 20, "symbols"),
      b.phaseProgress(Phase.SYMBOL_FACTORS, 5, 20, "symbols"),
    ];
    for (let i = 1; i <= 12; i++) events.push(b.activity(`line ${i}`, i === 12 ? ActivityLevel.WARNING : ActivityLevel.INFO));
    return events;
  }, T0 + 30_000);
  const vm1 = viewModel(json, 10);
  assert.equal(vm1.screen, "running");
  assert.deepEqual(
    vm1.phases.map((p: { icon: string; kind: string }) => [p.kind, p.icon]),
    [
      ["done", "\u2713"],
      ["running", ""],
      ["pending", "\u25CB"],
    ],
  );
  assert.equal(vm1.phases[0]!.duration, "1m 05s");
  // Factor Analysis started at T0+3s; the view was built at T0+30s and is 10s old: 37s.
  assert.equal(vm1.phases[1]!.duration, "37s");
  assert.equal(vm1.current!.fraction, 0.25);
  assert.equal(vm1.elapsed, "40s");
  assert.equal(vm1.slow, false);
  assert.equal(vm1.percent, Math.round(((1 + 0.25) / 3) * 100));
  assert.equal(vm1.log.length, 10);
  assert.equal(vm1.log[9]!.text, "line 12");
  assert.equal(vm1.log[9]!.level, "warn");
  assert.equal(viewModel(json, 20 * 60).slow, true, "taking longer than usual after 20 minutes");
});

test("completed and failed views carry the summary, warnings and what completed", () => {
  const done = viewModel(
    statusJson(
      (b) => [
        b.runStarted([Phase.MARKET_DATA]),
        b.phaseStarted(Phase.MARKET_DATA, 20, "symbols"),
        b.activity("HZNP: symbol unavailable (delisted)", ActivityLevel.WARNING, "HZNP"),
        b.phaseFinished(Phase.MARKET_DATA, true, 3, "19/20 symbols (95% coverage)"),
        b.runFinished("completed_with_warnings"),
      ],
      T0 + 999_000,
    ),
    500,
  );
  assert.equal(done.screen, "completed");
  assert.equal(done.elapsed, "4s", "a finished run does not keep ticking");
  assert.deepEqual(done.warnings, ["HZNP: symbol unavailable (delisted)"]);
  assert.equal(done.phases[0]!.summary, "19/20 symbols (95% coverage)");

  const failed = viewModel(
    statusJson(
      (b) => [
        b.runStarted(PHASES3),
        b.phaseStarted(Phase.MARKET_DATA, 20, "symbols"),
        b.phaseFinished(Phase.MARKET_DATA, true, 3, "20/20 symbols"),
        b.phaseStarted(Phase.SYMBOL_FACTORS, 20, "symbols"),
        b.runFinished("failed", "provider unavailable"),
      ],
      T0,
    ),
    0,
  );
  assert.equal(failed.screen, "failed");
  assert.equal(failed.errorSummary, "provider unavailable");
  assert.deepEqual(
    failed.completed.map((p: { name: string }) => p.name),
    ["Market Data Collection"],
  );
  assert.equal(failed.phases[1]!.icon, "\u2717");
  assert.equal(failed.stateLabel, "Failed");
  assert.equal(viewModel({ state: "RUN_STATE_NOT_FOUND" }, 0).screen, "notfound");
});

test("the SSE parser returns complete events and keeps the partial rest", () => {
  const parsed = parseSse('retry: 3000\n\n: keep-alive\n\nid: 7\nevent: status\ndata: {"a":\ndata: 1}\n\nid: 8\nda');
  assert.equal(parsed.events.length, 1);
  assert.deepEqual({ ...parsed.events[0] }, { id: "7", event: "status", data: '{"a":\n1}' });
  assert.equal(parsed.rest, "id: 8\nda");
});

test("cancelled and incomplete phases are drawn as such; states read in one spelling", () => {
  const vm = viewModel(
    statusJson(
      (b) => [
        b.runStarted(PHASES3),
        b.phaseStarted(Phase.MARKET_DATA, 2, "symbols"),
        b.phaseFinished(Phase.MARKET_DATA, PhaseState.COMPLETED, 1, "2/2 symbols"),
        b.phaseStarted(Phase.SYMBOL_FACTORS, 2, "symbols"),
        b.phaseFinished(Phase.SYMBOL_FACTORS, PhaseState.INCOMPLETE, 1, "1/2 dates committed"),
        b.phaseStarted(Phase.SNAPSHOTS, 2, "dates"),
        b.runFinished(RunStatus.CANCELLED, "cancelled by ops"),
      ],
      T0,
    ),
    0,
  );
  assert.equal(vm.screen, "failed");
  assert.equal(vm.cancelled, true);
  assert.equal(vm.stateLabel, "Cancelled");
  assert.deepEqual(
    vm.phases.map((p) => [p.kind, p.stateLabel]),
    [
      ["done", "completed"],
      ["incomplete", "incomplete"],
      ["cancelled", "cancelled"],
    ],
  );
  assert.equal(viewModel({ runStatus: "RUN_STATUS_COMPLETED_WITH_WARNINGS" }, 0).stateLabel, "Completed with warnings");
  // An older server without run_status / phase_state: the deprecated fields still work.
  const legacy = viewModel({ state: "RUN_STATE_COMPLETED_WITH_WARNINGS", phases: [{ state: "PHASE_STATE_FAILED" }] }, 0);
  assert.equal(legacy.stateLabel, "Completed with warnings");
  assert.equal(legacy.phases[0]!.kind, "failed");
});

test("warnings repeated per chunk are listed once per symbol and kind, with their count", () => {
  const w = (message: string, symbol: string) => ({ level: "ACTIVITY_LEVEL_WARNING", message, symbol });
  assert.deepEqual(
    aggregateWarnings([
      w("GWR: no close on 1 of 21 dates", "GWR"),
      { level: "ACTIVITY_LEVEL_INFO", message: "Factor Analysis started" },
      w("GWR: no close on 2 of 21 dates", "GWR"),
      w("HZNP: symbol unavailable (delisted)", "HZNP"),
      w("GWR: no close on 1 of 20 dates", "GWR"),
    ]),
    ["GWR: no close on 1 of 21 dates (\u00D73)", "HZNP: symbol unavailable (delisted)"],
  );
});
