/**
 * Test doubles at the CLI's edge: the six services it calls, served over real loopback gRPC by
 * `serve()` with canned answers, and captured streams for `runSigma`. Only for the CLI's tests.
 */
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import {
  CoordinatorService,
  FactorService,
  type GetSymbolFactorsRequest,
  type ImportError,
  type OnboardPortfolioRequest,
  type Portfolio,
  PortfolioSchema,
  type PositionValue,
  type ListRunsRequest,
  MarketDataService,
  PhaseState,
  PhaseViewSchema,
  PriceSeriesSchema,
  Phase,
  type GetRiskReportResponse,
  RiskService,
  type RunStressTestRequest,
  type StressResult,
  type Run,
  type RunBatchRequest,
  RunSchema,
  RunState,
  RunStatus,
  type Snapshot,
  SnapshotService,
  StatusService,
  type StatusView,
  StatusViewSchema,
  type SymbolFactors,
  type SymbolInfo,
  SymbolInfoSchema,
  type SymbolMetrics,
} from "@sigma/contracts";
import {
  createLogger,
  defineService,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  type RunningServer,
  serve,
} from "@sigma/runtime";
import type { CliIo } from "../output.js";

/** Mutable canned state the fake services answer from; tests fill it and read the recorded requests. */
export class FakeState {
  runs = new Map<string, Run>();
  /** Updates WatchStatus sends for a run id, in order; GetStatus answers the last one. */
  views = new Map<string, StatusView[]>();
  /** When false, WatchStatus stays open after the last update (as the status service did). */
  endWatch = false;
  universe: SymbolInfo[] = [];
  /** symbol → date → close. */
  closes = new Map<string, Map<string, number>>();
  metrics: SymbolMetrics[] = [];
  factors: SymbolFactors[] = [];
  /** A runBatch with this start_date fails INVALID_ARGUMENT on the start_date field. */
  rejectStartDate = "";
  runBatchRequests: RunBatchRequest[] = [];
  listRunsRequests: ListRunsRequest[] = [];
  factorRequests: GetSymbolFactorsRequest[] = [];
  /** Portfolios the snapshot service holds (the caller's own). */
  portfolios: Portfolio[] = [];
  /** Portfolio ids that belong to someone else: every call about them fails PERMISSION_DENIED. */
  foreign = new Set<string>();
  /** The caller lacks the admin role: RunBatch with as_of fails PERMISSION_DENIED. */
  nonAdmin = false;
  /** Portfolio ids a run holds the lease of: RemovePortfolio fails FAILED_PRECONDITION. */
  leased = new Set<string>();
  /** Portfolio id → stored snapshots in date order. */
  snapshots = new Map<string, Snapshot[]>();
  /** Portfolio id → date → stored position values. */
  positionValues = new Map<string, Map<string, PositionValue[]>>();
  /** When non-empty, OnboardPortfolio rejects the file with these problems. */
  importErrors: ImportError[] = [];
  /** Status of the backfill run an accepted onboarding creates. */
  onboardRunStatus: RunStatus = RunStatus.COMPLETED;
  onboardRequests: OnboardPortfolioRequest[] = [];
  /** Every call of the portfolio RPCs, as "Method portfolio_id". */
  portfolioCalls: string[] = [];
  /** Portfolio id → date → stored risk report (GetRiskReport with no date answers the latest). */
  riskReports = new Map<string, Map<string, GetRiskReportResponse>>();
  /** Portfolio id → nav and the results RunStressTest answers (filtered by the ids asked for). */
  stress = new Map<string, { date: string; nav: number; results: StressResult[] }>();
  stressRequests: RunStressTestRequest[] = [];

  /** Adds symbols to the universe with a stored close range. */
  addSymbols(...entries: { symbol: string; firstDate?: string; lastDate?: string; unavailable?: boolean }[]): void {
    for (const e of entries) this.universe.push(create(SymbolInfoSchema, { priceRows: 1n, ...e }));
  }
}

/** A run record with the given id and status (phases 1-1.75 completed). */
export function fakeRun(id: string, status: RunStatus, extra: Partial<Run> = {}): Run {
  return create(RunSchema, {
    id,
    runStatus: status,
    scope: "universe",
    startDate: "2020-01-21",
    endDate: "2020-01-23",
    targetDate: "2020-01-23",
    datesTotal: 3,
    datesCompleted: 3,
    ...extra,
  } as MessageInitShape<typeof RunSchema>);
}

