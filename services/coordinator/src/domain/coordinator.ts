import { randomUUID } from "node:crypto";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { createClock, type Clock } from "@sigma/calendar";
import { type FactorService, type MarketDataService, Phase, phaseInfo, RunSource } from "@sigma/contracts";
import type { EventPublisher } from "@sigma/events";
import { AlreadyExistsError, NotFoundError, UnimplementedError } from "@sigma/runtime";
import type { Logger } from "pino";
import { runMarketDataPhase } from "../phases/market-data.js";
import { runSymbolAnalyticsChunk, type SymbolPhase } from "../phases/symbol-analytics.js";
import { PhaseFailedError, RunCancelledError, type PhaseContext } from "../phases/phase-context.js";
import type { RunRepository } from "../store/run-repository.js";
import { chunkDates, planRun, type RunPlan } from "./planner.js";
import { RunReporter } from "./reporter.js";
import { RUN_SOURCE_TEXT, type PhaseRecord, type RunRecord, type RunStatusText } from "./run-record.js";

/** Tunables of the coordinator (validated by main.ts from the environment). */
export interface CoordinatorSettings {
  /** Identifies this coordinator process in leases and run rows. */
  holderId: string;
  /** A lease whose heartbeat is older than this may be taken over (SPEC §4: 60 s). */
  leaseTtlMs: number;
  heartbeatMs: number;
  /** Trading dates per chunk (SPEC §4: e.g. 21). */
  chunkSize: number;
  /** Symbols per SyncPrices call. */
  syncBatchSize: number;
  /** Deadline of one phase RPC. */
  rpcTimeoutMs: number;
}

/** Collaborators injected by main.ts (side effects live there). */
export interface CoordinatorDeps {
  repo: RunRepository;
  marketData: Client<typeof MarketDataService>;
  factor: Client<typeof FactorService>;
  publisher: EventPublisher;
  clock: Clock;
  logger: Logger;
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

/** The date-level phases run per chunk, in order. */
const CHUNKED_PHASES: SymbolPhase[] = [Phase.SYMBOL_FACTORS, Phase.SYMBOL_METRICS];

interface ActiveRun {
  record: RunRecord;
  plan: RunPlan;
  abort: AbortController;
  cancelReason: string | null;
  done: Promise<void>;
}

const emptyPhase = (phase: Phase): PhaseRecord => ({
  phase,
  state: "pending",
  durationSeconds: 0,
  counters: { inputs: 0, outputs: 0, skipped: {} },
  summary: "",
});

/**
 * Sequences batch runs: validates and plans a request, takes the lease, records the run, and
 * executes phases in chunks with heartbeats, events and cancellation between batches.
 */
export class Coordinator {
  private readonly active = new Map<string, ActiveRun>();

  constructor(private readonly deps: CoordinatorDeps) {}

  /** Start-up recovery: runs left "running" by a lost coordinator are marked failed. */
  async recover(): Promise<string[]> {
    const ids = await this.deps.repo.failStaleRuns(new Date(), this.deps.settings.leaseTtlMs);
    if (ids.length) this.deps.logger.warn({ runIds: ids }, "marked stale runs failed (coordinator lost)");
    return ids;
  }

