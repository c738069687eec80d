import { randomUUID } from "node:crypto";
import { createClock, isIsoDate, newYorkDate, type Clock } from "@sigma/calendar";
import { FACTOR_ETFS, type ImportError, InvestmentClass, type Phase, type Portfolio, RunSource } from "@sigma/contracts";
import type { EventPublisher } from "@sigma/events";
import {
  AlreadyExistsError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  UnavailableError,
} from "@sigma/runtime";
import type { Logger } from "pino";
import { planRun, type RunPlan } from "../domain/planner.js";
import type { PortfolioMark } from "../domain/portfolio-plan.js";
import { cellList, type PortfolioRunPlan, planPortfolioRun } from "../domain/run-scope.js";
import type { LeaseRow, OutboxStore, RunStore } from "../domain/ports.js";
import type { PhaseRecord, RunRecord, RunStatusText } from "../domain/run-record.js";
import { PIPELINE } from "../phases/index.js";
import type { PhaseServices, PhaseStep, RunScope } from "../phases/step.js";
import { DEFAULT_RELAY_SETTINGS, OutboxRelay, type OutboxRelaySettings } from "./outbox-relay.js";
import { RunReporter } from "./reporter.js";
import { type ActiveRun, executeRun, type ExecutorSettings, stopRun } from "./run-executor.js";
import { RUN_SOURCE_TO_TEXT } from "./status-enums.js";

/** Tunables of the coordinator (validated by main.ts from the environment). */
export interface CoordinatorSettings extends ExecutorSettings {
  /** Identifies this coordinator process in leases and run rows. */
  holderId: string;
}

/** Collaborators injected by the composition root (side effects live there). */
export interface CoordinatorDeps {
  /** Run history, leases and the event outbox. */
  store: RunStore & OutboxStore;
  /** Clients of the services the phase steps call. */
  services: PhaseServices;
  /** Where the outbox relay publishes (JetStream in production, the memory bus in `sigma dev`). */
  publisher: EventPublisher;
  /** Business dates (target date, as-of pinning). */
  clock: Clock;
  /**
   * Instants (event timestamps, "is this as_of in the future"): the real time even when `clock` is
   * pinned to an as-of date. Run timestamps (started/heartbeat/finished) are on the database clock.
   */
  now: () => Date;
  logger: Logger;
  settings: CoordinatorSettings;
  /** The declared steps (default: phases/index.ts). */
  pipeline?: readonly PhaseStep[];
  relaySettings?: OutboxRelaySettings;
}

/** A RunBatch request after authentication (SPEC §4 "One entry point"). */
export interface RunBatchInput {
  portfolioId: string;
  source: RunSource;
  forceRerun: boolean;
  startDate: string;
  endDate: string;
  dryRun: boolean;
  /** Pinned as-of date for this run ("" = the service clock). */
  asOf: string;
  /** The caller (a portfolio-scoped run needs its owner or an admin). */
  caller: Caller;
}

/** An OnboardPortfolio request after authentication. */
export interface OnboardInput {
  csv: Uint8Array;
  name: string;
  startingEquity?: number;
  /** Token subject of the caller: the new portfolio's owner. */
  owner: string;
}

/** The answer to OnboardPortfolio: both ids, or every import problem (and no id). */
export interface OnboardOutcome {
  portfolioId: string;
  runId: string;
  errors: ImportError[];
}

/** What RemovePortfolio removed. */
export interface RemoveOutcome {
  portfolioId: string;
  snapshotsDeleted: bigint;
  positionsDeleted: bigint;
  positionValuesDeleted: bigint;
}

/** What the planner needs of a listed portfolio. */
function portfolioMark(p: Portfolio): PortfolioMark {
  return { id: p.id, firstEntryDate: p.firstEntryDate, watermarkDate: p.watermarkDate };
}

/** Symbols with market prices a portfolio needs: its PUBLIC symbols and its options' underlyings (never OCC or PRIVATE symbols). */
export function portfolioSymbols(p: Portfolio): string[] {
  const out: string[] = [];
  for (const pos of p.positions) {
    if (pos.investmentClass === InvestmentClass.PUBLIC) out.push(pos.symbol.toUpperCase());
    else if (pos.investmentClass === InvestmentClass.OPTIONS && pos.underlyingSymbol) out.push(pos.underlyingSymbol.toUpperCase());
  }
  return out;
}

