import { retryWithBackoff, withCorrelation } from "@sigma/runtime";
import { Phase, phaseInfo, SkipReason } from "@sigma/contracts";
import type { Logger } from "pino";
import { chunkDates, chunkDaysForWork, type RunPlan } from "../domain/planner.js";
import type { RunStore } from "../domain/ports.js";
import {
  addProblem,
  type PhaseRecord,
  type PhaseStateText,
  problemCount,
  type ProblemRecord,
  type RunRecord,
} from "../domain/run-record.js";
import {
  DEFAULT_ITEM_SETTINGS,
  type ItemSettings,
  PhaseFailedError,
  type PhaseServices,
  type PhaseStep,
  RunCancelledError,
  type RunScope,
  type StepChunk,
  type StepContext,
  type StepOutcome,
} from "../phases/step.js";
import { describeFailure } from "./describe-failure.js";
import { ITEM_REFERENCE_DATES, itemSizeForDates, MAX_ITEM_PORTFOLIOS, MAX_ITEM_SYMBOLS } from "./fan-out.js";
import { LeaseKeeper } from "./lease-keeper.js";
import type { OutboxRelay } from "./outbox-relay.js";
import type { RunReporter } from "./reporter.js";

/** Tunables the executor needs. */
export interface ExecutorSettings {
  leaseTtlMs: number;
  heartbeatMs: number;
  /** Trading days per chunk; undefined = sized by the run's work ({@link chunkDaysForWork}). */
  chunkSize?: number;
  /** Work budget of one chunk when `chunkSize` is undefined (default DEFAULT_CHUNK_CELLS). */
  chunkCells?: number;
  syncBatchSize: number;
  rpcTimeoutMs: number;
  /** Item fan-out of chunked steps (default DEFAULT_ITEM_SETTINGS). */
  items?: ItemSettings;
  /**
   * How long the final write of a run record is retried while the database is away (default 10
   * min): a lost final status is what SPEC §1 forbids, and an outage of minutes must not lose it.
   */
  finalSaveMaxMs?: number;
}

/** Collaborators of one run's execution. */
export interface ExecutorDeps {
  store: RunStore;
  services: PhaseServices;
  /** The declared steps, in order (phases/index.ts). */
  pipeline: readonly PhaseStep[];
  relay: Pick<OutboxRelay, "kick" | "flush">;
  logger: Logger;
  settings: ExecutorSettings;
}

/** Why a run is stopping before its end (null while it runs normally). */
export type RunStop = { kind: "cancel"; reason: string } | { kind: "lease_lost"; detail: string } | null;

/** A run executing in this process. */
export interface ActiveRun {
  record: RunRecord;
  plan: RunPlan;
  /** What the steps work on at the start (phase 1 narrows the symbols). */
  scope: RunScope;
  reporter: RunReporter;
  abort: AbortController;
  stop: RunStop;
  done: Promise<void>;
}

/** Raised when this process no longer owns the run (lease taken over, finalized elsewhere). */
class LeaseLostError extends Error {
  constructor(detail: string) {
    super(`lease lost: ${detail}`);
    this.name = "LeaseLostError";
  }
}

const DEFAULT_FINAL_SAVE_MAX_MS = 10 * 60_000;

