/**
 * The risk phases (3 Position Betas, 4 Factor Exposures, 5 Volatility Analysis, 6 Correlations and
 * Stress Tests) in the coordinator's pipeline, against stand-ins of the peer services (edge doubles)
 * on a real Postgres run store: the order of the calls, the cells each phase gets, counters, typed
 * skips, problems, failures, cancel between chunks, and the risk rows of a removed portfolio.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { createClock } from "@sigma/calendar";
import { ActivityLevel, InvestmentClass, Phase, type RiskService, RunSource, SkipReason } from "@sigma/contracts";
import { createMemoryBus } from "@sigma/events";
import { createLogger } from "@sigma/runtime";
import type { OutboxStore, RunStore } from "../domain/ports.js";
import { fakeServices, testStore } from "../testing/fakes.js";
import { Coordinator } from "./coordinator.js";

const logger = createLogger("risk-phases-test", { level: "silent" });
let store: Awaited<ReturnType<typeof testStore>>;
before(async () => {
  store = await testStore();
});
after(async () => {
  await store.drop();
});

const P = "11111111-1111-4111-8111-111111111111";
const Q = "22222222-2222-4222-8222-222222222222";
const positions = [{ symbol: "ZZZ", investmentClass: InvestmentClass.PUBLIC }];
const behind = { id: P, owner: "alice", active: true, firstEntryDate: "2019-01-02", watermarkDate: "2020-01-21", positions };
const current = { id: Q, owner: "bob", active: true, firstEntryDate: "2019-01-02", watermarkDate: "2020-01-23", positions };

type Cells = { portfolioId: string; dates: string[] }[];
/** One line per portfolio-phase call, in call order: "phase first..last" (or the stress/values arguments). */
type Log = { phase: string; cells?: Cells; runId?: string; portfolioIds?: string[]; date?: string }[];

const cellsOf = (req: { cells: Cells }): Cells => req.cells.map((c) => ({ portfolioId: c.portfolioId, dates: [...c.dates] }));
const perCell = (cells: Cells) => BigInt(cells.reduce((s, c) => s + c.dates.length, 0));

function setup(opts: { risk?: Partial<ServiceImpl<typeof RiskService>>; store?: (c: () => Coordinator) => RunStore & OutboxStore } = {}) {
  const log: Log = [];
  const risk =
    (phase: string, name: keyof ServiceImpl<typeof RiskService>) => async (req: { cells: Cells; runId: string }, ctx: HandlerContext) => {
      log.push({ phase, cells: cellsOf(req), runId: req.runId });
      const override = opts.risk?.[name] as ((r: unknown, c: HandlerContext) => Promise<never>) | undefined;
      if (override) return override(req, ctx);
      const n = perCell(req.cells);
      return { counters: { inputs: n, outputs: n, skipped: [] }, problems: [] };
    };
  const services = fakeServices({
    snapshot: {
      async listPortfolios(req) {
        const all = [behind, current];
        return { portfolios: (req.portfolioIds.length ? all.filter((p) => req.portfolioIds.includes(p.id)) : all) as never };
      },
      async computeSnapshots(req) {
        log.push({ phase: "snapshots", cells: cellsOf(req), runId: req.runId });
        const n = perCell(req.cells);
        return { counters: { inputs: n, outputs: n, skipped: [] }, problems: [] };
      },
      async computePositionValues(req) {
        log.push({ phase: "values", portfolioIds: [...req.portfolioIds], date: req.date });
        return { counters: { inputs: 1n, outputs: 1n, skipped: [] } };
      },
      async deletePortfolio(req) {
        log.push({ phase: "delete-snapshot", portfolioIds: [req.portfolioId] });
        return { snapshotsDeleted: 1n, positionsDeleted: 1n, positionValuesDeleted: 1n };
      },
    },
    risk: {
      computePositionBetas: risk("betas", "computePositionBetas"),
      computeFactorExposures: risk("exposures", "computeFactorExposures"),
      computeVolatility: risk("volatility", "computeVolatility"),
      computeCorrelations: risk("correlations", "computeCorrelations"),
      async computeStress(req, ctx) {
        log.push({ phase: "stress", portfolioIds: [...req.portfolioIds], date: req.date, runId: req.runId });
        if (opts.risk?.computeStress) return opts.risk.computeStress(req, ctx) as never;
        const n = BigInt(req.portfolioIds.length);
        return { counters: { inputs: n, outputs: n * 19n, skipped: [] }, problems: [] };
      },
      async deletePortfolioRisk(req) {
        log.push({ phase: "delete-risk", portfolioIds: [req.portfolioId] });
        return { rowsDeleted: 42n };
      },
    },
  });
  let coordinator!: Coordinator;
  const bus = createMemoryBus();
  coordinator = new Coordinator({
    store: opts.store ? opts.store(() => coordinator) : store.repo,
    services,
    publisher: bus,
    clock: createClock({ asOf: "2020-01-23" }),
    now: () => new Date(),
    logger,
    settings: {
      holderId: `r-${randomBytes(3).toString("hex")}`,
      leaseTtlMs: 60_000,
      heartbeatMs: 50,
      chunkSize: 5,
      syncBatchSize: 100,
      rpcTimeoutMs: 5000,
    },
  });
  return { coordinator, log, bus };
}