/** Who calls: the token's subject and whether it holds the admin role. */
export interface Caller {
  sub: string;
  admin: boolean;
}

/** The answer to RunBatch. */
export interface RunBatchOutcome {
  runId: string;
  plan: RunPlan;
  /** The (portfolio, date) cells of a dry run (empty otherwise). */
  cells: { portfolioId: string; date: string }[];
  dryRun: boolean;
  alreadyUpToDate: boolean;
  message: string;
}

const VALID_SOURCES = new Set([RunSource.CRON, RunSource.ONBOARDING, RunSource.ADMIN, RunSource.MANUAL]);

const emptyPhase = (phase: Phase): PhaseRecord => ({
  phase,
  state: "pending",
  durationSeconds: 0,
  counters: { inputs: 0, outputs: 0, skipped: {} },
  summary: "",
});

/**
 * Sequences batch runs: validates and plans a request, takes the lease, records the run, and
 * hands it to the executor; sweeps runs whose holder died; cancels runs here or on other replicas.
 */
export class Coordinator {
  private readonly active = new Map<string, ActiveRun>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private closing = false;
  private readonly now: () => Date;
  /** Monotonic time of the last sweep (or probe) that could not reach the database. */
  private lastSweepFailureAt: number | undefined;
  private readonly pipeline: readonly PhaseStep[];
  /** Relays the event outbox to the stream (started by `start`, flushed at the end of every run). */
  readonly relay: OutboxRelay;

  /** @throws RangeError when the heartbeat is not well inside the lease TTL (≤ TTL/3). */
  constructor(private readonly deps: CoordinatorDeps) {
    const { heartbeatMs, leaseTtlMs } = deps.settings;
    if (heartbeatMs * 3 > leaseTtlMs) {
      throw new RangeError(`heartbeat interval ${heartbeatMs} ms must be at most a third of the lease TTL ${leaseTtlMs} ms`);
    }
    this.now = deps.now;
    this.pipeline = deps.pipeline ?? PIPELINE;
    this.relay = new OutboxRelay(
      deps.store,
      deps.publisher,
      deps.logger.child({ component: "outbox-relay" }),
      deps.relaySettings ?? DEFAULT_RELAY_SETTINGS,
    );
  }

  /**
   * Start-up recovery plus a periodic sweep (every TTL/2): runs left "running" by a dead
   * coordinator are marked failed ("coordinator lost") and a final event is written to the outbox
   * for each, so neither the run history nor the status page shows them running forever. Starts the
   * outbox relay, which also delivers rows a previous process left behind.
   */
  async start(): Promise<string[]> {
    this.relay.start();
    const ids = await this.sweep();
    this.sweepTimer = setInterval(
      () => {
        void this.periodicSweep();
      },
      Math.max(1000, this.deps.settings.leaseTtlMs / 2),
    );
    this.sweepTimer.unref();
    return ids;
  }

  /**
   * The periodic sweep, skipped until this coordinator has reached the database for a whole TTL
   * since its last failed sweep: after an outage every holder's heartbeat is stale for the same
   * reason, and a live holder refreshes it within one heartbeat interval of the database's return.
   * Returns the ids marked, or null when skipped or failed.
   */
  async periodicSweep(): Promise<string[] | null> {
    if (this.lastSweepFailureAt !== undefined && performance.now() - this.lastSweepFailureAt < this.deps.settings.leaseTtlMs) {
      this.deps.logger.debug("stale-run sweep skipped: the database was unreachable less than a lease TTL ago");
      // Probe cheaply so the grace period starts only once the database is back.
      try {
        await this.deps.store.outboxCount("00000000-0000-0000-0000-000000000000");
      } catch {
        this.lastSweepFailureAt = performance.now();
      }
      return null;
    }
    try {
      return await this.sweep();
    } catch (err) {
      this.lastSweepFailureAt = performance.now();
      this.deps.logger.error({ err }, "stale-run sweep failed");
      return null;
    }
  }

