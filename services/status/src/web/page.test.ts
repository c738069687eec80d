import assert from "node:assert/strict";
import { test } from "node:test";
import vm from "node:vm";
import { toJson } from "@bufbuild/protobuf";
import { ActivityLevel, Phase, StatusViewSchema } from "@sigma/contracts";
import { RunEventBuilder } from "../domain/event-builder.js";
import { StatusProjection } from "../domain/projection.js";
import { CLIENT_SCRIPT } from "./client-script.js";
import { renderStatusPage } from "./page.js";

const T0 = Date.UTC(2020, 0, 23, 23, 30, 0);

interface ClientApi {
  formatDuration(seconds: unknown): string;
  viewModel(status: unknown, sinceSeconds: number): any;
  parseSse(buffer: string): { events: Array<{ id: string | null; event: string; data: string }>; rest: string };
}

/** Runs the browser script without a DOM: only its pure helpers are defined. */
function loadClient(): ClientApi {
  const context = vm.createContext({});
  new vm.Script(CLIENT_SCRIPT, { filename: "client-script.js" }).runInContext(context);
  return context as unknown as ClientApi;
}

/** The StatusView JSON the page receives, produced by the real projection. */
function statusJson(build: (b: RunEventBuilder) => ReturnType<RunEventBuilder["runStarted"]>[], nowMs: number): unknown {
  const p = new StatusProjection();
  build(new RunEventBuilder("r1", ["p1"], T0)).forEach((e, i) => p.apply(i + 1, e));
  return toJson(StatusViewSchema, p.getStatus({ portfolioId: "p1" }, new Date(nowMs)), { alwaysEmitImplicit: true });
}

const PHASES3 = [Phase.MARKET_DATA, Phase.SYMBOL_FACTORS, Phase.SNAPSHOTS];

test("the page is one self-contained document with its config and script inline", () => {
  const html = renderStatusPage({ retryEnabled: true });
  assert.match(html, /^<!doctype html>/);
  assert.doesNotMatch(html, /\s(src|href)=["']?(https?:)?\/\//i, "no external assets");
  assert.doesNotMatch(html, /<link\b/i);
  assert.match(html, /<script id="sigma-config" type="application\/json">\{"retry":true\}<\/script>/);
  assert.match(renderStatusPage({ retryEnabled: false }), /\{"retry":false\}/);
  assert.equal(CLIENT_SCRIPT.includes("</script"), false);
  for (const id of ["phases", "log", "slow", "retry", "download", "screen-completed", "screen-failed"]) {
    assert.ok(html.includes(`id="${id}"`), id);
  }
});

test("durations format as s, m ss, h mm", () => {
  const c = loadClient();
  assert.equal(c.formatDuration(0), "0s");
  assert.equal(c.formatDuration(45.9), "45s");
  assert.equal(c.formatDuration(187), "3m 07s");
  assert.equal(c.formatDuration(3720), "1h 02m");
  assert.equal(c.formatDuration(-1), "");
  assert.equal(c.formatDuration(undefined), "");
});

test("a running view has icons, live durations, the current phase bar and the last 10 lines", () => {
  const c = loadClient();
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
  const vm1 = c.viewModel(json, 10);
  assert.equal(vm1.screen, "running");
  assert.deepEqual(
    vm1.phases.map((p: { icon: string; kind: string }) => [p.kind, p.icon]),
    [
      ["done", "\u2713"],
      ["running", ""],
      ["pending", "\u25CB"],
    ],
  );
  assert.equal(vm1.phases[0].duration, "1m 05s");
  // Factor Analysis started at T0+3s; the view was built at T0+30s and is 10s old: 37s.
  assert.equal(vm1.phases[1].duration, "37s");
  assert.equal(vm1.current.fraction, 0.25);
  assert.equal(vm1.elapsed, "40s");
  assert.equal(vm1.slow, false);
  assert.equal(vm1.percent, Math.round(((1 + 0.25) / 3) * 100));
  assert.equal(vm1.log.length, 10);
  assert.equal(vm1.log[9].text, "line 12");
  assert.equal(vm1.log[9].level, "warn");
  assert.equal(c.viewModel(json, 20 * 60).slow, true, "taking longer than usual after 20 minutes");
});

test("completed and failed views carry the summary, warnings and what completed", () => {
  const c = loadClient();
  const done = c.viewModel(
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
  assert.equal(done.phases[0].summary, "19/20 symbols (95% coverage)");

  const failed = c.viewModel(
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
  assert.equal(failed.phases[1].icon, "\u2717");
  assert.equal(c.viewModel({ state: "RUN_STATE_NOT_FOUND" }, 0).screen, "notfound");
});

test("the SSE parser returns complete events and keeps the partial rest", () => {
  const c = loadClient();
  const parsed = c.parseSse('retry: 3000\n\n: keep-alive\n\nid: 7\nevent: status\ndata: {"a":\ndata: 1}\n\nid: 8\nda');
  assert.equal(parsed.events.length, 1);
  assert.deepEqual({ ...parsed.events[0] }, { id: "7", event: "status", data: '{"a":\n1}' });
  assert.equal(parsed.rest, "id: 8\nda");
});
