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
  RunEventSchema,
  RunFinishedSchema,
  RunStartedSchema,
  type RunEvent,
  SkipCountSchema,
} from "@sigma/contracts";
import type { EventPublisher } from "@sigma/events";
import type { Logger } from "pino";
import type { PhaseCountersRecord } from "./run-record.js";

/**
 * Publishes one run's typed events in order (run_seq 1, 2, ...). Publishing never throws: an
 * event NATS did not accept is counted (the run records `events_undelivered`) and logged.
 */
export class RunReporter {
  private seq = 0;
  private undeliveredCount = 0;

  constructor(
    private readonly runId: string,
    private readonly portfolioIds: string[],
    private readonly publisher: EventPublisher,
    private readonly logger: Logger,
  ) {}

  /** Events that could not be delivered so far. */
  get undelivered(): number {
    return this.undeliveredCount;
  }

  private async emit(payload: RunEvent["payload"]): Promise<void> {
    this.seq += 1;
    const event = create(RunEventSchema, {
      runId: this.runId,
      portfolioIds: this.portfolioIds,
      emittedAt: timestampFromDate(new Date()),
      runSeq: BigInt(this.seq),
      payload,
    });
    let delivered = false;
    try {
      delivered = (await this.publisher.publish(event)).delivered;
    } catch (err) {
      // Publishers are specified not to throw; if one does, the run must still go on.
      this.logger.warn({ err, runSeq: this.seq }, "event publish threw; counted as undelivered");
    }
    if (!delivered) this.undeliveredCount += 1;
  }

  runStarted(p: {
    source: string;
    scope: string;
    startDate: string;
    endDate: string;
    datesTotal: number;
    phases: Phase[];
    forceRerun: boolean;
  }): Promise<void> {
    return this.emit({ case: "runStarted", value: create(RunStartedSchema, p) });
  }

  runFinished(p: {
    status: string;
    errorSummary: string;
    durationSeconds: number;
    datesCompleted: number;
    datesFailed: number;
  }): Promise<void> {
    return this.emit({ case: "runFinished", value: create(RunFinishedSchema, p) });
  }

  phaseStarted(phase: Phase, total: number, unit: string): Promise<void> {
    return this.emit({ case: "phaseStarted", value: create(PhaseStartedSchema, { phase, total: BigInt(total), unit }) });
  }

  phaseProgress(phase: Phase, current: number, total: number, unit: string): Promise<void> {
    return this.emit({
      case: "phaseProgress",
      value: create(PhaseProgressSchema, { phase, current: BigInt(current), total: BigInt(total), unit }),
    });
  }

  phaseFinished(phase: Phase, success: boolean, durationSeconds: number, counters: PhaseCountersRecord, summary: string): Promise<void> {
    return this.emit({
      case: "phaseFinished",
      value: create(PhaseFinishedSchema, { phase, success, durationSeconds, counters: countersToProto(counters), summary }),
    });
  }

  activity(level: ActivityLevel, message: string, extra: { symbol?: string; date?: string; phase?: Phase } = {}): Promise<void> {
    return this.emit({
      case: "activity",
      value: create(ActivityLineSchema, { level, message, symbol: extra.symbol ?? "", date: extra.date ?? "", phase: extra.phase ?? 0 }),
    });
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
 * run_seq of the final event a coordinator publishes for a run it does not hold (recovered,
 * taken over or cancelled offline): above any sequence a real run reaches, so projections apply
 * it after the run's own events, and JetStream de-duplicates repeats of it.
 */
export const TERMINAL_RUN_SEQ = 2n ** 31n - 1n;

/**
 * Publishes the final RunFinished event for a run whose holder is gone, so status views do not
 * show it running forever. Never throws (publishing failures are counted by the publisher).
 */
export async function publishTerminalEvent(
  publisher: EventPublisher,
  runId: string,
  status: string,
  errorSummary: string,
  logger: Logger,
): Promise<void> {
  const event = create(RunEventSchema, {
    runId,
    emittedAt: timestampFromDate(new Date()),
    runSeq: TERMINAL_RUN_SEQ,
    payload: { case: "runFinished", value: create(RunFinishedSchema, { status, errorSummary }) },
  });
  try {
    const r = await publisher.publish(event);
    if (!r.delivered) logger.warn({ runId }, "final event for a recovered run was not delivered");
  } catch (err) {
    logger.warn({ err, runId }, "final event for a recovered run could not be published");
  }
}