  /**
   * Marks stale runs failed (their final events go to the outbox in the same transaction) and
   * relays them; returns their ids. Runs executing here are never swept, and another coordinator's
   * run only once its heartbeat is older than the TTL (a database blip shorter than the TTL is not
   * a lost coordinator).
   */
  async sweep(): Promise<string[]> {
    const ids = await this.deps.store.failStaleRuns(this.deps.settings.leaseTtlMs, [...this.active.keys()]);
    if (ids.length) {
      this.deps.logger.warn({ runIds: ids }, "marked stale runs failed (coordinator lost)");
      await this.relay.flush();
    }
    return ids;
  }

  /** Validates, plans and (unless dry-run) starts a run; returns at once with its id. */
  async runBatch(input: RunBatchInput): Promise<RunBatchOutcome> {
    if (this.closing) throw new UnavailableError("coordinator is shutting down; retry against another replica or after restart");
    const violations: { field: string; description: string }[] = [];
    if (!VALID_SOURCES.has(input.source)) violations.push({ field: "source", description: `unknown source ${input.source}` });
    const realToday = newYorkDate(this.now());
    if (input.asOf && !isIsoDate(input.asOf)) violations.push({ field: "as_of", description: `not a YYYY-MM-DD date: "${input.asOf}"` });
    else if (input.asOf && input.asOf > realToday)
      violations.push({ field: "as_of", description: `${input.asOf} is in the future (today is ${realToday} in New York)` });
    if (violations.length) throw new InvalidArgumentError("invalid RunBatch request", { violations });
    const clock = input.asOf ? createClock({ asOf: input.asOf }) : this.deps.clock;
    // The range is validated before anything else (pure): a bad request is INVALID_ARGUMENT even while a run holds the lease.
    planRun(input, clock.targetDate());
    const runId = randomUUID();
    const scopeKey = input.portfolioId ? `portfolio:${input.portfolioId}` : "global";
    // A universe run (admin only: no ownership to check first) takes its lease before listing the
    // portfolios, so a conflicting request is refused as soon as the request arrives.
    let lease = !input.portfolioId && !input.dryRun ? await this.acquireLease(scopeKey, runId) : undefined;
    try {
      let portfolios: Portfolio[];
      let owner = "";
      if (input.portfolioId) {
        const p = await this.portfolioFor(input.portfolioId, input.caller);
        portfolios = [p];
        owner = p.owner;
      } else {
        portfolios = await this.listPortfolios([]);
      }
      const plan = planPortfolioRun(input, clock.targetDate(), portfolios.map(portfolioMark));
      const cells = cellList(plan.cells);
      const what = input.portfolioId ? `portfolio ${input.portfolioId}` : "the universe";
      if (plan.upToDate) {
        return {
          runId: "",
          plan,
          cells: [],
          dryRun: input.dryRun,
          alreadyUpToDate: true,
          message: `${what} is already up to date through ${plan.targetDate}: no run needed`,
        };
      }
      if (input.dryRun) {
        return {
          runId: "",
          plan,
          cells,
          dryRun: true,
          alreadyUpToDate: false,
          message: `dry run: ${plan.dates.length} date(s) ${plan.dates[0]}..${plan.dates.at(-1)}; ${cells.length} (portfolio, date) cell(s) over ${plan.cells.byPortfolio.size} portfolio(s)`,
        };
      }
      const inScope = portfolios.filter((p) => plan.cells.byPortfolio.has(p.id));
      const symbols = [...new Set(inScope.flatMap(portfolioSymbols))];
      const scope: RunScope = {
        // A portfolio with only PRIVATE holdings still syncs the factor ETFs, never the whole universe.
        symbols: input.portfolioId ? [...new Set([...symbols, ...FACTOR_ETFS])] : symbols,
        portfolios: inScope.map((p) => p.id),
        universe: !input.portfolioId,
        cells: plan.cells,
      };
      lease ??= await this.acquireLease(scopeKey, runId);
      const held = lease;
      // From here the run owns the lease (startRun releases it if the run cannot be recorded).
      lease = undefined;
      await this.startRun(runId, held.takenOver, input, clock, plan, scope, owner);
      return { runId, plan, cells: [], dryRun: false, alreadyUpToDate: false, message: `run ${runId} started` };
    } finally {
      if (lease) await this.deps.store.releaseLeases(runId);
    }
  }