  /** Validates, plans and (unless dry-run) starts a run; returns at once with its id. */
  async runBatch(input: RunBatchInput): Promise<RunBatchOutcome> {
    if (input.portfolioId) {
      throw new UnimplementedError(
        "portfolio-scoped runs (portfolio import, snapshots and per-portfolio watermarks are not built yet)",
      );
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
    const now = new Date();
    const runId = randomUUID();
    const scopeKey = "global";
    const lease = await this.deps.repo.acquireLease(scopeKey, runId, this.deps.settings.holderId, now, this.deps.settings.leaseTtlMs);
    if (!lease.acquired) {
      throw new AlreadyExistsError(`run ${lease.conflict.runId} is already running on an overlapping scope`, { existingId: lease.conflict.runId });
    }
    const record: RunRecord = {
      id: runId,
      source: input.source || RunSource.MANUAL,
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
      holder: this.deps.settings.holderId,
      startedAt: now,
      heartbeatAt: now,
      finishedAt: null,
    };
    try {
      await this.deps.repo.insert(record);
    } catch (err) {
      await this.deps.repo.releaseLeases(runId);
      throw err;
    }
    const active: ActiveRun = { record, plan, abort: new AbortController(), cancelReason: null, done: Promise.resolve() };
    this.active.set(runId, active);
    active.done = this.execute(active).finally(() => this.active.delete(runId));
    return { runId, plan, dryRun: false, alreadyUpToDate: false, message: `run ${runId} started` };
  }

  /** Asks a run to stop between batches; a run not held by this process is marked cancelled directly. */
  async cancelRun(runId: string, reason = "cancelled by request"): Promise<RunRecord> {
    const active = this.active.get(runId);
    if (active) {
      active.cancelReason ??= reason;
      active.abort.abort(new RunCancelledError());
      await active.done;
    } else {
      const run = await this.deps.repo.get(runId);
      if (!run) throw new NotFoundError(`run ${runId} not found`);
      if (run.status === "running") {
        // Held by a lost coordinator (or another replica): record the cancel and free its lease.
        run.status = "cancelled";
        run.errorSummary = run.errorSummary || reason;
        run.finishedAt = new Date();
        await this.deps.repo.save(run);
        await this.deps.repo.releaseLeases(runId);
      }
    }
    const run = await this.deps.repo.get(runId);
    if (!run) throw new NotFoundError(`run ${runId} not found`);
    return run;
  }

  /** Reads a run record. */
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
    const runs = [...this.active.values()];
    for (const r of runs) {
      r.cancelReason ??= "coordinator shutting down (SIGTERM)";
      r.abort.abort(new RunCancelledError());
    }
    await Promise.race([
      Promise.allSettled(runs.map((r) => r.done)),
      new Promise((resolve) => setTimeout(resolve, graceMs).unref()),
    ]);
  }

  /** Waits for a run started by this process to finish (tests, the CLI's in-process mode). */
  async waitFor(runId: string): Promise<void> {
    await this.active.get(runId)?.done;
  }