/** A status view of a run: one market-data phase in `phase` state, with progress and summary. */
export function fakeView(
  runId: string,
  status: RunStatus,
  opts: Partial<StatusView> & { phase?: PhaseState; summary?: string } = {},
): StatusView {
  const { phase = PhaseState.COMPLETED, summary = "12/13 symbols (92% coverage)", ...rest } = opts;
  return create(StatusViewSchema, {
    runId,
    runStatus: status,
    state: status === RunStatus.UNSPECIFIED ? RunState.NOT_FOUND : RunState.UNSPECIFIED,
    percent: phase === PhaseState.COMPLETED ? 100 : 40,
    phases: [
      create(PhaseViewSchema, {
        phase: Phase.MARKET_DATA,
        label: "1",
        name: "Market Data Collection",
        phaseState: phase,
        current: 13n,
        total: 13n,
        unit: "symbols",
        summary: phase === PhaseState.COMPLETED ? summary : "",
      }),
    ],
    ...rest,
  } as MessageInitShape<typeof StatusViewSchema>);
}

/** The six services over real gRPC on a loopback port, answering from `state`. */
export async function startFakeServices(state: FakeState): Promise<RunningServer> {
  const logger = createLogger("fake", { level: "silent" });
  const notFoundView = (runId: string) => create(StatusViewSchema, { runId, state: RunState.NOT_FOUND });
  // Like the services: another user's portfolio is PERMISSION_DENIED, an unknown one NOT_FOUND.
  const visible = (portfolioId: string, method: string): Portfolio => {
    state.portfolioCalls.push(`${method} ${portfolioId}`);
    if (state.foreign.has(portfolioId)) throw new PermissionDeniedError(`portfolio ${portfolioId} belongs to another user`);
    const p = state.portfolios.find((x) => x.id === portfolioId);
    if (!p) throw new NotFoundError(`portfolio ${portfolioId} not found`);
    return p;
  };
  return serve({
    name: "fake",
    port: 0,
    logger,
    auth: { mode: "dev" },
    services: [
      defineService(CoordinatorService, {
        async runBatch(req) {
          state.runBatchRequests.push(req);
          // Like the coordinator: pinning the clock needs the admin role (checked before ownership).
          if (req.asOf && state.nonAdmin) throw new PermissionDeniedError("admin role required");
          if (req.portfolioId) visible(req.portfolioId, "RunBatch");
          if (state.rejectStartDate && req.startDate === state.rejectStartDate) {
            throw new InvalidArgumentError("invalid run range", {
              violations: [{ field: "start_date", description: `${req.startDate} is before the first stored price` }],
            });
          }
          const id = `00000000-0000-4000-8000-${String(state.runs.size + 1).padStart(12, "0")}`;
          // Like the coordinator: the target follows the request's as_of, else its own clock.
          const target = req.asOf || "2026-11-30";
          state.runs.set(id, fakeRun(id, RunStatus.COMPLETED, { targetDate: target, asOf: req.asOf }));
          return { runId: id, targetDate: target, startDate: req.startDate || target, endDate: req.endDate || target, datesTotal: 1 };
        },
        async getRun(req) {
          const run = state.runs.get(req.runId);
          if (!run) throw new NotFoundError(`run ${req.runId} not found`);
          return { run };
        },
        async cancelRun(req) {
          const run = state.runs.get(req.runId);
          if (!run) throw new NotFoundError(`run ${req.runId} not found`);
          return { run };
        },
        async onboardPortfolio(req) {
          state.onboardRequests.push(req);
          if (state.importErrors.length > 0) return { errors: state.importErrors };
          const portfolioId = `10000000-0000-4000-8000-${String(state.portfolios.length + 1).padStart(12, "0")}`;
          const runId = `00000000-0000-4000-8000-${String(state.runs.size + 1).padStart(12, "0")}`;
          state.portfolios.push(create(PortfolioSchema, { id: portfolioId, name: req.name, owner: "dev", active: true }));
          state.runs.set(runId, fakeRun(runId, state.onboardRunStatus, { scope: `portfolio:${portfolioId}`, portfolioId }));
          return { portfolioId, runId };
        },
        async removePortfolio(req) {
          const p = visible(req.portfolioId, "RemovePortfolio");
          if (state.leased.has(p.id))
            throw new FailedPreconditionError(`portfolio ${p.id} is held by run 00000000-0000-4000-8000-000000000007; retry when it ends`);
          state.portfolios = state.portfolios.filter((x) => x !== p);
          return {
            portfolioId: p.id,
            positionsDeleted: BigInt(p.positions.length),
            snapshotsDeleted: BigInt(state.snapshots.get(p.id)?.length ?? 0),
            positionValuesDeleted: BigInt([...(state.positionValues.get(p.id)?.values() ?? [])].flat().length),
          };
        },
        async listRuns(req) {
          state.listRunsRequests.push(req);
          return { runs: [...state.runs.values()].slice(0, req.limit || 20) };
        },
      }),
      defineService(StatusService, {
        async getStatus(req) {
          const id = req.target?.target.value ?? "";
          return { status: state.views.get(id)?.at(-1) ?? notFoundView(id) };
        },
        async *watchStatus(req, ctx) {
          const id = req.target?.target.value ?? "";
          const views = state.views.get(id) ?? [notFoundView(id)];
          let seq = 0n;
          for (const v of views) yield { seq: ++seq, status: v };
          if (state.endWatch) return;
          await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
        },
      }),
      defineService(MarketDataService, {
        async listSymbols() {
          return { symbols: state.universe };
        },
        async getPriceSeries(req) {
          const dates = [...new Set([...state.closes.values()].flatMap((m) => [...m.keys()]))]
            .filter((d) => d >= req.startDate && d <= (req.endDate || req.startDate))
            .sort();
          return {
            dates,
            series: req.symbols.map((symbol) => {
              const closes = dates.map((d) => state.closes.get(symbol)?.get(d) ?? Number.NaN);
              return create(PriceSeriesSchema, { symbol, closes, empty: closes.every((c) => Number.isNaN(c)) });
            }),
          };
        },
      }),
      defineService(SnapshotService, {
        async listPortfolios(req) {
          state.portfolioCalls.push("ListPortfolios");
          return { portfolios: state.portfolios.filter((p) => p.active || req.includeInactive) };
        },
        async getPortfolio(req) {
          return { portfolio: visible(req.portfolioId, "GetPortfolio") };
        },
        async getSnapshots(req) {
          const p = visible(req.portfolioId, "GetSnapshots");
          const end = req.endDate || "9999-12-31";
          return { snapshots: (state.snapshots.get(p.id) ?? []).filter((x) => x.date >= req.startDate && x.date <= end) };
        },
        async getPositionValues(req) {
          const p = visible(req.portfolioId, "GetPositionValues");
          const byDate = state.positionValues.get(p.id) ?? new Map<string, PositionValue[]>();
          // The latest stored date on or before the one asked for, as the snapshot service answers.
          const date = [...byDate.keys()]
            .filter((d) => d <= (req.date || "9999-12-31"))
            .sort()
            .at(-1);
          return date ? { date, values: byDate.get(date) ?? [] } : { date: "", values: [] };
        },
      }),
      defineService(RiskService, {
        async getRiskReport(req) {
          const p = visible(req.portfolioId, "GetRiskReport");
          const byDate = state.riskReports.get(p.id);
          const date = req.date || [...(byDate?.keys() ?? [])].sort().at(-1) || "";
          const report = byDate?.get(date);
          // Like the risk service: nothing stored for the date is NOT_FOUND in its own words.
          if (!report) throw new NotFoundError(`no risk analytics stored for portfolio ${p.id}${req.date ? ` on ${req.date}` : ""}`);
          return report;
        },
        async runStressTest(req) {
          state.stressRequests.push(req);
          const p = visible(req.portfolioId, "RunStressTest");
          const stored = state.stress.get(p.id);
          if (!stored) throw new NotFoundError(`no factor exposures stored for portfolio ${p.id}`);
          const all = req.scenarioIds.includes("all");
          const known = new Set(stored.results.map((r) => r.scenarioId));
          for (const id of req.scenarioIds) if (id !== "all" && !known.has(id)) throw new NotFoundError(`unknown scenario ${id}`);
          const picked = stored.results.filter((r) =>
            all ? true : req.scenarioIds.length ? req.scenarioIds.includes(r.scenarioId) : r.activeByDefault,
          );
          const custom = req.customScenarios.map((c) => stored.results.find((r) => r.scenarioId === c.id)!).filter(Boolean);
          return {
            date: req.date || stored.date,
            nav: stored.nav,
            results: [...picked.filter((r) => r.scenarioId !== "custom"), ...custom],
          };
        },
      }),
      defineService(FactorService, {
        async getSymbolFactors(req) {
          state.factorRequests.push(req);
          return { rows: state.factors.filter((r) => req.symbols.includes(r.symbol) && r.date === req.startDate) };
        },
        async getSymbolMetrics(req) {
          return { rows: state.metrics.filter((r) => req.symbols.includes(r.symbol) && r.date === req.startDate) };
        },
      }),
    ],
  });
}

/** SIGMA_* variables pointing every CLI client at `url`. */
export function fakeEnv(url: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SIGMA_URL: url,
    SIGMA_MARKET_DATA_URL: url,
    SIGMA_STATUS_URL: url,
    SIGMA_FACTOR_URL: url,
    SIGMA_SNAPSHOT_URL: url,
    SIGMA_RISK_URL: url,
    ...extra,
  };
}

/** Captured streams for one `runSigma` call. */
export interface Captured {
  io: CliIo;
  stdout(): string;
  stderr(): string;
  interrupt(): void;
}

/** Streams that record what the CLI writes; `tty` makes stdout look like a terminal. */
export function capture(env: Record<string, string>, opts: { tty?: boolean } = {}): Captured {
  let out = "";
  let err = "";
  const ac = new AbortController();
  return {
    io: {
      stdout: { write: (s: string) => (out += s), isTTY: opts.tty ?? false, columns: 160 },
      stderr: { write: (s: string) => (err += s), isTTY: false },
      env,
      interrupted: () => ac.signal,
    },
    stdout: () => out,
    stderr: () => err,
    interrupt: () => ac.abort(),
  };
}