  /** Takes the lease of a scope for a new run, or answers ALREADY_EXISTS naming the run holding an overlapping one. */
  private async acquireLease(scopeKey: string, runId: string): Promise<{ takenOver: LeaseRow[] }> {
    const { store, settings } = this.deps;
    const lease = await store.acquireLease(scopeKey, runId, settings.holderId, settings.leaseTtlMs);
    if (!lease.acquired) {
      throw new AlreadyExistsError(`run ${lease.conflict.runId} is already running on an overlapping scope (${lease.conflict.scopeKey})`, {
        existingId: lease.conflict.runId,
      });
    }
    // The taken-over runs' final events were written with the takeover; relay them soon.
    if (lease.takenOver.length) this.relay.kick();
    return lease;
  }

  /**
   * OnboardPortfolio (SPEC §4 "Onboarding"): imports the CSV for `owner` (all-or-nothing) and starts
   * its scoped backfill. A rejected file is an answer with every problem and no id, not an error.
   */
  async onboardPortfolio(input: OnboardInput): Promise<OnboardOutcome> {
    if (this.closing) throw new UnavailableError("coordinator is shutting down; retry against another replica or after restart");
    const imported = await this.deps.services.snapshot.importPortfolio(
      { csv: input.csv, name: input.name, startingEquity: input.startingEquity, owner: input.owner, asOfDate: this.deps.clock.today() },
      { timeoutMs: this.deps.settings.rpcTimeoutMs },
    );
    if (imported.errors.length > 0 || !imported.portfolioId) return { portfolioId: "", runId: "", errors: imported.errors };
    try {
      const out = await this.runBatch({
        portfolioId: imported.portfolioId,
        source: RunSource.ONBOARDING,
        forceRerun: false,
        startDate: "",
        endDate: "",
        dryRun: false,
        asOf: "",
        caller: { sub: input.owner, admin: false },
      });
      return { portfolioId: imported.portfolioId, runId: out.runId, errors: [] };
    } catch (err) {
      if (err instanceof AlreadyExistsError) {
        // The portfolio is stored; only its backfill waits for the overlapping (universe) run.
        throw new AlreadyExistsError(
          `portfolio ${imported.portfolioId} imported, but its backfill cannot start: ${err.message}; run it later with RunBatch(portfolio_id)`,
          { existingId: err.existingId },
        );
      }
      throw err;
    }
  }

  /**
   * RemovePortfolio: refused (FAILED_PRECONDITION naming the run) while a run holds the portfolio's
   * lease or the global one; then every service's rows of it go. Each step is idempotent, so a
   * removal retried after a crash finishes.
   */
  async removePortfolio(portfolioId: string, caller: Caller): Promise<RemoveOutcome> {
    await this.portfolioFor(portfolioId, caller, { includeInactive: true });
    const lease = await this.deps.store.liveLease(`portfolio:${portfolioId}`, this.deps.settings.leaseTtlMs);
    if (lease) {
      throw new FailedPreconditionError(
        `run ${lease.runId} is running on ${lease.scopeKey === "global" ? "every portfolio" : `portfolio ${portfolioId}`}; remove the portfolio after it finishes (or cancel it)`,
      );
    }
    await this.removeFromRiskService(portfolioId);
    const res = await this.deps.services.snapshot.deletePortfolio({ portfolioId }, { timeoutMs: this.deps.settings.rpcTimeoutMs });
    return {
      portfolioId,
      snapshotsDeleted: res.snapshotsDeleted,
      positionsDeleted: res.positionsDeleted,
      positionValuesDeleted: res.positionValuesDeleted,
    };
  }

  /**
   * Removes the risk service's rows of a removed portfolio (position betas, exposures, volatility,
   * correlations, stress results) in one transaction there. It runs before the snapshot service's
   * delete so that a crash in between leaves the portfolio listed and the retry complete (a second
   * delete of nothing is harmless).
   */
  private async removeFromRiskService(portfolioId: string): Promise<void> {
    const res = await this.deps.services.risk.deletePortfolioRisk({ portfolioId }, { timeoutMs: this.deps.settings.rpcTimeoutMs });
    this.deps.logger.info({ portfolioId, rowsDeleted: Number(res.rowsDeleted) }, "risk rows of the removed portfolio deleted");
  }

