import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  ActivityLevel,
  ActivityLineSchema,
  PhaseFinishedSchema,
  PhaseProgressSchema,
  PhaseStartedSchema,
  RunEventSchema,
  RunFinishedSchema,
  RunStartedSchema,
  type Phase,
  PhaseState,
  type RunEvent,
  type RunStatus,
} from "@sigma/contracts";

/**
 * Builds the event sequence of one run the way the coordinator publishes it: run_seq counts
 * from 1 and emitted_at advances by a fixed step per event. For tests and demos (deterministic:
 * no clock, no randomness).
 */
export class RunEventBuilder {
  private runSeq = 0;
  private ms: number;

  /**
   * @param runId - run id on every envelope
   * @param portfolioIds - portfolios in the run's scope (empty for a universe run)
   * @param startMs - emitted_at of the first event, epoch milliseconds
   * @param stepMs - emitted_at increment per event
   */
  constructor(
    readonly runId: string,
    readonly portfolioIds: readonly string[],
    startMs: number,
    private readonly stepMs = 1000,
  ) {
    this.ms = startMs - stepMs;
  }

  private envelope(payload: RunEvent["payload"]): RunEvent {
    this.runSeq += 1;
    this.ms += this.stepMs;
    return create(RunEventSchema, {
      runId: this.runId,
      portfolioIds: [...this.portfolioIds],
      emittedAt: timestampFromMs(this.ms),
      runSeq: BigInt(this.runSeq),
      payload,
    });
  }

  /** run_started with the phases the run will execute; `owner` is the portfolio owner ("" = universe run). */
  runStarted(phases: readonly Phase[], source = "onboarding", datesTotal = 0, owner = ""): RunEvent {
    return this.envelope({
      case: "runStarted",
      value: create(RunStartedSchema, { source, scope: "portfolio", phases: [...phases], datesTotal, owner }),
    });
  }

  /**
   * run_finished. A RunStatus sets `run_status` (as the coordinator publishes it now); a string
   * (completed, completed_with_warnings, failed, cancelled) sets only the deprecated `status`,
   * as events published before `run_status` existed do.
   */
  runFinished(status: RunStatus | string, errorSummary = ""): RunEvent {
    const value =
      typeof status === "string"
        ? create(RunFinishedSchema, { status, errorSummary })
        : create(RunFinishedSchema, { runStatus: status, errorSummary });
    return this.envelope({ case: "runFinished", value });
  }

  /** phase_started. */
  phaseStarted(phase: Phase, total: number, unit: string): RunEvent {
    return this.envelope({
      case: "phaseStarted",
      value: create(PhaseStartedSchema, { phase, total: BigInt(total), unit }),
    });
  }

  /** phase_progress. */
  phaseProgress(phase: Phase, current: number, total: number, unit: string): RunEvent {
    return this.envelope({
      case: "phaseProgress",
      value: create(PhaseProgressSchema, { phase, current: BigInt(current), total: BigInt(total), unit }),
    });
  }

  /**
   * phase_finished. A PhaseState sets `state` (and the deprecated `success` for completed); a
   * boolean sets only the deprecated `success`, as older events do.
   */
  phaseFinished(phase: Phase, outcome: PhaseState | boolean, durationSeconds: number, summary: string): RunEvent {
    const value =
      typeof outcome === "boolean"
        ? create(PhaseFinishedSchema, { phase, success: outcome, durationSeconds, summary })
        : create(PhaseFinishedSchema, { phase, state: outcome, success: outcome === PhaseState.COMPLETED, durationSeconds, summary });
    return this.envelope({ case: "phaseFinished", value });
  }

  /** An activity line. */
  activity(message: string, level = ActivityLevel.INFO, symbol = "", date = ""): RunEvent {
    return this.envelope({
      case: "activity",
      value: create(ActivityLineSchema, { level, message, symbol, date }),
    });
  }
}