/** The activity lines of a run's events (from the memory bus the relay publishes to). */
async function activityOf(bus: ReturnType<typeof createMemoryBus>, runId: string) {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 300);
  const out: { level: ActivityLevel; message: string; phase: Phase }[] = [];
  for await (const { event } of bus.subscribe({ afterSeq: 0, signal: ac.signal, runId })) {
    if (event.payload.case === "activity") out.push(event.payload.value);
  }
  return out;
}

const alice = { sub: "alice", admin: false };
/** A forced portfolio run over 2020-01-02..2020-01-23: 15 trading dates, chunks of 5. */
const forcedP = {
  portfolioId: P,
  source: RunSource.MANUAL,
  forceRerun: true,
  startDate: "2020-01-02",
  endDate: "2020-01-23",
  dryRun: false,
  asOf: "",
  caller: alice,
};
const CHUNKS = [
  ["2020-01-02", "2020-01-03", "2020-01-06", "2020-01-07", "2020-01-08"],
  ["2020-01-09", "2020-01-10", "2020-01-13", "2020-01-14", "2020-01-15"],
  ["2020-01-16", "2020-01-17", "2020-01-21", "2020-01-22", "2020-01-23"],
];

async function runToEnd(c: Coordinator, input: Parameters<Coordinator["runBatch"]>[0]) {
  const out = await c.runBatch(input);
  await c.waitFor(out.runId);
  return (await store.repo.get(out.runId))!;
}

test("a portfolio run goes 2 → (3 → 4, 5, 6) chunk by chunk on the same cells, then 2.5 and stress at the last date", async () => {
  const { coordinator, log } = setup();
  const run = await runToEnd(coordinator, forcedP);
  assert.equal(run.status, "completed", run.errorSummary);
  assert.equal(run.datesCompleted, 15);
  const chunked = ["snapshots", "betas", "exposures", "volatility", "correlations"];
  assert.equal(log.length, CHUNKS.length * chunked.length + 2);
  assert.deepEqual(
    log.slice(-2).map((l) => l.phase),
    ["values", "stress"],
  );
  // Every chunked portfolio phase gets exactly the snapshot phase's cells, with the run id; within a
  // chunk, 2 comes first, 3, 5 and 6 follow it (side by side), 4 follows 3.
  for (const [i, dates] of CHUNKS.entries()) {
    const calls = log.slice(i * chunked.length, (i + 1) * chunked.length);
    const order = calls.map((l) => l.phase);
    assert.deepEqual([...order].sort(), [...chunked].sort(), `chunk ${i}: ${order}`);
    assert.equal(order[0], "snapshots");
    assert.ok(order.indexOf("exposures") > order.indexOf("betas"), `chunk ${i}: ${order}`);
    for (const call of calls)
      assert.deepEqual(call, { phase: call.phase, cells: [{ portfolioId: P, dates }], runId: run.id }, `${call.phase} chunk ${i}`);
  }
  assert.deepEqual(log.at(-1), { phase: "stress", portfolioIds: [P], date: "2020-01-23", runId: run.id });
  const byPhase = new Map(run.phases.map((p) => [p.phase, p]));
  for (const phase of [Phase.POSITION_BETAS, Phase.FACTOR_EXPOSURES, Phase.VOLATILITY, Phase.CORRELATIONS]) {
    const p = byPhase.get(phase)!;
    assert.deepEqual([p.state, p.counters.inputs, p.counters.outputs], ["completed", 1, 15], Phase[phase]);
    assert.equal(p.summary, "15 rows for 1 portfolios over 15 date(s)");
  }
  const stress = byPhase.get(Phase.STRESS_TESTS)!;
  assert.deepEqual([stress.state, stress.counters.inputs, stress.counters.outputs], ["completed", 1, 19]);
  assert.equal(stress.summary, "19 stress results for 1 portfolio(s) on 2020-01-23");
  assert.deepEqual(
    run.phases.map((p) => p.phase),
    [
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
    ],
  );
});

