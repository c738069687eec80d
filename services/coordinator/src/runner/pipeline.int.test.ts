import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { createClock, tradingDays } from "@sigma/calendar";
import { Phase, phaseInfo, RunSource, SkipReason } from "@sigma/contracts";
import { createMemoryBus } from "@sigma/events";
import { createLogger } from "@sigma/runtime";
import { PIPELINE } from "../phases/index.js";
import { type ItemSettings, type PhaseStep, retryOnCodes } from "../phases/step.js";
import { fakeServices, testStore } from "../testing/fakes.js";
import { Coordinator } from "./coordinator.js";
import { groupSteps } from "./run-executor.js";

const logger = createLogger("pipeline-test", { level: "silent" });
let store: Awaited<ReturnType<typeof testStore>>;

before(async () => {
  store = await testStore();
});
after(async () => {
  await store.drop();
});

function coordinator(services: ReturnType<typeof fakeServices>, pipeline?: readonly PhaseStep[], items?: ItemSettings) {
  return new Coordinator({
    store: store.repo,
    services,
    publisher: createMemoryBus(),
    clock: createClock({ asOf: "2020-01-23" }),
    now: () => new Date(),
    logger,
    pipeline,
    settings: {
      holderId: `t-${randomBytes(3).toString("hex")}`,
      leaseTtlMs: 60_000,
      heartbeatMs: 50,
      chunkSize: 5,
      syncBatchSize: 10,
      rpcTimeoutMs: 5000,
      items,
    },
  });
}

const runInput = {
  portfolioId: "",
  source: RunSource.ADMIN,
  forceRerun: true,
  startDate: "2020-01-02",
  endDate: "2020-01-23",
  dryRun: false,
  asOf: "",
  caller: { sub: "ops", admin: true },
};

async function runToEnd(c: Coordinator) {
  const out = await c.runBatch(runInput);
  await c.waitFor(out.runId);
  return (await store.repo.get(out.runId))!;
}

/** Factor stand-in: dates before `firstRowDate` have too little history (0 rows, counted skips). */
const historyStartsAt = (firstRowDate: string) =>
  fakeServices({
    async analytics(_phase, req) {
      const dates = tradingDays(req.startDate, req.endDate);
      const short = dates.filter((d) => d < firstRowDate).length;
      return {
        counters: {
          inputs: BigInt(req.symbols.length),
          outputs: BigInt(req.symbols.length * (dates.length - short)),
          skipped: short ? [{ reason: SkipReason.INSUFFICIENT_HISTORY, count: BigInt(req.symbols.length * short * 12) }] : [],
        },
        problems: [],
      };
    },
  });

/** The symbol phases only (tests that add their own portfolio-scoped step). */
const SYMBOL_STEPS = PIPELINE.filter((s) => s.scope === "symbols");

test("the pipeline is declared: phase 1 whole range, 1.5 → 6 chunked together, then 2.5 and stress whole range", () => {
  assert.deepEqual(
    PIPELINE.map((s) => [s.phase, s.scope, s.shape]),
    [
      [Phase.MARKET_DATA, "symbols", "whole_range"],
      [Phase.SYMBOL_FACTORS, "symbols", "date_chunks"],
      [Phase.SYMBOL_METRICS, "symbols", "date_chunks"],
      [Phase.SNAPSHOTS, "portfolios", "date_chunks"],
      [Phase.POSITION_BETAS, "portfolios", "date_chunks"],
      [Phase.FACTOR_EXPOSURES, "portfolios", "date_chunks"],
      [Phase.VOLATILITY, "portfolios", "date_chunks"],
      [Phase.CORRELATIONS, "portfolios", "date_chunks"],
      [Phase.POSITION_VALUES, "portfolios", "whole_range"],
      [Phase.STRESS_TESTS, "portfolios", "whole_range"],
    ],
  );
  assert.deepEqual(
    groupSteps(PIPELINE).map((g) => (g.shape === "whole_range" ? [g.step.phase] : g.steps.map((s) => s.phase))),
    [
      [Phase.MARKET_DATA],
      [
        Phase.SYMBOL_FACTORS,
        Phase.SYMBOL_METRICS,
        Phase.SNAPSHOTS,
        Phase.POSITION_BETAS,
        Phase.FACTOR_EXPOSURES,
        Phase.VOLATILITY,
        Phase.CORRELATIONS,
      ],
      [Phase.POSITION_VALUES],
      [Phase.STRESS_TESTS],
    ],
  );
  // Every phase has its user-facing name (SPEC §5), stress tests included.
  assert.deepEqual(
    PIPELINE.map((s) => phaseInfo(s.phase).name),
    [
      "Market Data Collection",
      "Factor Analysis",
      "Symbol Metrics",
      "Portfolio Snapshots",
      "Position Betas",
      "Factor Exposures",
      "Volatility Analysis",
      "Correlations",
      "Position Values",
      "Stress Tests",
    ],
  );
});

