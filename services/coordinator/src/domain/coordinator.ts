import { randomUUID } from "node:crypto";
import { createClock, isIsoDate, newYorkDate, type Clock } from "@sigma/calendar";
import { Phase, RunSource } from "@sigma/contracts";
import { AlreadyExistsError, InvalidArgumentError, NotFoundError, UnavailableError, UnimplementedError } from "@sigma/runtime";
import { planRun, type RunPlan } from "./planner.js";
import { publishTerminalEvent } from "./reporter.js";
import { type ActiveRun, executeRun, type ExecutorDeps, type ExecutorSettings, stopRun } from "./run-executor.js";
import type { PhaseRecord, RunRecord, RunStatusText } from "./run-record.js";

/** Tunables of the coordinator (validated by main.ts from the environment). */
export interface CoordinatorSettings extends ExecutorSettings {
  /** Identifies this coordinator process in leases and run rows. */
  holderId: string;
}

/** Collaborators injected by main.ts (side effects live there): the executor's plus the clock. */
export interface CoordinatorDeps extends ExecutorDeps {
  clock: Clock;
  settings: CoordinatorSettings;
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
}

/** The answer to RunBatch. */
export interface RunBatchOutcome {
  runId: string;
  plan: RunPlan;
  dryRun: boolean;
  alreadyUpToDate: boolean;
  message: string;
}

