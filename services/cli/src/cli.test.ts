// `sigma` against fake services at its edge (real gRPC over loopback, canned answers): exit codes,
// messages that name what the user typed, one spelling of states, status watch output.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import {
  ActivityEntrySchema,
  ActivityLevel,
  Factor,
  FactorBetaSchema,
  LegacyPhaseState,
  PhaseState,
  RunState,
  RunStatus,
  SymbolFactorsSchema,
  SymbolMetricsSchema,
} from "@sigma/contracts";
import type { RunningServer } from "@sigma/runtime";
import { runSigma } from "./cli.js";
import { capture, FakeState, fakeEnv, fakeRun, fakeView, startFakeServices } from "./testing/fake-services.js";

const RUN = "6003d1be-a1d3-49f6-b228-0f2c3a95b660";
let state: FakeState;
let server: RunningServer;

beforeEach(async () => {
  state = new FakeState();
  server = await startFakeServices(state);
});
afterEach(async () => {
  await server.close();
});

async function sigma(args: string[], opts: { tty?: boolean; env?: Record<string, string> } = {}) {
  const c = capture(fakeEnv(server.url, opts.env), opts);
  const code = await runSigma(args, c.io);
  return { code, stdout: c.stdout(), stderr: c.stderr() };
}

describe("status", () => {
  test("an unknown run id says not found and exits 1", async () => {
    const r = await sigma(["status", "00000000-0000-4000-8000-000000000099"]);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /^sigma: run 00000000-0000-4000-8000-000000000099 not found\n$/);
    assert.equal(r.stdout, "");
  });

  test("a portfolio without runs says so and exits 1; a run id and --portfolio together is a usage error", async () => {
    const r = await sigma(["status", "--portfolio", "p1"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no run found for portfolio p1/);
    assert.equal((await sigma(["status", RUN, "--portfolio", "p1"])).code, 2);
  });

  test("a malformed run id is a usage error (exit 2) before any call", async () => {
    const r = await sigma(["status", "nope"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not a run id: "nope"/);
  });

  test("--watch on an unknown run ends with not found instead of waiting forever", { timeout: 20_000 }, async () => {
    const r = await sigma(["status", "--watch", "00000000-0000-4000-8000-000000000099"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /run 00000000-0000-4000-8000-000000000099 not found/);
  });

  test("--watch ends after the final view even when the server keeps the stream open", { timeout: 20_000 }, async () => {
    state.runs.set(RUN, fakeRun(RUN, RunStatus.COMPLETED));
    state.views.set(RUN, [fakeView(RUN, RunStatus.RUNNING, { phase: PhaseState.RUNNING }), fakeView(RUN, RunStatus.COMPLETED)]);
    state.endWatch = false;
    const r = await sigma(["status", "--watch", RUN]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /completed/);
  });

  test("--watch piped prints the block once, then only what changed", { timeout: 20_000 }, async () => {
    const activity = (seq: bigint, message: string, symbol = "") =>
      create(ActivityEntrySchema, { seq, message, symbol, level: ActivityLevel.INFO });
    const running = (n: number) =>
      fakeView(RUN, RunStatus.RUNNING, {
        phase: PhaseState.RUNNING,
        elapsedSeconds: n,
        recentActivity: [activity(1n, "Plan: universe"), ...(n > 1 ? [activity(2n, "GGIPX: symbol unavailable", "GGIPX")] : [])],
      });
    const done = fakeView(RUN, RunStatus.COMPLETED_WITH_WARNINGS, {
      recentActivity: [
        activity(1n, "Plan: universe"),
        activity(2n, "GGIPX: symbol unavailable", "GGIPX"),
        activity(3n, "Run completed with warnings"),
      ],
    });
    // Three progress-only updates: a full reprint each would repeat the header and phase lines.
    state.views.set(RUN, [running(1), running(2), running(3), running(4), done]);
    const r = await sigma(["status", "--watch", RUN]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split("\n");
    assert.deepEqual(
      lines.map((l) => l.trim().replace(/\s+/g, " ")),
      [
        `run ${RUN}: running 40% elapsed 1.0s`,
        "▶ Market Data Collection running 13/13 symbols",
        "Plan: universe",
        "GGIPX: symbol unavailable",
        "✓ Market Data Collection completed 12/13 symbols (92% coverage)",
        "Run completed with warnings",
        `run ${RUN}: completed_with_warnings 100% elapsed 0.0s`,
      ],
      r.stdout,
    );
  });

  test("--watch on a terminal redraws the block in place", { timeout: 20_000 }, async () => {
    state.views.set(RUN, [fakeView(RUN, RunStatus.RUNNING, { phase: PhaseState.RUNNING }), fakeView(RUN, RunStatus.COMPLETED)]);
    const r = await sigma(["status", "--watch", RUN], { tty: true });
    assert.equal(r.code, 0, r.stderr);
    // Two blocks of two lines: the second starts by moving up two lines and clearing below.
    assert.equal(r.stdout.split("\x1b[2F\x1b[J").length, 2, JSON.stringify(r.stdout));
  });

  test("--watch --json prints one JSON document per line", { timeout: 20_000 }, async () => {
    state.views.set(RUN, [fakeView(RUN, RunStatus.RUNNING, { phase: PhaseState.RUNNING }), fakeView(RUN, RunStatus.COMPLETED)]);
    const r = await sigma(["status", "--watch", "--json", RUN]);
    assert.equal(r.code, 0, r.stderr);
    const docs = r.stdout
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as { state: string; phases: { state: string }[] });
    assert.deepEqual(
      docs.map((d) => [d.state, d.phases[0]!.state]),
      [
        ["running", "running"],
        ["completed", "completed"],
      ],
    );
  });

  test("a finished phase shows its summary, not its progress counts as well", async () => {
    state.views.set(RUN, [fakeView(RUN, RunStatus.COMPLETED, { summary: "33/35 symbols (94% coverage)" })]);
    const r = await sigma(["status", RUN]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /33\/35 symbols \(94% coverage\)/);
    assert.doesNotMatch(r.stdout, /13\/13 symbols/);
  });

  test("a failed run exits 1 after printing its status", async () => {
    state.views.set(RUN, [fakeView(RUN, RunStatus.FAILED, { errorSummary: "coordinator lost" })]);
    const r = await sigma(["status", RUN]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /failed/);
    assert.match(r.stderr, /run .* failed: coordinator lost/);
  });
});

describe("one spelling of states", () => {
  test("text and --json say completed_with_warnings, from run_status or the deprecated field", async () => {
    state.runs.set(RUN, fakeRun(RUN, RunStatus.COMPLETED_WITH_WARNINGS));
    // An older coordinator: only the deprecated status and the free-text phase state.
    const legacy = fakeRun("00000000-0000-4000-8000-000000000002", RunStatus.UNSPECIFIED, {
      status: 4,
      phases: [{ $typeName: "sigma.coordinator.v1.PhaseRun", phase: 1, state: "failed", phaseState: 0, durationSeconds: 1, summary: "" }],
    });
    state.runs.set(legacy.id, legacy);
    const text = await sigma(["runs"]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`${RUN}\\s+completed_with_warnings\\s`));
    assert.match(text.stdout, /000000000002\s+failed\s/);
    const json = await sigma(["runs", "--json"]);
    const runs = JSON.parse(json.stdout) as {
      id: string;
      status: string;
      phases: { state: string; phase: string }[];
      runStatus?: unknown;
    }[];
    assert.deepEqual(
      runs.map((r) => r.status),
      ["completed_with_warnings", "failed"],
    );
    assert.deepEqual(runs[1]!.phases, [
      { phase: "market_data", state: "failed", durationSeconds: 1, summary: "" },
    ] as unknown as (typeof runs)[1]["phases"]);
    assert.equal(runs[0]!.runStatus, undefined, "one status key, not two");
  });

  test("a status view from an older status service (deprecated enums only) reads the same", async () => {
    const view = fakeView(RUN, RunStatus.UNSPECIFIED, { state: RunState.COMPLETED_WITH_WARNINGS, percent: 100 });
    view.phases[0]!.phaseState = PhaseState.UNSPECIFIED;
    view.phases[0]!.state = LegacyPhaseState.COMPLETED;
    state.views.set(RUN, [view]);
    const json = JSON.parse((await sigma(["status", "--json", RUN])).stdout) as { state: string; phases: { state: string }[] };
    assert.deepEqual([json.state, json.phases[0]!.state], ["completed_with_warnings", "completed"]);
    const text = await sigma(["status", RUN]);
    assert.match(text.stdout, /: completed_with_warnings +100%/);
    assert.match(text.stdout, /✓ Market Data Collection +completed/);
  });

  test("status --json uses the same words as the text", async () => {
    state.views.set(RUN, [fakeView(RUN, RunStatus.COMPLETED_WITH_WARNINGS)]);
    const json = JSON.parse((await sigma(["status", "--json", RUN])).stdout) as {
      state: string;
      phases: { state: string; phase: string }[];
    };
    assert.equal(json.state, "completed_with_warnings");
    assert.deepEqual([json.phases[0]!.phase, json.phases[0]!.state], ["market_data", "completed"]);
    const text = await sigma(["status", RUN]);
    assert.match(text.stdout, /: completed_with_warnings /);
  });
});

describe("runs", () => {
  test("prints a header row", async () => {
    state.runs.set(RUN, fakeRun(RUN, RunStatus.COMPLETED));
    const r = await sigma(["runs"]);
    assert.match(r.stdout.split("\n")[0]!, /^RUN\s+STATUS\s+SOURCE\s+SCOPE\s+DATES\s+STARTED$/);
  });

  test("--limit abc is a usage error naming --limit, and nothing is sent", async () => {
    const r = await sigma(["runs", "--limit", "abc"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^sigma: --limit: not a whole number ≥ 0: "abc"\n$/);
    assert.doesNotMatch(r.stderr, /serialize|NaN/);
    assert.equal(state.listRunsRequests.length, 0);
  });
});

describe("run", () => {
  test("SIGMA_AS_OF pins the run, so its target follows the as-of", async () => {
    const r = await sigma(["run", "--force", "--from", "2020-01-21", "--to", "2020-01-23", "--detach"], {
      env: { SIGMA_AS_OF: "2020-01-23" },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(state.runBatchRequests[0]?.asOf, "2020-01-23");
    assert.match(r.stdout, /\(as of 2020-01-23, target 2020-01-23\)/);
    assert.doesNotMatch(r.stdout, /2026-11-30/);
  });

  test("a server INVALID_ARGUMENT names the flag, not the request field", async () => {
    state.rejectStartDate = "2001-01-02";
    const r = await sigma(["run", "--force", "--from", "2001-01-02", "--to", "2001-01-03", "--detach"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--from: 2001-01-02 is before the first stored price/);
    assert.doesNotMatch(r.stderr, /start_date/);
  });

  test("bad dates and ranges are usage errors naming the flag", async () => {
    for (const [args, message] of [
      [["--force", "--from", "2020-1-2", "--to", "2020-01-23"], /--from: not a YYYY-MM-DD date: "2020-1-2"/],
      [["--force", "--from", "2020-01-23", "--to", "2020-01-02"], /--from 2020-01-23 is after --to 2020-01-02/],
      [["--from", "2020-01-02"], /add --force/],
      [["--as-of", "yesterday"], /--as-of: not a YYYY-MM-DD date/],
    ] as const) {
      const r = await sigma(["run", ...args]);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.stderr, message);
    }
    assert.equal(state.runBatchRequests.length, 0);
  });

  test("a finished run record prints problems once, with their symbol once", async () => {
    const problems = [
      { symbol: "GWR", reason: 6, message: "no close on 2 of 21 dates", date: "" },
      { symbol: "GWR", reason: 6, message: "no close on 2 of 21 dates", date: "" },
      { symbol: "GGIPX", reason: 1, message: "GGIPX: symbol unavailable", date: "" },
    ].map((p) => ({ $typeName: "sigma.common.v1.SymbolProblem" as const, ...p }));
    state.runs.set(RUN, fakeRun(RUN, RunStatus.CANCELLED, { problems }));
    const r = await sigma(["cancel", RUN]);
    assert.match(r.stdout, /^ {2}! GWR: no close on 2 of 21 dates \[no_close\] ×2$/m);
    assert.match(r.stdout, /^ {2}! GGIPX: symbol unavailable \[symbol_unavailable\]$/m);
  });
});

describe("usage", () => {
  test("a missing required option is a usage error (exit 2)", async () => {
    const r = await sigma(["prices", "SPY", "--to", "2020-01-23"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /required option '--from <date>' not specified/);
  });

  test("symbols list prints a header row", async () => {
    state.addSymbols({ symbol: "SPY", firstDate: "2020-01-02", lastDate: "2020-01-23" });
    const r = await sigma(["symbols", "list"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.split("\n")[0]!, /^SYMBOL +KIND +ROWS +DATES$/);
    assert.match(r.stdout, /^SPY +1 rows {2}2020-01-02\.\.2020-01-23$/m);
  });
});

describe("configuration errors", () => {
  test("a malformed SIGMA_URL is named (exit 2)", async () => {
    const r = await sigma(["runs"], { env: { SIGMA_URL: "localhost:50051" } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /SIGMA_URL=localhost:50051: unsupported peer URL .*use http:\/\/host:port/);
  });

  test("an unreachable service names its variable (exit 2)", async () => {
    const closed = await startFakeServices(new FakeState());
    await closed.close();
    const r = await sigma(["status", RUN], { env: { SIGMA_STATUS_URL: closed.url } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`cannot reach the status service at ${closed.url} \\(SIGMA_STATUS_URL\\)`));
  });
});

describe("prices, metrics, factors", () => {
  beforeEach(() => {
    state.addSymbols(
      { symbol: "SPY", firstDate: "2020-01-02", lastDate: "2020-01-23" },
      { symbol: "GWR", firstDate: "2020-01-02", lastDate: "2020-01-23" },
    );
    state.closes.set(
      "SPY",
      new Map([
        ["2020-01-22", 331.34],
        ["2020-01-23", 331.72],
      ]),
    );
    state.closes.set("GWR", new Map([["2020-01-22", 109.1]]));
  });

  test("prices of an unknown symbol: says so, exit 1 (not rows of -)", async () => {
    const r = await sigma(["prices", "ZZZZ", "--from", "2020-01-21", "--to", "2020-01-23"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unknown symbol ZZZZ: not in the universe/);
    assert.equal(r.stdout, "");
  });

  test("prices --from after --to and a bad --to are usage errors", async () => {
    assert.equal((await sigma(["prices", "SPY", "--from", "2020-01-23", "--to", "2020-01-21"])).code, 2);
    const r = await sigma(["prices", "SPY", "--from", "2020-01-21", "--to", "2020-02-30"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--to: not a YYYY-MM-DD date: "2020-02-30"/);
  });

  test("metrics and factors of an unknown symbol exit 1 naming it", async () => {
    for (const cmd of ["metrics", "factors"]) {
      const r = await sigma([cmd, "--symbols", "SPY,ZZZZ", "--date", "2020-01-23"]);
      assert.equal(r.code, 1, cmd);
      assert.match(r.stderr, /unknown symbol ZZZZ/);
    }
    assert.equal(state.factorRequests.length, 0);
  });

  test("metrics tell 'too little history' (a row with nulls) from 'no close' and 'not computed' (no row)", async () => {
    state.addSymbols({ symbol: "AAPL", firstDate: "2020-01-02", lastDate: "2020-01-23" });
    state.closes.set("AAPL", new Map([["2020-01-23", 318.3]]));
    state.metrics.push(create(SymbolMetricsSchema, { symbol: "SPY", date: "2020-01-23", return1d: 0.001 }));
    const r = await sigma(["metrics", "--symbols", "SPY,GWR,AAPL", "--date", "2020-01-23"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ {2}return_1d +0\.001000$/m);
    assert.match(r.stdout, /^ {2}return_252d +- {2}too little history$/m);
    assert.match(r.stdout, /^GWR 2020-01-23 {2}no close on this date: nothing to compute$/m);
    assert.match(r.stdout, /^AAPL 2020-01-23 {2}not computed for this date/m);
    const json = await sigma(["metrics", "--json", "--symbols", "SPY,GWR", "--date", "2020-01-23"]);
    const data = JSON.parse(json.stdout) as Record<string, Record<string, number | null>>;
    assert.equal(data.SPY?.return_1d, 0.001);
    assert.equal(data.GWR?.return_1d, null);
    assert.match(json.stderr, /GWR 2020-01-23: no close on this date/);
  });

  test("factors: a stored row prints its betas; a date that is not a trading day is a usage error", async () => {
    state.factors.push(
      create(SymbolFactorsSchema, {
        symbol: "SPY",
        date: "2020-01-23",
        betas: [create(FactorBetaSchema, { factor: Factor.MARKET, beta: 1, r2: 1, nObs: 60, quality: 1 })],
      }),
    );
    const r = await sigma(["factors", "--symbols", "SPY", "--date", "2020-01-23"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /1\.0000 {2}r² 1\.000 {2}n=60 FULL/);
    const weekend = await sigma(["factors", "--symbols", "SPY", "--date", "2020-01-25"]);
    assert.equal(weekend.code, 2);
    assert.match(weekend.stderr, /--date 2020-01-25 is not a trading day/);
  });
});