test("the chunked steps declare what they read: 1.5, 1.75 and 2 side by side, then 3 (after 1.5 and 2), 5 and 6 (after 2), 4 after 3", () => {
  assert.deepEqual(
    PIPELINE.filter((s) => s.shape === "date_chunks").map((s) => [s.phase, s.after]),
    [
      [Phase.SYMBOL_FACTORS, []],
      [Phase.SYMBOL_METRICS, []],
      [Phase.SNAPSHOTS, []],
      [Phase.POSITION_BETAS, [Phase.SYMBOL_FACTORS, Phase.SNAPSHOTS]],
      [Phase.FACTOR_EXPOSURES, [Phase.POSITION_BETAS]],
      [Phase.VOLATILITY, [Phase.SNAPSHOTS]],
      [Phase.CORRELATIONS, [Phase.SNAPSHOTS]],
    ],
  );
});

test("a chunk's steps start once the steps they read from finished it: independent ones overlap, a failed input stops its readers", async () => {
  const log: string[] = [];
  const step = (phase: Phase, after: readonly Phase[] | undefined, ms: number, fail = false): PhaseStep => ({
    phase,
    scope: "symbols",
    shape: "date_chunks",
    deadlineMs: 5000,
    retry: retryOnCodes(1, 0),
    after,
    async run(ctx, chunk) {
      log.push(`start ${Phase[phase]} ${chunk.dates[0]}`);
      await new Promise((r) => setTimeout(r, ms));
      if (fail) throw new Error(`${Phase[phase]} broke`);
      ctx.record.counters.inputs = 1;
      ctx.record.counters.outputs += 1;
      log.push(`end ${Phase[phase]} ${chunk.dates[0]}`);
      return {};
    },
  });
  const [A, B, C] = [Phase.SYMBOL_FACTORS, Phase.SYMBOL_METRICS, Phase.SNAPSHOTS];
  const at = (line: string) => {
    const i = log.indexOf(line);
    assert.ok(i >= 0, `${line} missing from ${log.join(", ")}`);
    return i;
  };
  const ok = await runToEnd(coordinator(fakeServices(), [PIPELINE[0]!, step(A, [], 60), step(B, [], 5), step(C, [A], 5)]));
  assert.equal(ok.status, "completed", ok.errorSummary);
  assert.equal(ok.datesCompleted, 15);
  // First chunk (2020-01-02): B starts (and ends) while A runs; C waits for A.
  assert.ok(at("start SYMBOL_METRICS 2020-01-02") < at("end SYMBOL_FACTORS 2020-01-02"));
  assert.ok(at("end SYMBOL_METRICS 2020-01-02") < at("end SYMBOL_FACTORS 2020-01-02"));
  assert.ok(at("end SYMBOL_FACTORS 2020-01-02") < at("start SNAPSHOTS 2020-01-02"));
  // Chunks stay in order: the next chunk starts after every step finished (and the chunk was committed).
  assert.ok(at("end SNAPSHOTS 2020-01-02") < at("start SYMBOL_FACTORS 2020-01-09"));
  assert.ok(ok.phases.filter((p) => [A, B, C].includes(p.phase)).every((p) => p.state === "completed" && p.counters.outputs === 3));

  log.length = 0;
  const broken = await runToEnd(coordinator(fakeServices(), [PIPELINE[0]!, step(A, [], 20, true), step(B, [], 5), step(C, [A], 5)]));
  assert.equal(broken.status, "failed");
  assert.match(broken.errorSummary, /^Factor Analysis failed: .*SYMBOL_FACTORS broke/);
  assert.equal(broken.datesCompleted, 0);
  assert.ok(log.includes("end SYMBOL_METRICS 2020-01-02"), "the independent step finished its chunk");
  assert.ok(!log.some((l) => l.startsWith("start SNAPSHOTS")), "the step reading the failed one never started");
  const state = (p: Phase) => broken.phases.find((r) => r.phase === p)!.state;
  assert.deepEqual([state(A), state(B), state(C)], ["failed", "incomplete", "pending"]);
});