test("a universe run gives the risk phases only the cells each portfolio lacks; stress covers the portfolios with cells", async () => {
  const { coordinator, log } = setup();
  const run = await runToEnd(coordinator, {
    ...forcedP,
    portfolioId: "",
    forceRerun: false,
    startDate: "",
    endDate: "",
    caller: { sub: "ops", admin: true },
  });
  assert.equal(run.status, "completed", run.errorSummary);
  const cells = [{ portfolioId: P, dates: ["2020-01-22", "2020-01-23"] }];
  for (const phase of ["snapshots", "betas", "exposures", "volatility", "correlations"]) {
    assert.deepEqual(
      log.filter((l) => l.phase === phase).map((l) => l.cells),
      [cells],
      phase,
    );
  }
  assert.deepEqual(
    log.filter((l) => l.phase === "stress").map((l) => [l.portfolioIds, l.date]),
    [[[P], "2020-01-23"]],
  );
});

test("NO_COVERAGE problems from Factor Exposures end the run completed_with_warnings, listing them; typed skips are counted", async () => {
  const { coordinator } = setup({
    risk: {
      async computeFactorExposures(req) {
        const n = perCell(req.cells);
        const last = req.cells[0]!.dates.at(-1)!;
        return {
          counters: { inputs: n, outputs: n, skipped: [{ reason: SkipReason.NO_BETA, count: 2n }] },
          problems:
            last === "2020-01-23"
              ? [
                  {
                    symbol: P,
                    reason: SkipReason.NO_COVERAGE,
                    message: "no position has a momentum beta on 2020-01-23 (1 eligible)",
                    date: "2020-01-23",
                  },
                ]
              : [],
        };
      },
    },
  });
  const run = await runToEnd(coordinator, forcedP);
  assert.equal(run.status, "completed_with_warnings", run.errorSummary);
  assert.deepEqual(
    run.problems.map((p) => [p.symbol, p.reason, p.date]),
    [[P, SkipReason.NO_COVERAGE, "2020-01-23"]],
  );
  assert.ok(
    run.warnings.some((w) => w.includes("1 data-quality problem(s)") && w.includes("no position has a momentum beta on 2020-01-23")),
    run.warnings.join("\n"),
  );
  const exposures = run.phases.find((p) => p.phase === Phase.FACTOR_EXPOSURES)!;
  assert.deepEqual([exposures.state, exposures.counters.outputs, exposures.counters.skipped[SkipReason.NO_BETA]], ["completed", 15, 6]);
});

test("problems recurring on every date are all recorded on the run; the activity log shows the first 20 and says where the rest are", async () => {
  const { coordinator, bus } = setup({
    risk: {
      async computeFactorExposures(req) {
        const n = perCell(req.cells);
        const problems = req.cells.flatMap((c) =>
          c.dates.flatMap((date) =>
            ["momentum", "quality"].map((f) => ({
              symbol: c.portfolioId,
              reason: SkipReason.NO_COVERAGE,
              message: `no ${f} beta on ${date}`,
              date,
            })),
          ),
        );
        return { counters: { inputs: n, outputs: n, skipped: [] }, problems };
      },
    },
  });
  const run = await runToEnd(coordinator, forcedP);
  assert.equal(run.status, "completed_with_warnings", run.errorSummary);
  assert.equal(run.problems.length, 30, "15 dates × 2 factors");
  const warnings = (await activityOf(bus, run.id)).filter((a) => a.level === ActivityLevel.WARNING && a.phase === Phase.FACTOR_EXPOSURES);
  assert.equal(warnings.length, 21);
  assert.equal(warnings[0]!.message, `Factor Exposures: ${P}: no momentum beta on 2020-01-02`);
  assert.match(warnings[20]!.message, /^Factor Exposures: more data-quality problems; every one is listed in the run record/);
});