/** The phases this build runs, in order. Later phases join this list as they are built. */
export const LIVE_PHASES: Phase[] = [Phase.MARKET_DATA, Phase.SYMBOL_FACTORS, Phase.SYMBOL_METRICS];

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

  /** @throws RangeError when the heartbeat is not well inside the lease TTL (≤ TTL/3). */
  constructor(private readonly deps: CoordinatorDeps) {
    const { heartbeatMs, leaseTtlMs } = deps.settings;
    if (heartbeatMs * 3 > leaseTtlMs) {
      throw new RangeError(`heartbeat interval ${heartbeatMs} ms must be at most a third of the lease TTL ${leaseTtlMs} ms`);
    }
  }

  /**
   * Start-up recovery plus a periodic sweep (every TTL/2): runs left "running" by a dead
   * coordinator are marked failed ("coordinator lost") and a final event is published for each,
   * so neither the run history nor the status page shows them running forever.
   */
  async start(): Promise<string[]> {
    const ids = await this.sweep();
    this.sweepTimer = setInterval(
      () => {
        this.sweep().catch((err) => this.deps.logger.error({ err }, "stale-run sweep failed"));
      },
      Math.max(1000, this.deps.settings.leaseTtlMs / 2),
    );
    this.sweepTimer.unref();
    return ids;
  }

  /** Marks stale runs failed and publishes their final events; returns their ids. */
  async sweep(): Promise<string[]> {
    const ids = await this.deps.repo.failStaleRuns(this.deps.settings.leaseTtlMs, [...this.active.keys()]);
    if (ids.length) this.deps.logger.warn({ runIds: ids }, "marked stale runs failed (coordinator lost)");
    for (const id of ids)
      await publishTerminalEvent(this.deps.publisher, id, "failed", "coordinator lost (heartbeat stale)", this.deps.logger);
    return ids;
  }

  /** Validates, plans and (unless dry-run) starts a run; returns at once with its id. */
  async runBatch(input: RunBatchInput): Promise<RunBatchOutcome> {
    if (this.closing) throw new UnavailableError("coordinator is shutting down; retry against another replica or after restart");
    const violations: { field: string; description: string }[] = [];
    if (!VALID_SOURCES.has(input.source)) violations.push({ field: "source", description: `unknown source ${input.source}` });
    const realToday = newYorkDate(new Date());
    if (input.asOf && !isIsoDate(input.asOf)) violations.push({ field: "as_of", description: `not a YYYY-MM-DD date: "${input.asOf}"` });
    else if (input.asOf && input.asOf > realToday)
      violations.push({ field: "as_of", description: `${input.asOf} is in the future (today is ${realToday} in New York)` });
    if (violations.length) throw new InvalidArgumentError("invalid RunBatch request", { violations });
    if (input.portfolioId) {
      throw new UnimplementedError("portfolio-scoped runs (portfolio import, snapshots and per-portfolio watermarks are not built yet)");
    }
    const clock = input.asOf ? createClock({ asOf: input.asOf }) : this.deps.clock;
    const plan = planRun(input, clock.targetDate());
    if (input.dryRun) {
      return {
        runId: "",
        plan,
        dryRun: true,
        alreadyUpToDate: false,
        message: `dry run: ${plan.dates.length} date(s) ${plan.dates[0]}..${plan.dates.at(-1)}; no portfolio in scope, so no (portfolio, date) cells`,
      };
    }
    const { repo, settings } = this.deps;
    const runId = randomUUID();
    const lease = await repo.acquireLease("global", runId, settings.holderId, settings.leaseTtlMs);
    if (!lease.acquired) {
      throw new AlreadyExistsError(`run ${lease.conflict.runId} is already running on an overlapping scope`, {
        existingId: lease.conflict.runId,
      });
    }
    for (const old of lease.takenOver) {
      await publishTerminalEvent(
        this.deps.publisher,
        old.runId,
        "failed",
        `lease taken over by run ${runId} (heartbeat stale)`,
        this.deps.logger,
      );
    }
    const now = new Date();
    const record: RunRecord = {
      id: runId,
      source: input.source,
      scope: "universe",
      portfolioId: "",
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
      phases: LIVE_PHASES.map(emptyPhase),
      problems: [],
      warnings: lease.takenOver.map((l) => `lease ${l.scopeKey} taken over from run ${l.runId} (heartbeat stale)`),
      errorSummary: "",
      eventsUndelivered: 0,
      holder: settings.holderId,
      startedAt: now,
      heartbeatAt: now,
      finishedAt: null,
    };
    try {
      await repo.insert(record);
    } catch (err) {
      await repo.releaseLeases(runId);
      throw err;
    }
    const active: ActiveRun = { record, plan, abort: new AbortController(), stop: null, done: Promise.resolve() };
    this.active.set(runId, active);
    active.done = executeRun(active, this.deps)
      .catch((err) => this.deps.logger.error({ err, runId }, "run executor failed unexpectedly"))
      .finally(() => this.active.delete(runId));
    return { runId, plan, dryRun: false, alreadyUpToDate: false, message: `run ${runId} started` };
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
      const outcome = await this.deps.repo.requestCancel(runId, reason, this.deps.settings.leaseTtlMs);
      if (outcome === "not_found") throw new NotFoundError(`run ${runId} not found`);
      if (outcome === "cancelled") await publishTerminalEvent(this.deps.publisher, runId, "cancelled", reason, this.deps.logger);
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
    if (active) return active.record;
    const run = await this.deps.repo.get(runId);
    if (!run) throw new NotFoundError(`run ${runId} not found`);
    return run;
  }

  /** Lists run history newest first. */
  listRuns(limit: number, status?: RunStatusText): Promise<RunRecord[]> {
    return this.deps.repo.list(Math.min(Math.max(limit || 20, 1), 500), status);
  }

  /** SIGTERM: cancels every active run (recorded with its true progress) and waits for them. */
  async shutdown(graceMs: number): Promise<void> {
    this.closing = true;
    clearInterval(this.sweepTimer);
    const runs = [...this.active.values()];
    for (const r of runs) stopRun(r, { kind: "cancel", reason: "coordinator shutting down (SIGTERM)" });
    await Promise.race([Promise.allSettled(runs.map((r) => r.done)), new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
  }

  /** Waits for a run started by this process to finish (tests). */
  async waitFor(runId: string): Promise<void> {
    await this.active.get(runId)?.done;
  }

  private async waitUntilFinished(runId: string, maxMs: number): Promise<void> {
    const until = Date.now() + maxMs;
    while (Date.now() < until) {
      const run = await this.deps.repo.get(runId);
      if (run?.status !== "running") return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