/** Asks a run to stop (cancel or lease loss); the executor notices between batches and via the abort signal. */
export function stopRun(active: ActiveRun, stop: NonNullable<RunStop>): void {
  active.stop ??= stop;
  active.abort.abort(stop.kind === "cancel" ? new RunCancelledError() : new LeaseLostError(stop.detail));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A pipeline cut into runnable groups: a whole-range step alone, or consecutive chunked steps together. */
type StepGroup = { shape: "whole_range"; step: PhaseStep } | { shape: "date_chunks"; steps: PhaseStep[] };

/** Groups consecutive chunked steps (they run chunk by chunk together, each chunk committed once). */
export function groupSteps(pipeline: readonly PhaseStep[]): StepGroup[] {
  const groups: StepGroup[] = [];
  for (const step of pipeline) {
    const last = groups.at(-1);
    if (step.shape === "whole_range") groups.push({ shape: "whole_range", step });
    else if (last?.shape === "date_chunks") last.steps.push(step);
    else groups.push({ shape: "date_chunks", steps: [step] });
  }
  return groups;
}

/**
 * Executes one run over the declared pipeline: whole-range steps over the whole range (history
 * included), chunked steps chunk by chunk, each chunk committed (run record saved, with the events
 * that describe it) before the next; heartbeats keep the lease; the run record and the event
 * outbox always get a final status, even across a database outage of minutes.
 */
export async function executeRun(active: ActiveRun, deps: ExecutorDeps): Promise<void> {
  const exec = new RunExecution(active, deps);
  await exec.execute();
}

class RunExecution {
  private readonly run: RunRecord;
  private readonly logger: Logger;
  private readonly reporter: RunReporter;
  private readonly seenProblems = new Set<string>();
  private scope: RunScope;

  constructor(
    private readonly active: ActiveRun,
    private readonly deps: ExecutorDeps,
  ) {
    this.run = active.record;
    this.reporter = active.reporter;
    this.logger = deps.logger.child({ runId: active.record.id });
    this.scope = active.scope;
  }

  async execute(): Promise<void> {
    const { run, active, deps, reporter, logger } = this;
    const started = performance.now();
    const keeper = new LeaseKeeper(deps.store, run.id, run.holder, deps.settings, logger, (reason) =>
      stopRun(
        active,
        reason.kind === "cancel_requested"
          ? { kind: "cancel", reason: "cancelled by request" }
          : { kind: "lease_lost", detail: reason.detail },
      ),
    );
    keeper.start();
    try {
      const { plan } = active;
      await reporter.info(
        `Plan: ${run.scope}, ${plan.dates.length} date(s) ${run.startDate}..${run.endDate} (target ${run.targetDate}), price history from ${plan.historyStartDate}`,
      );
      for (const w of run.warnings) await reporter.warn(w);
      for (const group of groupSteps(deps.pipeline)) {
        if (group.shape === "whole_range") await this.runWholeRange(group.step);
        else await this.runChunked(group.steps);
      }
      // Losing the run during the last chunk (its final commit refused) is not a completion. A cancel
      // that arrives after every date is committed changes nothing: the run did complete.
      if (active.stop?.kind === "lease_lost") throw new LeaseLostError(active.stop.detail);
      const problems = problemCount(run);
      run.status = problems > 0 || run.warnings.length > 0 ? "completed_with_warnings" : "completed";
      if (problems > 0) run.warnings.push(`${problems} data-quality problem(s): ${summarizeProblems(run)}`);
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
      // A run that lost its lease was finalized by whoever took it (who wrote its final event):
      // this process must not write a contradicting one.
      if (active.stop?.kind !== "lease_lost") {
        reporter.runFinished({
          status: run.status,
          errorSummary: run.errorSummary,
          durationSeconds: (performance.now() - started) / 1000,
          datesCompleted: run.datesCompleted,
          datesFailed: run.datesFailed,
        });
      }
      const written = await this.finalSave();
      // Only now: the keeper heartbeats until the final record is written, because a coordinator
      // waiting out a database outage to write it is alive and must not look lost to a sweep.
      await keeper.stop();
      await deps.store.releaseLeases(run.id).catch((err) => logger.error({ err }, "releasing the lease failed; it expires after the TTL"));
      if (written) await this.reportUndelivered();
      logger.info({ status: run.status, seconds: (performance.now() - started) / 1000 }, "run finished");
    }
  }

  /** One whole-range step (phase 1): one call over every date plus history, then a commit. */
  private async runWholeRange(step: PhaseStep): Promise<void> {
    const { active, reporter } = this;
    const rec = this.record(step);
    if (await this.outOfScope(step, rec)) return;
    rec.state = "running";
    const t0 = performance.now();
    try {
      const out = await this.call(step, rec, { dates: active.plan.dates, historyStartDate: active.plan.historyStartDate });
      this.scope = { ...this.scope, ...out.scope };
      rec.state = "completed";
    } catch (err) {
      rec.state = active.stop?.kind === "cancel" ? "cancelled" : "failed";
      throw err;
    } finally {
      rec.durationSeconds = (performance.now() - t0) / 1000;
      reporter.phaseFinished(step.phase, rec.state, rec.durationSeconds, rec.counters, rec.summary);
      await this.commit();
    }
  }

  /** Consecutive chunked steps (phases 1.5, 1.75), chunk by chunk; each chunk is committed before the next starts. */
  private async runChunked(steps: PhaseStep[]): Promise<void> {
    const { run, active, reporter } = this;
    const total = active.plan.dates.length;
    const live: PhaseStep[] = [];
    for (const s of steps) if (!(await this.outOfScope(s, this.record(s)))) live.push(s);
    const seconds = new Map<Phase, number>();
    const fits = new Map<Phase, number>();
    for (const s of live) {
      this.record(s).state = "running";
      await reporter.phaseStarted(s.phase, total, "dates");
    }
    let done = 0;
    // Steps whose own call failed (a step waiting on a failed one never starts and is not failed itself).
    const failed = new Set<PhaseStep>();
    try {
      for (const chunk of chunkDates(active.plan.dates, this.chunkDays())) {
        if (active.stop) throw new RunCancelledError();
        await this.runChunkSteps(live, chunk, { seconds, fits, failed, done, total });
        done += chunk.length;
        run.datesCompleted = done;
        await this.commit();
      }
      // Too little history is a counted skip per chunk, but a phase with inputs and no row over the
      // whole run produced nothing: that is a failure, never a silent success.
      for (const step of live) {
        const c = this.record(step).counters;
        if (c.inputs > 0 && c.outputs === 0) {
          failed.add(step);
          throw new PhaseFailedError(`${c.inputs} ${unitOf(step)} in scope and no row over ${total} date(s)${skipText(c.skipped)}`);
        }
      }
      for (const step of live) {
        const rec = this.record(step);
        rec.state = "completed";
        rec.durationSeconds = seconds.get(step.phase) ?? 0;
        const nFits = fits.get(step.phase) ?? 0;
        rec.summary = `${rec.counters.outputs} rows for ${rec.counters.inputs} ${step.scope} over ${total} date(s)${nFits ? ` (${nFits} regressions)` : ""}`;
        reporter.phaseFinished(step.phase, "completed", rec.durationSeconds, rec.counters, rec.summary);
      }
    } catch (err) {
      const cancel = active.stop?.kind === "cancel";
      for (const step of live) {
        const rec = this.record(step);
        rec.durationSeconds = seconds.get(step.phase) ?? 0;
        const touched = failed.has(step) || rec.counters.outputs > 0;
        let state: PhaseStateText;
        if (!touched) state = "pending";
        else if (cancel) state = "cancelled";
        else if (failed.has(step)) state = "failed";
        else state = done === total ? "completed" : "incomplete";
        rec.state = state;
        rec.summary = `${done}/${total} dates committed`;
        if (touched) reporter.phaseFinished(step.phase, state, rec.durationSeconds, rec.counters, rec.summary);
      }
      if (!cancel) run.datesFailed = total - done;
      throw err;
    }
  }

  /**
   * One chunk of the group's steps: each step starts once the steps it reads from (PhaseStep.after,
   * default every earlier one) finished the chunk, so independent steps (1.5, 1.75 and 2; then 3, 5
   * and 6) overlap and the services' waits on each other and on Postgres hide behind other work.
   * Waits for every started step, then throws the first failure in pipeline order; a step whose
   * input step failed does not start. Phase seconds are each step's own wall time (they overlap).
   */
  private async runChunkSteps(
    live: readonly PhaseStep[],
    chunk: readonly string[],
    acc: { seconds: Map<Phase, number>; fits: Map<Phase, number>; failed: Set<PhaseStep>; done: number; total: number },
  ): Promise<void> {
    const { active, reporter } = this;
    const finished = new Map<Phase, Promise<void>>();
    const tasks = live.map((step, i) => {
      const inputs = (step.after ?? live.slice(0, i).map((s) => s.phase)).flatMap((p) => finished.get(p) ?? []);
      const task = (async () => {
        await Promise.all(inputs);
        const t0 = performance.now();
        try {
          const out = await this.call(step, this.record(step), { dates: chunk, historyStartDate: active.plan.historyStartDate });
          acc.fits.set(step.phase, (acc.fits.get(step.phase) ?? 0) + (out.fits ?? 0));
        } catch (err) {
          acc.failed.add(step);
          throw err;
        } finally {
          acc.seconds.set(step.phase, (acc.seconds.get(step.phase) ?? 0) + (performance.now() - t0) / 1000);
        }
        await reporter.phaseProgress(step.phase, acc.done + chunk.length, acc.total, "dates");
      })();
      finished.set(step.phase, task);
      return task;
    });
    const settled = await Promise.allSettled(tasks);
    const firstFailure = live.findIndex((step, i) => acc.failed.has(step) && settled[i]!.status === "rejected");
    if (firstFailure >= 0) throw (settled[firstFailure] as PromiseRejectedResult).reason;
  }

  /**
   * Item sizes of this run: the configured ones, scaled up for a run shorter than 21 dates done in
   * one chunk (the daily run), whose items would otherwise each re-read the same long history.
   */
  private itemSettings(): ItemSettings {
    const items = this.deps.settings.items ?? DEFAULT_ITEM_SETTINGS;
    const n = this.active.plan.dates.length;
    if (n >= ITEM_REFERENCE_DATES || this.chunkDays() < n) return items;
    return {
      ...items,
      symbols: itemSizeForDates(items.symbols, n, MAX_ITEM_SYMBOLS),
      portfolios: itemSizeForDates(items.portfolios, n, MAX_ITEM_PORTFOLIOS),
    };
  }

  /** Days per chunk: the configured size, else sized by the scope phase 1 left (symbols + portfolios). */
  private chunkDays(): number {
    const { chunkSize, chunkCells } = this.deps.settings;
    return chunkSize ?? chunkDaysForWork(this.scope.symbols.length + this.scope.portfolios.length, chunkCells);
  }

  /**
   * A step whose scope is empty (e.g. a portfolio phase in a run without portfolios) is recorded,
   * not run; it still starts and finishes on the event stream, so every phase of the run shows an end.
   */
  private async outOfScope(step: PhaseStep, rec: PhaseRecord): Promise<boolean> {
    if (step.scope !== "portfolios" || this.scope.portfolios.length > 0) return false;
    rec.state = "completed";
    rec.summary = "no portfolio in scope";
    await this.reporter.phaseStarted(step.phase, 0, "portfolios");
    this.reporter.phaseFinished(step.phase, "completed", 0, rec.counters, rec.summary);
    return true;
  }

  private record(step: PhaseStep): PhaseRecord {
    const rec = this.run.phases.find((p) => p.phase === step.phase);
    if (!rec) throw new Error(`phase ${Phase[step.phase]} is in the pipeline but not in the run record`);
    return rec;
  }

  /** One call of a step under its deadline, retried as its policy says. */
  private async call(step: PhaseStep, rec: PhaseRecord, chunk: StepChunk): Promise<StepOutcome> {
    const { active, reporter } = this;
    const name = phaseInfo(step.phase).name;
    for (let attempt = 1; ; attempt++) {
      const deadline = AbortSignal.timeout(step.deadlineMs);
      const signal = AbortSignal.any([active.abort.signal, deadline]);
      try {
        // The run id and phase travel as headers on every call the step makes (logs across services).
        return await withCorrelation({ runId: this.run.id, phase: Phase[step.phase] }, () =>
          step.run(this.context(step, rec, signal), chunk),
        );
      } catch (err) {
        if (active.stop) throw err;
        if (deadline.aborted) {
          throw new PhaseFailedError(`deadline of ${step.deadlineMs / 1000} s exceeded for ${chunkText(chunk)}`, {
            cause: err,
          });
        }
        if (attempt >= step.retry.attempts || !step.retry.retryable(err)) throw err;
        const waitMs = step.retry.backoffMs * 2 ** (attempt - 1);
        await reporter.warn(`${name}: ${describeFailure(err, undefined)}; retry ${attempt}/${step.retry.attempts - 1} in ${waitMs} ms`, {
          phase: step.phase,
        });
        await sleep(waitMs);
        if (active.stop) throw err;
      }
    }
  }

  private context(step: PhaseStep, rec: PhaseRecord, signal: AbortSignal): StepContext {
    const { run, active, deps, reporter } = this;
    return {
      runId: run.id,
      reporter,
      logger: this.logger.child({ phase: step.phase }),
      record: rec,
      services: deps.services,
      scope: this.scope,
      force: run.forceRerun,
      syncBatchSize: deps.settings.syncBatchSize,
      items: this.itemSettings(),
      timeoutMs: Math.min(step.deadlineMs, deps.settings.rpcTimeoutMs),
      problem: (p: ProblemRecord) => {
        const key = `${step.phase}:${p.symbol}:${p.reason}:${p.message}`;
        if (this.seenProblems.has(key)) return false;
        this.seenProblems.add(key);
        addProblem(run, p);
        return true;
      },
      cancelled: () => active.stop !== null,
      signal,
    };
  }

  /**
   * Saves progress with the events that describe it. A refused save means the run is no longer
   * ours. A database error is retried (backoff up to 2 s) for as long as the lease is ours: a short
   * outage delays the run, it does not fail it; past the TTL the lease keeper stops the run.
   */
  private async commit(): Promise<void> {
    const { run, active, deps, reporter } = this;
    const saved = await retryWithBackoff(
      async () => {
        const events = [...reporter.pending()];
        const r = await deps.store.save(run, events);
        if (r.saved) reporter.committed(events.length);
        return r;
      },
      {
        // Unbounded in time: the lease keeper ends the run (lease_lost) once the outage outlasts the TTL.
        budgetMs: Number.POSITIVE_INFINITY,
        maxDelayMs: 2000,
        isRetryable: () => active.stop?.kind !== "lease_lost",
        onRetry: (i) => {
          if (i.attempt === 1) this.logger.warn({ err: i.error }, "saving the run record failed; retrying while the lease holds");
        },
      },
    ).catch((err) => {
      if (active.stop?.kind === "lease_lost") throw new LeaseLostError(active.stop.detail);
      throw err;
    });
    if (!saved.saved) {
      stopRun(active, { kind: "lease_lost", detail: "run record finalized elsewhere" });
      return;
    }
    if (saved.at) run.heartbeatAt = saved.at;
    deps.relay.kick();
  }

  /**
   * The final write of a run record (with its RunFinished event), retried with capped backoff for
   * `finalSaveMaxMs`: the database coming back within minutes must still get the true final status.
   */
  private async finalSave(): Promise<boolean> {
    const { run, deps, reporter, logger } = this;
    const maxMs = deps.settings.finalSaveMaxMs ?? DEFAULT_FINAL_SAVE_MAX_MS;
    try {
      const r = await retryWithBackoff(
        async () => {
          const events = [...reporter.pending()];
          const saved = await deps.store.save(run, events);
          if (saved.saved) reporter.committed(events.length);
          return saved;
        },
        {
          budgetMs: maxMs,
          // Capped at 2 s: the record lands within 2 s of the database's return (before any sweep).
          baseDelayMs: 250,
          maxDelayMs: 2000,
          isRetryable: () => true,
          onRetry: (i) => {
            if (i.attempt === 1) logger.warn({ err: i.error }, "final run record write failed; retrying until the database is back");
          },
        },
      );
      if (!r.saved) {
        logger.warn("final run record not written: the run was finalized elsewhere (lease taken over or cancelled)");
        return false;
      }
      run.finishedAt = r.at ?? null;
      deps.relay.kick();
      return true;
    } catch (err) {
      logger.error({ err, waitedMs: maxMs }, "final run record could not be written; the sweep will mark the run failed");
      return false;
    }
  }

  /** Tries to publish the run's events now; any still in the outbox are listed on the run as a warning. */
  private async reportUndelivered(): Promise<void> {
    const { run, deps, logger } = this;
    try {
      await deps.relay.flush();
      const left = (await deps.store.outboxCount(run.id)) + this.reporter.pending().length;
      run.eventsUndelivered = left;
      if (left > 0) {
        // Event delay does not change the status (the analytics are stored) but is listed.
        const warning = `${left} status event(s) could not be published to NATS yet; kept in the outbox and relayed when it is back`;
        run.warnings.push(warning);
        await deps.store.addWarning(run.id, warning);
      }
    } catch (err) {
      logger.warn({ err }, "could not check the event outbox after the run");
    }
  }
}

/** What a step's inputs are, for messages. */
function unitOf(step: PhaseStep): string {
  return step.scope === "portfolios" ? "portfolio(s)" : "symbol(s)";
}

function chunkText(chunk: StepChunk): string {
  return chunk.dates.length > 1 ? `${chunk.dates[0]}..${chunk.dates.at(-1)}` : (chunk.dates[0] ?? "");
}

function skipText(skipped: PhaseRecord["counters"]["skipped"]): string {
  const parts = Object.entries(skipped)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([reason, n]) => `${SkipReason[Number(reason)] ?? reason} ${n}`);
  return parts.length ? ` (skipped: ${parts.join(", ")})` : "";
}

function summarizeProblems(run: RunRecord): string {
  const total = problemCount(run);
  const shown = run.problems.slice(0, 10).map((p) => `${p.symbol}: ${p.message}`);
  return shown.join("; ") + (total > 10 ? `; and ${total - 10} more` : "");
}
