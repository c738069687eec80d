import type { Logger } from "pino";
import type { RunReporter } from "../domain/reporter.js";
import type { PhaseRecord, ProblemRecord } from "../domain/run-record.js";

/** What every phase step receives: where to report, how to record, and whether to stop. */
export interface PhaseContext {
  readonly runId: string;
  readonly reporter: RunReporter;
  readonly logger: Logger;
  /** The phase's record inside the run (counters are updated in place). */
  readonly record: PhaseRecord;
  /** Records a data-quality problem on the run. */
  problem(p: ProblemRecord): void;
  /** True once CancelRun or SIGTERM asked the run to stop (checked between batches). */
  cancelled(): boolean;
  /** Aborted on cancel; passed to RPCs so they stop promptly. */
  readonly signal: AbortSignal;
}

/** Raised by a phase step that had eligible inputs and produced nothing, or cannot continue. */
export class PhaseFailedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PhaseFailedError";
  }
}

/** Raised when a run is cancelled between batches/chunks. */
export class RunCancelledError extends Error {
  constructor() {
    super("run cancelled");
    this.name = "RunCancelledError";
  }
}
