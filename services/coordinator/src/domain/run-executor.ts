import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { type FactorService, type MarketDataService, Phase, phaseInfo } from "@sigma/contracts";
import type { EventPublisher } from "@sigma/events";
import type { Logger } from "pino";
import { runMarketDataPhase } from "../phases/market-data.js";
import { PhaseFailedError, RunCancelledError, type PhaseContext } from "../phases/phase-context.js";
import { runSymbolAnalyticsChunk, type SymbolPhase } from "../phases/symbol-analytics.js";
import type { RunRepository } from "../store/run-repository.js";
import { LeaseKeeper } from "./lease-keeper.js";
import { chunkDates, type RunPlan } from "./planner.js";
import { RunReporter } from "./reporter.js";
import { RUN_SOURCE_TEXT, type PhaseRecord, type RunRecord } from "./run-record.js";

/** Tunables the executor needs. */
export interface ExecutorSettings {
  leaseTtlMs: number;
  heartbeatMs: number;
  chunkSize: number;
  syncBatchSize: number;
  rpcTimeoutMs: number;
}

/** Collaborators of one run's execution. */
export interface ExecutorDeps {
  repo: RunRepository;
  marketData: Client<typeof MarketDataService>;
  factor: Client<typeof FactorService>;
  publisher: EventPublisher;
  logger: Logger;
  settings: ExecutorSettings;
}

/** Why a run is stopping before its end (null while it runs normally). */
export type RunStop = { kind: "cancel"; reason: string } | { kind: "lease_lost"; detail: string } | null;

/** A run executing in this process. */
export interface ActiveRun {
  record: RunRecord;
  plan: RunPlan;
  abort: AbortController;
  stop: RunStop;
  done: Promise<void>;
}

/** The date-level phases run per chunk, in order. */
export const CHUNKED_PHASES: SymbolPhase[] = [Phase.SYMBOL_FACTORS, Phase.SYMBOL_METRICS];

/** Raised when this process no longer owns the run (lease taken over, finalized elsewhere). */
class LeaseLostError extends Error {
  constructor(detail: string) {
    super(`lease lost: ${detail}`);
    this.name = "LeaseLostError";
  }
}

/** Asks a run to stop (cancel or lease loss); the executor notices between batches and via the abort signal. */
export function stopRun(active: ActiveRun, stop: NonNullable<RunStop>): void {
  active.stop ??= stop;
  active.abort.abort(stop.kind === "cancel" ? new RunCancelledError() : new LeaseLostError(stop.detail));
}

/**
 * Executes one run: phase 1 over the whole range (history included), then the date-level phases
 * chunk by chunk, each chunk committed (run record saved) before the next; heartbeats keep the
 * lease; the run record and the event stream always get a final status.
 */