test("a risk phase with eligible inputs and no row fails the run naming the phase and the skips; nothing eligible is a counted skip", async () => {
  const empty = setup({
    risk: {
      async computeVolatility(req) {
        const n = perCell(req.cells);
        return { counters: { inputs: n, outputs: 0n, skipped: [{ reason: SkipReason.INSUFFICIENT_HISTORY, count: n }] }, problems: [] };
      },
    },
  });
  const failed = await runToEnd(empty.coordinator, forcedP);
  assert.equal(failed.status, "failed");
  assert.equal(
    failed.errorSummary,
    "Volatility Analysis failed: 1 portfolio(s) in scope and no row over 15 date(s) (skipped: INSUFFICIENT_HISTORY 15)",
  );
  const state = new Map(failed.phases.map((p) => [p.phase, p.state]));
  assert.equal(state.get(Phase.VOLATILITY), "failed");
  assert.equal(state.get(Phase.FACTOR_EXPOSURES), "completed", "the other chunked phases covered every date");
  assert.deepEqual(
    empty.log.filter((l) => l.phase === "stress" || l.phase === "values"),
    [],
    "no whole-range phase after a failed one",
  );

  // A portfolio of PRIVATE holdings only: nothing eligible for betas, a typed skip, not a failure.
  const private_ = setup({
    risk: {
      async computePositionBetas(req) {
        return {
          counters: { inputs: 0n, outputs: 0n, skipped: [{ reason: SkipReason.NOT_ELIGIBLE, count: perCell(req.cells) }] },
          problems: [],
        };
      },
    },
  });
  const ok = await runToEnd(private_.coordinator, forcedP);
  assert.equal(ok.status, "completed", ok.errorSummary);
  const betas = ok.phases.find((p) => p.phase === Phase.POSITION_BETAS)!;
  assert.deepEqual([betas.counters.inputs, betas.counters.outputs, betas.counters.skipped[SkipReason.NOT_ELIGIBLE]], [0, 0, 15]);

  // Nothing written and no typed skip is never a success.
  const silent = setup({
    risk: {
      async computeCorrelations() {
        return { counters: { inputs: 0n, outputs: 0n, skipped: [] }, problems: [] };
      },
    },
  });
  const s = await runToEnd(silent.coordinator, forcedP);
  assert.equal(s.status, "failed");
  assert.equal(s.errorSummary, "Correlations failed: 1 portfolio(s) in scope and no row over 15 date(s)");
});

test("Stress Tests with an eligible portfolio and no stored result fail the run with an operator-readable cause", async () => {
  const { coordinator } = setup({
    risk: {
      async computeStress(req) {
        return { counters: { inputs: BigInt(req.portfolioIds.length), outputs: 0n, skipped: [] }, problems: [] };
      },
    },
  });
  const run = await runToEnd(coordinator, forcedP);
  assert.equal(run.status, "failed");
  assert.equal(run.errorSummary, "Stress Tests failed: 1 portfolio(s) in scope and no stress result stored on 2020-01-23");
  assert.equal(run.phases.find((p) => p.phase === Phase.STRESS_TESTS)!.state, "failed");
  assert.equal(run.datesCompleted, 15, "the chunked phases were committed");
});

test("a cancel during a chunk stops the run before the next chunk: the committed chunk stays, no later cell is computed", async () => {
  let asked = false;
  // Cancel as soon as the first chunk (all five portfolio phases) is committed.
  const { coordinator, log } = setup({
    store: (c) => {
      const repo = store.repo;
      const wrapped: RunStore & OutboxStore = Object.create(repo);
      wrapped.save = async (run, events) => {
        const saved = await repo.save(run, events);
        if (!asked && run.datesCompleted === 5) {
          asked = true;
          void c().cancelRun(run.id);
        }
        return saved;
      };
      return wrapped;
    },
  });
  const run = await runToEnd(coordinator, forcedP);
  assert.equal(run.status, "cancelled");
  assert.equal(run.datesCompleted, 5);
  const dates = new Set(log.flatMap((l) => l.cells?.flatMap((c) => c.dates) ?? []));
  assert.deepEqual([...dates], CHUNKS[0]);
  assert.deepEqual(
    log.filter((l) => l.phase === "stress" || l.phase === "values"),
    [],
  );
  for (const phase of [Phase.POSITION_BETAS, Phase.FACTOR_EXPOSURES, Phase.VOLATILITY, Phase.CORRELATIONS]) {
    const p = run.phases.find((x) => x.phase === phase)!;
    assert.deepEqual([p.state, p.counters.outputs, p.summary], ["cancelled", 5, "5/15 dates committed"], Phase[phase]);
  }
});

test("RemovePortfolio deletes the risk service's rows first, then the snapshot service's", async () => {
  const { coordinator, log } = setup();
  const out = await coordinator.removePortfolio(P, alice);
  assert.equal(out.portfolioId, P);
  assert.deepEqual(
    log.map((l) => [l.phase, l.portfolioIds]),
    [
      ["delete-risk", [P]],
      ["delete-snapshot", [P]],
    ],
  );
});