test("chunks with too little history are counted skips: the run goes on and commits every later date (issue #6.9)", async () => {
  const run = await runToEnd(coordinator(historyStartsAt("2020-01-13")));
  assert.equal(run.status, "completed", run.errorSummary);
  assert.equal(run.datesCompleted, 15);
  const factors = run.phases.find((p) => p.phase === Phase.SYMBOL_FACTORS)!;
  assert.equal(factors.state, "completed");
  // 2020-01-02..10: 7 dates with no row for the 10 symbols (2 + 8 factor ETFs); 8 dates with rows.
  assert.equal(factors.counters.outputs, 10 * 8);
  assert.equal(factors.counters.skipped[SkipReason.INSUFFICIENT_HISTORY], 10 * 7 * 12);
});

test("a phase with inputs and no row over the whole run still fails, naming the skips", async () => {
  const run = await runToEnd(coordinator(historyStartsAt("2099-01-01")));
  assert.equal(run.status, "failed");
  assert.equal(
    run.errorSummary,
    "Factor Analysis failed: 10 symbol(s) in scope and no row over 15 date(s) (skipped: INSUFFICIENT_HISTORY 1800)",
  );
  assert.equal(run.phases.find((p) => p.phase === Phase.SYMBOL_FACTORS)!.state, "failed");
  assert.equal(run.datesCompleted, 15, "every chunk was committed");
});

test("a step call the peer refused as UNAVAILABLE is retried as its policy says; a non-retryable error is not", async () => {
  let calls = 0;
  const flaky = fakeServices({
    async analytics(phase, req) {
      if (phase === "factors" && ++calls === 1) throw new ConnectError("factor restarting", Code.Unavailable);
      const rows = req.symbols.length * tradingDays(req.startDate, req.endDate).length;
      return { counters: { inputs: BigInt(req.symbols.length), outputs: BigInt(rows), skipped: [] }, problems: [] };
    },
  });
  const fast = PIPELINE.map((s) => ({ ...s, retry: { ...s.retry, backoffMs: 10 } }));
  const ok = await runToEnd(coordinator(flaky, fast));
  assert.equal(ok.status, "completed", ok.errorSummary);
  assert.equal(calls, 4, "3 chunks + 1 retry");

  let denied = 0;
  const refusing = fakeServices({
    async analytics() {
      denied++;
      throw new ConnectError("no", Code.PermissionDenied);
    },
  });
  const failed = await runToEnd(coordinator(refusing, fast));
  assert.equal(failed.status, "failed");
  assert.equal(denied, 2, "phases 1.5 and 1.75 run the first chunk side by side; neither retries");
  assert.equal(failed.errorSummary, "Factor Analysis failed: PERMISSION_DENIED: no");
});