  /**
   * The portfolio, if the caller may act on it: a non-owner gets PERMISSION_DENIED whether or not
   * it exists (so ids cannot be probed); an admin gets NOT_FOUND for a missing one.
   */
  private async portfolioFor(portfolioId: string, caller: Caller, opts: { includeInactive?: boolean } = {}): Promise<Portfolio> {
    const [p] = await this.listPortfolios([portfolioId], opts.includeInactive);
    if (caller.admin) {
      if (!p) throw new NotFoundError(`portfolio ${portfolioId} not found`);
      return p;
    }
    if (!p || p.owner !== caller.sub) throw new PermissionDeniedError(`portfolio ${portfolioId} is not yours`);
    return p;
  }

  private async listPortfolios(portfolioIds: string[], includeInactive = false, includePositions = true): Promise<Portfolio[]> {
    const res = await this.deps.services.snapshot.listPortfolios(
      { portfolioIds, includePositions, includeInactive },
      { timeoutMs: this.deps.settings.rpcTimeoutMs },
    );
    return res.portfolios;
  }

  /** Records the run (its lease already held) with its RunStarted event and starts executing it. */
  private async startRun(
    runId: string,
    takenOver: readonly LeaseRow[],
    input: RunBatchInput,
    clock: Clock,
    plan: PortfolioRunPlan,
    scope: RunScope,
    owner: string,
  ): Promise<void> {
    const { store, settings } = this.deps;
    const scopeKey = input.portfolioId ? `portfolio:${input.portfolioId}` : "global";
    const record: RunRecord = {
      id: runId,
      source: RUN_SOURCE_TO_TEXT[input.source],
      scope: input.portfolioId ? scopeKey : "universe",
      portfolioId: input.portfolioId,
      requestedStartDate: input.startDate,
      requestedEndDate: input.endDate,
      forceRerun: input.forceRerun,
      status: "running",
      asOf: clock.pinned ? clock.today() : "",
      targetDate: plan.targetDate,
      startDate: plan.dates[0]!,
      endDate: plan.dates.at(-1)!,
      datesTotal: plan.dates.length,
      datesCompleted: 0,
      datesFailed: 0,
      phases: this.pipeline.map((s) => emptyPhase(s.phase)),
      problems: [],
      problemsOmitted: 0,
      warnings: takenOver.map((l) => `lease ${l.scopeKey} taken over from run ${l.runId} (heartbeat stale)`),
      errorSummary: "",
      eventsUndelivered: 0,
      holder: settings.holderId,
      // Placeholders until the insert returns the database time.
      startedAt: new Date(0),
      heartbeatAt: new Date(0),
      finishedAt: null,
    };
    // A portfolio run's events name its portfolio: the status service resolves "the portfolio's
    // latest run" and its owner's access by it (universe runs name none: they are operator data).
    const eventPortfolios = input.portfolioId ? [input.portfolioId] : [];
    const reporter = new RunReporter(runId, eventPortfolios, store, this.now, this.deps.logger.child({ runId }), () => this.relay.kick());
    reporter.runStarted({
      source: record.source,
      scope: record.scope,
      startDate: record.startDate,
      endDate: record.endDate,
      datesTotal: record.datesTotal,
      phases: record.phases.map((p) => p.phase),
      forceRerun: record.forceRerun,
      owner,
    });
    try {
      // The run row and its RunStarted event are written together.
      record.startedAt = await store.insert(record, reporter.pending());
      record.heartbeatAt = record.startedAt;
      reporter.committed(reporter.pending().length);
    } catch (err) {
      await store.releaseLeases(runId);
      throw err;
    }
    this.relay.kick();
    const active: ActiveRun = { record, plan, scope, reporter, abort: new AbortController(), stop: null, done: Promise.resolve() };
    this.active.set(runId, active);
    active.done = executeRun(active, {
      store,
      services: this.deps.services,
      pipeline: this.pipeline,
      relay: this.relay,
      logger: this.deps.logger,
      settings,
    })
      .catch((err) => this.deps.logger.error({ err, runId }, "run executor failed unexpectedly"))
      .finally(() => this.active.delete(runId));
  }