  private async execute(active: ActiveRun): Promise<void> {
    const { record: run, plan } = active;
    const { repo, logger: rootLogger, settings } = this.deps;
    const logger = rootLogger.child({ runId: run.id });
    const reporter = new RunReporter(run.id, run.portfolioId ? [run.portfolioId] : [], this.deps.publisher, logger);
    const started = Date.now();
    const heartbeat = setInterval(() => {
      run.heartbeatAt = new Date();
      repo.heartbeat(run.id, run.heartbeatAt).catch((err) => logger.error({ err }, "heartbeat write failed"));
    }, settings.heartbeatMs);
    heartbeat.unref();

    const cancelled = () => active.cancelReason !== null;
    const makeContext = (record: PhaseRecord): PhaseContext => ({
      runId: run.id,
      reporter,
      logger: logger.child({ phase: record.phase }),
      record,
      problem: (p) => run.problems.push(p),
      cancelled,
      signal: active.abort.signal,
    });
    const runPhase = async <T>(phase: Phase, step: (ctx: PhaseContext) => Promise<T>): Promise<T> => {
      const record = run.phases.find((p) => p.phase === phase)!;
      record.state = "running";
      const t0 = performance.now();
      try {
        const out = await step(makeContext(record));
        record.state = "completed";
        return out;
      } catch (err) {
        record.state = "failed";
        throw err;
      } finally {
        record.durationSeconds = (performance.now() - t0) / 1000;
        await reporter.phaseFinished(phase, record.state === "completed", record.durationSeconds, record.counters, record.summary);
        run.eventsUndelivered = reporter.undelivered;
        await repo.save(run);
      }
    };

    try {
      await reporter.runStarted({
        source: RUN_SOURCE_TEXT[run.source],
        scope: run.scope,
        startDate: run.startDate,
        endDate: run.endDate,
        datesTotal: run.datesTotal,
        phases: run.phases.map((p) => p.phase),
        forceRerun: run.forceRerun,
      });
      await reporter.info(
        `Plan: ${run.scope}, ${plan.dates.length} date(s) ${run.startDate}..${run.endDate} (target ${run.targetDate}), price history from ${plan.historyStartDate}`,
      );
      const md = await runPhase(Phase.MARKET_DATA, (ctx) =>
        runMarketDataPhase(ctx, this.deps.marketData, {
          symbols: [],
          historyStartDate: plan.historyStartDate,
          endDate: run.endDate,
          force: run.forceRerun,
          batchSize: settings.syncBatchSize,
          timeoutMs: settings.rpcTimeoutMs,
        }),
      );
      // Date chunks: every date-level phase runs on a chunk and commits before the next chunk
      // starts, so a crash leaves a consistent prefix (SPEC §4 "Chunks").
      const chunks = chunkDates(plan.dates, settings.chunkSize);
      const contexts = new Map(CHUNKED_PHASES.map((ph) => [ph, makeContext(run.phases.find((p) => p.phase === ph)!)]));
      const timers = new Map<Phase, number>();
      const seenProblems = new Set<string>();
      for (const ph of CHUNKED_PHASES) {
        contexts.get(ph)!.record.state = "running";
        await reporter.phaseStarted(ph, plan.dates.length, "dates");
      }
      let done = 0;
      let current: Phase = CHUNKED_PHASES[0]!;
      try {
        for (const chunk of chunks) {
          if (cancelled()) throw new RunCancelledError();
          for (const ph of CHUNKED_PHASES) {
            current = ph;
            const t0 = performance.now();
            await runSymbolAnalyticsChunk(contexts.get(ph)!, this.deps.factor, ph, { symbols: md.available, dates: chunk, timeoutMs: settings.rpcTimeoutMs }, seenProblems);
            timers.set(ph, (timers.get(ph) ?? 0) + (performance.now() - t0) / 1000);
            await reporter.phaseProgress(ph, done + chunk.length, plan.dates.length, "dates");
          }
          done += chunk.length;
          run.datesCompleted = done;
          run.heartbeatAt = new Date();
          await repo.save(run);
        }
        for (const ph of CHUNKED_PHASES) {
          const rec = contexts.get(ph)!.record;
          rec.state = "completed";
          rec.durationSeconds = timers.get(ph) ?? 0;
          rec.summary = `${rec.counters.outputs} rows for ${rec.counters.inputs} symbols over ${plan.dates.length} date(s)`;
          await reporter.phaseFinished(ph, true, rec.durationSeconds, rec.counters, rec.summary);
        }
      } catch (err) {
        // The phase that threw failed; the others stop where they were (pending if never run).
        for (const ph of CHUNKED_PHASES) {
          const rec = contexts.get(ph)!.record;
          rec.durationSeconds = timers.get(ph) ?? 0;
          if (cancelled()) rec.state = "cancelled";
          else rec.state = ph === current ? "failed" : rec.counters.outputs > 0 ? "incomplete" : "pending";
          await reporter.phaseFinished(ph, false, rec.durationSeconds, rec.counters, rec.summary);
        }
        if (!cancelled()) run.datesFailed = plan.dates.length - done;
        throw err;
      } finally {
        run.eventsUndelivered = reporter.undelivered;
        await repo.save(run);
      }
      run.status = run.problems.length > 0 || run.warnings.length > 0 ? "completed_with_warnings" : "completed";
      if (run.problems.length > 0) {
        run.warnings.push(`${run.problems.length} data-quality problem(s): ${summarizeProblems(run)}`);
      }
    } catch (err) {
      if (cancelled()) {
        run.status = "cancelled";
        run.errorSummary = active.cancelReason ?? "cancelled";
      } else {
        run.status = "failed";
        run.errorSummary = describeFailure(err, run.phases.find((p) => p.state === "failed")?.phase);
        logger.error({ err }, "run failed");
        await reporter.error(`Run failed: ${run.errorSummary}`);
      }
    } finally {
      clearInterval(heartbeat);
      run.finishedAt = new Date();
      await reporter.runFinished({
        status: run.status,
        errorSummary: run.errorSummary,
        durationSeconds: (Date.now() - started) / 1000,
        datesCompleted: run.datesCompleted,
        datesFailed: run.datesFailed,
      });
      run.eventsUndelivered = reporter.undelivered;
      if (run.eventsUndelivered > 0) {
        run.warnings.push(`${run.eventsUndelivered} status event(s) could not be published to NATS`);
      }
      try {
        await repo.save(run);
      } finally {
        await repo.releaseLeases(run.id);
      }
      logger.info({ status: run.status, seconds: (Date.now() - started) / 1000 }, "run finished");
    }
  }
}

/** One line an operator can act on: which phase failed, the status code and the server's message. */
function describeFailure(err: unknown, phase: Phase | undefined): string {
  const where = phase ? `${phaseInfo(phase).name} failed: ` : "";
  if (err instanceof PhaseFailedError) return where + err.message;
  if (err instanceof ConnectError) return `${where}${Code[err.code]?.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase()}: ${err.rawMessage}`;
  return `${where}${(err as Error)?.name ?? "Error"}: ${(err as Error)?.message ?? String(err)}`;
}

function summarizeProblems(run: RunRecord): string {
  const shown = run.problems.slice(0, 10).map((p) => `${p.symbol}: ${p.message}`);
  return shown.join("; ") + (run.problems.length > 10 ? `; and ${run.problems.length - 10} more` : "");
}