test("a step past its deadline is aborted and fails its phase; a portfolio-scoped step without portfolios is recorded, not run", async () => {
  let portfolioCalls = 0;
  const slow: PhaseStep = {
    phase: Phase.SNAPSHOTS,
    scope: "symbols",
    shape: "date_chunks",
    deadlineMs: 100,
    retry: retryOnCodes(1, 0),
    run: (ctx) => new Promise((_, reject) => ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason))),
  };
  const portfolioStep: PhaseStep = {
    phase: Phase.POSITION_VALUES,
    scope: "portfolios",
    shape: "date_chunks",
    deadlineMs: 1000,
    retry: retryOnCodes(1, 0),
    async run() {
      portfolioCalls++;
      return {};
    },
  };
  const withPortfolioStep = await runToEnd(coordinator(fakeServices(), [...SYMBOL_STEPS, portfolioStep]));
  assert.equal(withPortfolioStep.status, "completed", withPortfolioStep.errorSummary);
  assert.equal(portfolioCalls, 0);
  const pv = withPortfolioStep.phases.find((p) => p.phase === Phase.POSITION_VALUES)!;
  assert.deepEqual([pv.state, pv.summary], ["completed", "no portfolio in scope"]);

  const late = await runToEnd(coordinator(fakeServices(), [...SYMBOL_STEPS, slow]));
  assert.equal(late.status, "failed");
  assert.match(late.errorSummary, /^Portfolio Snapshots failed: deadline of 0\.1 s exceeded for 2020-01-02\.\.2020-01-08$/);
  assert.equal(late.datesCompleted, 0);
});

test("a chunk's symbols are cut into items (calls of ≤ N symbols, in parallel), counters summed, problems in item order", async () => {
  const calls: { phase: string; symbols: string[]; start: string }[] = [];
  // Per phase: 1.5 and 1.75 run a chunk side by side, each with its own `concurrency` items in flight.
  const inFlight = new Map<string, number>();
  const peak = new Map<string, number>();
  const itemized = fakeServices({
    async analytics(phase, req) {
      inFlight.set(phase, (inFlight.get(phase) ?? 0) + 1);
      peak.set(phase, Math.max(peak.get(phase) ?? 0, inFlight.get(phase)!));
      calls.push({ phase, symbols: [...req.symbols], start: req.startDate });
      // Later items answer first: results must still be folded in item order.
      await new Promise((r) => setTimeout(r, 20 - req.symbols.length * 3));
      inFlight.set(phase, inFlight.get(phase)! - 1);
      const rows = req.symbols.length * tradingDays(req.startDate, req.endDate).length;
      return {
        counters: { inputs: BigInt(req.symbols.length), outputs: BigInt(rows), skipped: [] },
        problems: req.symbols.map((s) => ({
          symbol: s,
          reason: SkipReason.NO_CLOSE,
          message: `gap in ${s} (${phase})`,
          date: req.startDate,
        })),
      };
    },
  });
  const run = await runToEnd(coordinator(itemized, SYMBOL_STEPS, { symbols: 3, portfolios: 50, concurrency: 2 }));
  assert.equal(run.status, "completed_with_warnings", run.errorSummary);
  const factors = run.phases.find((p) => p.phase === Phase.SYMBOL_FACTORS)!;
  assert.equal(factors.counters.inputs, 10);
  assert.equal(factors.counters.outputs, 10 * 15, "summed over items and chunks");
  const first = calls.filter((c) => c.phase === "factors" && c.start === "2020-01-02");
  assert.deepEqual(
    first.map((c) => c.symbols.length),
    [3, 3, 3, 1],
  );
  assert.equal(new Set(first.flatMap((c) => c.symbols)).size, 10, "every symbol in exactly one item");
  assert.equal(calls.length, 3 * 2 * 4, "3 chunks × 2 phases × 4 items");
  assert.deepEqual([...peak.values()], [2, 2]);
  // A symbol's problem is recorded once per phase, in item order (the order of the run's symbols).
  const symbols = first.flatMap((c) => c.symbols);
  assert.deepEqual(
    run.problems
      .filter((p) => p.message.startsWith("gap") && p.message.endsWith("(factors)"))
      .map((p) => p.symbol)
      .slice(0, 10),
    symbols,
  );
});
