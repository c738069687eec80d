import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  ActivityLevel,
  ActivityLineSchema,
  type Phase,
  PhaseCountersSchema,
  PhaseFinishedSchema,
  PhaseProgressSchema,
  PhaseStartedSchema,
  type RunEvent,
  RunEventSchema,
  RunFinishedSchema,
  RunStartedSchema,
  SkipCountSchema,
} from "@sigma/contracts";
import { encodeRunEvent } from "@sigma/events";
import type { Logger } from "pino";
import type { FinalEventEncoder, OutboxEvent, RunStore } from "../domain/ports.js";
import type { PhaseCountersRecord, PhaseStateText, RunStatusText } from "../domain/run-record.js";
import { PHASE_STATE_TO_PROTO, RUN_STATUS_TO_PROTO } from "./status-enums.js";

/** Converts one RunEvent to its outbox form. */
export function toOutboxEvent(event: RunEvent): OutboxEvent {
  return { runId: event.runId, runSeq: event.runSeq, payload: encodeRunEvent(event) };
}

/**
 * Builds one run's typed events in order (run_seq 1, 2, ...) and hands them to the outbox. Events
 * that describe a run-record change (run started/finished, phase finished) wait for the next save,
 * which writes them in the same transaction; the others (progress, activity lines) are appended at
 * once. Reporting never throws: an append the database refused stays pending and goes with the
 * next write, so events are delayed, never reordered or dropped silently.
 */
export class RunReporter {
  private seq = 0;
  private pendingEvents: OutboxEvent[] = [];
  private appendFailures = 0;

  constructor(
    private readonly runId: string,
    private readonly portfolioIds: string[],
    private readonly store: Pick<RunStore, "appendEvents">,
    private readonly now: () => Date,
    private readonly logger: Logger,
    /** Called after events reached the outbox (wakes the relay, so progress shows without a poll delay). */
    private readonly onWritten: () => void = () => {},
  ) {}

  /** Events built but not yet in the outbox (they go with the next save). */
  pending(): readonly OutboxEvent[] {
    return this.pendingEvents;
  }

  /** Drops the first `n` pending events: a save wrote them. */
  committed(n: number): void {
    this.pendingEvents = this.pendingEvents.slice(n);
  }

  private build(payload: RunEvent["payload"]): void {
    this.seq += 1;
    const event = create(RunEventSchema, {
      runId: this.runId,
      portfolioIds: this.portfolioIds,
      emittedAt: timestampFromDate(this.now()),
      runSeq: BigInt(this.seq),
      payload,
    });
    this.pendingEvents.push(toOutboxEvent(event));
  }

  /** Appends pending events now (with anything still pending before them, in order). */
  private async appendNow(): Promise<void> {
    const batch = this.pendingEvents;
    if (batch.length === 0) return;
    try {
      await this.store.appendEvents(batch);
      this.committed(batch.length);
      this.onWritten();
      if (this.appendFailures > 0) this.logger.info({ failures: this.appendFailures }, "run events reach the outbox again");
      this.appendFailures = 0;
    } catch (err) {
      // The database is away: keep them pending; the next append or save writes them in order.
      if (this.appendFailures++ === 0) this.logger.warn({ err, pending: batch.length }, "run events kept in memory: outbox write failed");
    }
  }

  runStarted(p: {
    source: string;
    scope: string;
    startDate: string;
    endDate: string;
    datesTotal: number;
    phases: Phase[];
    forceRerun: boolean;
    /** Owner of the scoped portfolio ("" for universe runs). */
    owner: string;
  }): void {
    this.build({ case: "runStarted", value: create(RunStartedSchema, p) });
  }

  /** Queued for the final save (same transaction as the final run record). */
  runFinished(p: {
    status: RunStatusText;
    errorSummary: string;
    durationSeconds: number;
    datesCompleted: number;
    datesFailed: number;
  }): void {
    this.build({
      case: "runFinished",
      value: create(RunFinishedSchema, { ...p, status: p.status, runStatus: RUN_STATUS_TO_PROTO[p.status] }),
    });
  }

  phaseStarted(phase: Phase, total: number, unit: string): Promise<void> {
    this.build({ case: "phaseStarted", value: create(PhaseStartedSchema, { phase, total: BigInt(total), unit }) });
    return this.appendNow();
  }

  phaseProgress(phase: Phase, current: number, total: number, unit: string): Promise<void> {
    this.build({
      case: "phaseProgress",
      value: create(PhaseProgressSchema, { phase, current: BigInt(current), total: BigInt(total), unit }),
    });
    return this.appendNow();
  }

  /** Queued for the next save (the run record's phase entry changes with it). */
  phaseFinished(phase: Phase, state: PhaseStateText, durationSeconds: number, counters: PhaseCountersRecord, summary: string): void {
    this.build({
      case: "phaseFinished",
      value: create(PhaseFinishedSchema, {
        phase,
        success: state === "completed",
        state: PHASE_STATE_TO_PROTO[state],
        durationSeconds,
        counters: countersToProto(counters),
        summary,
      }),
    });
  }

  activity(level: ActivityLevel, message: string, extra: { symbol?: string; date?: string; phase?: Phase } = {}): Promise<void> {
    this.build({
      case: "activity",
      value: create(ActivityLineSchema, { level, message, symbol: extra.symbol ?? "", date: extra.date ?? "", phase: extra.phase ?? 0 }),
    });
    return this.appendNow();
  }

  info(message: string, extra?: { symbol?: string; date?: string; phase?: Phase }): Promise<void> {
    return this.activity(ActivityLevel.INFO, message, extra);
  }

  warn(message: string, extra?: { symbol?: string; date?: string; phase?: Phase }): Promise<void> {
    return this.activity(ActivityLevel.WARNING, message, extra);
  }

  error(message: string, extra?: { symbol?: string; date?: string; phase?: Phase }): Promise<void> {
    return this.activity(ActivityLevel.ERROR, message, extra);
  }
}

/** Converts a counters record to its Protobuf form (skip reasons sorted by enum value). */
export function countersToProto(c: PhaseCountersRecord) {
  return create(PhaseCountersSchema, {
    inputs: BigInt(c.inputs),
    outputs: BigInt(c.outputs),
    skipped: Object.entries(c.skipped)
      .map(([reason, count]) => create(SkipCountSchema, { reason: Number(reason), count: BigInt(count ?? 0) }))
      .sort((a, b) => a.reason - b.reason),
  });
}

/**
 * run_seq of the final event written for a run its holder did not finish (recovered, taken over or
 * cancelled offline): above any sequence a real run reaches, so projections apply it after the run's
 * own events, and JetStream de-duplicates repeats of it.
 */
export const TERMINAL_RUN_SEQ = 2n ** 31n - 1n;

/** The final event of a run finalized by someone other than its holder (written with that change). */
export function terminalEventEncoder(now: () => Date): FinalEventEncoder {
  return (runId, status, errorSummary) =>
    toOutboxEvent(
      create(RunEventSchema, {
        runId,
        emittedAt: timestampFromDate(now()),
        runSeq: TERMINAL_RUN_SEQ,
        payload: {
          case: "runFinished",
          value: create(RunFinishedSchema, { status, runStatus: RUN_STATUS_TO_PROTO[status], errorSummary }),
        },
      }),
    );
}