  /**
   * Stops a run between batches. Held here: stopped directly. Held by another live coordinator:
   * a cancel request its holder picks up with its next heartbeat. Holder gone (stale heartbeat):
   * marked cancelled here and its lease freed.
   */
  async cancelRun(runId: string, reason = "cancelled by request"): Promise<RunRecord> {
    const active = this.active.get(runId);
    if (active) {
      stopRun(active, { kind: "cancel", reason });
      await active.done;
    } else {
      const outcome = await this.deps.store.requestCancel(runId, reason, this.deps.settings.leaseTtlMs);
      if (outcome === "not_found") throw new NotFoundError(`run ${runId} not found`);
      // Its final event was written to the outbox with the cancel.
      if (outcome === "cancelled") await this.relay.flush();
      if (outcome === "requested") {
        // Give the holder one heartbeat (plus margin) to stop, so the answer usually shows the final state.
        await this.waitUntilFinished(runId, this.deps.settings.heartbeatMs * 3);
      }
    }
    return this.getRun(runId);
  }

  /** Reads a run record (the live in-memory one while it runs here). */
  async getRun(runId: string): Promise<RunRecord> {
    const active = this.active.get(runId);
    if (active) {
      // Live record; events not yet in the stream are those in the outbox (plus any not yet written to it).
      let inOutbox = 0;
      try {
        inOutbox = await this.deps.store.outboxCount(runId);
      } catch (err) {
        // The run itself is in memory: answer with it, and say why the count is partial.
        this.deps.logger.warn(
          { err, runId },
          "outbox count unavailable (database unreachable); events_undelivered shows only unwritten events",
        );
      }
      // Until the executor has written the final record and freed the lease, the run is still
      // running: a caller that sees it finished may start an overlapping run at once.
      return { ...active.record, status: "running", finishedAt: null, eventsUndelivered: inOutbox + active.reporter.pending().length };
    }
    const run = await this.deps.store.get(runId);
    if (!run) throw new NotFoundError(`run ${runId} not found`);
    return run;
  }

  /**
   * Reads a run for `caller`: admins read every run, a user only the runs of a portfolio it owns
   * (the answer is PERMISSION_DENIED whether or not the run exists, so run ids cannot be probed).
   */
  async getRunAs(runId: string, caller: Caller): Promise<RunRecord> {
    if (caller.admin) return this.getRun(runId);
    const denied = () => new PermissionDeniedError("only an admin or the owner of the run's portfolio may read this run");
    let run: RunRecord;
    try {
      run = await this.getRun(runId);
    } catch (err) {
      if (err instanceof NotFoundError) throw denied();
      throw err;
    }
    if (!run.portfolioId) throw denied();
    const [p] = await this.listPortfolios([run.portfolioId], true, false);
    if (p?.owner !== caller.sub) throw denied();
    return run;
  }

  /** Lists run history newest first (limit 0 = 20, at most 500), optionally only runs with `status`. */
  listRuns(limit: number, status?: RunStatusText): Promise<RunRecord[]> {
    if (!Number.isInteger(limit) || limit < 0) {
      throw new InvalidArgumentError("invalid limit", {
        violations: [{ field: "limit", description: `must be 0 (default 20) or positive, got ${limit}` }],
      });
    }
    return this.deps.store.list(Math.min(limit || 20, 500), status);
  }

  /** SIGTERM: cancels every active run (recorded with its true progress) and waits for them. */
  async shutdown(graceMs: number): Promise<void> {
    this.closing = true;
    clearInterval(this.sweepTimer);
    const runs = [...this.active.values()];
    for (const r of runs) stopRun(r, { kind: "cancel", reason: "coordinator shutting down (SIGTERM)" });
    await Promise.race([Promise.allSettled(runs.map((r) => r.done)), new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
    // Rows the relay cannot deliver now stay in the outbox for the next coordinator to relay.
    await this.relay.stop();
  }

  /** Waits for a run started by this process to finish (tests). */
  async waitFor(runId: string): Promise<void> {
    await this.active.get(runId)?.done;
  }

  private async waitUntilFinished(runId: string, maxMs: number): Promise<void> {
    const until = performance.now() + maxMs;
    while (performance.now() < until) {
      const run = await this.deps.store.get(runId);
      if (run?.status !== "running") return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