export async function executeRun(active: ActiveRun, deps: ExecutorDeps): Promise<void> {
  const { record: run, plan } = active;
  const { repo, settings } = deps;
  const logger = deps.logger.child({ runId: run.id });
  const reporter = new RunReporter(run.id, run.portfolioId ? [run.portfolioId] : [], deps.publisher, logger);
  const started = Date.now();
  const keeper = new LeaseKeeper(repo, run.id, run.holder, settings, logger, (reason) =>
    stopRun(
      active,
      reason.kind === "cancel_requested"
        ? { kind: "cancel", reason: "cancelled by request" }
        : { kind: "lease_lost", detail: reason.detail },
    ),
  );
  keeper.start();

  const cancelled = () => active.stop !== null;
  /** Saves progress; a refused save means the run is no longer ours. */
  const commit = async () => {
    run.eventsUndelivered = reporter.undelivered;
    if (!(await repo.save(run))) stopRun(active, { kind: "lease_lost", detail: "run record finalized elsewhere" });
  };
  const makeContext = (record: PhaseRecord): PhaseContext => ({
    runId: run.id,
    reporter,
    logger: logger.child({ phase: record.phase }),
    record,
    problem: (p) => run.problems.push(p),
    cancelled,
    signal: active.abort.signal,
  });

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
    for (const w of run.warnings) await reporter.warn(w);

    // Phase 1 covers the whole range plus history in one incremental sync.
    const mdRecord = run.phases.find((p) => p.phase === Phase.MARKET_DATA)!;
    mdRecord.state = "running";
    const t0 = performance.now();
    let md;
    try {
      md = await runMarketDataPhase(makeContext(mdRecord), deps.marketData, {
        symbols: [],
        historyStartDate: plan.historyStartDate,
        endDate: run.endDate,
        force: run.forceRerun,
        batchSize: settings.syncBatchSize,
        timeoutMs: settings.rpcTimeoutMs,
      });
      mdRecord.state = "completed";
    } catch (err) {
      mdRecord.state = active.stop?.kind === "cancel" ? "cancelled" : "failed";
      throw err;
    } finally {
      mdRecord.durationSeconds = (performance.now() - t0) / 1000;
      await reporter.phaseFinished(
        Phase.MARKET_DATA,
        mdRecord.state === "completed",
        mdRecord.durationSeconds,
        mdRecord.counters,
        mdRecord.summary,
      );
      await commit();
    }

    await runChunkedPhases(active, deps, reporter, makeContext, md.available, commit);
    // Losing the run during the last chunk (its final commit refused) is not a completion. A cancel
    // that arrives after every date is committed changes nothing: the run did complete.
    if (active.stop?.kind === "lease_lost") throw new LeaseLostError(active.stop.detail);

    run.status = run.problems.length > 0 || run.warnings.length > 0 ? "completed_with_warnings" : "completed";
    if (run.problems.length > 0) run.warnings.push(`${run.problems.length} data-quality problem(s): ${summarizeProblems(run)}`);
  } catch (err) {
    const stop = active.stop;
    if (stop?.kind === "cancel") {
      run.status = "cancelled";
      run.errorSummary = stop.reason;
    } else {
      run.status = "failed";
      run.errorSummary =
        stop?.kind === "lease_lost"
          ? `lease lost: ${stop.detail}`
          : describeFailure(err, run.phases.find((p) => p.state === "failed")?.phase);
      logger.error({ err }, "run failed");
      await reporter.error(`Run failed: ${run.errorSummary}`);
    }
  } finally {
    await keeper.stop();
    run.finishedAt = new Date();
    // A run that lost its lease was finalized by whoever took it (who published its final
    // event): this process must not publish a contradicting one.
    if (active.stop?.kind !== "lease_lost") {
      await reporter.runFinished({
        status: run.status,
        errorSummary: run.errorSummary,
        durationSeconds: (Date.now() - started) / 1000,
        datesCompleted: run.datesCompleted,
        datesFailed: run.datesFailed,
      });
    }
    run.eventsUndelivered = reporter.undelivered;
    // Event loss does not change the status (the analytics are stored) but is listed.
    if (run.eventsUndelivered > 0) run.warnings.push(`${run.eventsUndelivered} status event(s) could not be published to NATS`);
    await finalSave(repo, run, logger);
    await repo.releaseLeases(run.id).catch((err) => logger.error({ err }, "releasing the lease failed; it expires after the TTL"));
    logger.info({ status: run.status, seconds: (Date.now() - started) / 1000 }, "run finished");
  }
}

/** Phases 1.5 and 1.75, chunk by chunk; each chunk is committed before the next starts. */
async function runChunkedPhases(
  active: ActiveRun,
  deps: ExecutorDeps,
  reporter: RunReporter,
  makeContext: (r: PhaseRecord) => PhaseContext,
  symbols: string[],
  commit: () => Promise<void>,
): Promise<void> {
  const { record: run, plan } = active;
  const total = plan.dates.length;
  const contexts = new Map(CHUNKED_PHASES.map((ph) => [ph, makeContext(run.phases.find((p) => p.phase === ph)!)]));
  const seconds = new Map<Phase, number>();
  const fits = new Map<Phase, number>();
  const seenProblems = new Set<string>();
  for (const ph of CHUNKED_PHASES) {
    contexts.get(ph)!.record.state = "running";
    await reporter.phaseStarted(ph, total, "dates");
  }
  let done = 0;
  let current: Phase = CHUNKED_PHASES[0]!;
  try {
    for (const chunk of chunkDates(plan.dates, deps.settings.chunkSize)) {
      if (active.stop) throw new RunCancelledError();
      for (const ph of CHUNKED_PHASES) {
        current = ph;
        const t0 = performance.now();
        try {
          const { fits: n } = await runSymbolAnalyticsChunk(
            contexts.get(ph)!,
            deps.factor,
            ph,
            { symbols, dates: chunk, timeoutMs: deps.settings.rpcTimeoutMs },
            seenProblems,
          );
          fits.set(ph, (fits.get(ph) ?? 0) + n);
        } finally {
          seconds.set(ph, (seconds.get(ph) ?? 0) + (performance.now() - t0) / 1000);
        }
        await reporter.phaseProgress(ph, done + chunk.length, total, "dates");
      }
      done += chunk.length;
      run.datesCompleted = done;
      await commit();
    }
    for (const ph of CHUNKED_PHASES) {
      const rec = contexts.get(ph)!.record;
      rec.state = "completed";
      rec.durationSeconds = seconds.get(ph) ?? 0;
      const nFits = fits.get(ph) ?? 0;
      rec.summary = `${rec.counters.outputs} rows for ${rec.counters.inputs} symbols over ${total} date(s)${nFits ? ` (${nFits} regressions)` : ""}`;
      await reporter.phaseFinished(ph, true, rec.durationSeconds, rec.counters, rec.summary);
    }
  } catch (err) {
    for (const ph of CHUNKED_PHASES) {
      const rec = contexts.get(ph)!.record;
      rec.durationSeconds = seconds.get(ph) ?? 0;
      const touched = ph === current || rec.counters.outputs > 0;
      const cancel = active.stop?.kind === "cancel";
      if (!touched) rec.state = "pending";
      else if (cancel) rec.state = "cancelled";
      else rec.state = ph === current ? "failed" : "incomplete";
      rec.summary = `${done}/${total} dates committed`;
      if (touched) await reporter.phaseFinished(ph, false, rec.durationSeconds, rec.counters, rec.summary);
    }
    if (active.stop?.kind !== "cancel") run.datesFailed = total - done;
    throw err;
  }
}

/** The final write of a run record, retried: a lost final status is what SPEC §1 forbids. */
async function finalSave(repo: RunRepository, run: RunRecord, logger: Logger): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      if (!(await repo.save(run)))
        logger.warn("final run record not written: the run was finalized elsewhere (lease taken over or cancelled)");
      return;
    } catch (err) {
      if (attempt >= 4) {
        logger.error({ err }, "final run record could not be written; the start-up/periodic sweep will mark it failed");
        return;
      }
      await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
    }
  }
}

/** One line an operator can act on: which phase failed, the status code and the server's message. */
export function describeFailure(err: unknown, phase: Phase | undefined): string {
  const where = phase ? `${phaseInfo(phase).name} failed: ` : "";
  if (err instanceof PhaseFailedError) return where + err.message;
  if (err instanceof ConnectError) return `${where}${Code[err.code]?.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase()}: ${err.rawMessage}`;
  return `${where}${(err as Error)?.name ?? "Error"}: ${(err as Error)?.message ?? String(err)}`;
}

function summarizeProblems(run: RunRecord): string {
  const shown = run.problems.slice(0, 10).map((p) => `${p.symbol}: ${p.message}`);
  return shown.join("; ") + (run.problems.length > 10 ? `; and ${run.problems.length - 10} more` : "");
}
