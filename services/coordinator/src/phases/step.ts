import { Code, ConnectError, type Client } from "@connectrpc/connect";
import type { FactorService, MarketDataService, Phase, RiskService, SnapshotService } from "@sigma/contracts";
import type { Logger } from "pino";
import type { PortfolioCells } from "../domain/portfolio-plan.js";
import type { PhaseRecord, ProblemRecord } from "../domain/run-record.js";

/** The services phase steps call (one typed client each). */
export interface PhaseServices {
  marketData: Client<typeof MarketDataService>;
  factor: Client<typeof FactorService>;
  snapshot: Client<typeof SnapshotService>;
  risk: Client<typeof RiskService>;
}

/**
 * What a step works on. Symbol-scoped steps read `symbols`, portfolio-scoped steps `portfolios`;
 * a step may narrow the scope for the steps after it (phase 1 keeps the symbols that have prices).
 */
export interface RunScope {
  symbols: readonly string[];
  portfolios: readonly string[];
  /** Universe run: phase 1 adds every symbol market data lists to `symbols`. */
  universe: boolean;
  /** The (portfolio, date) cells of the run (per-portfolio watermarks, SPEC §4 "Dates"). */
  cells: PortfolioCells;
}

/** The dates one call of a step covers. */
export interface StepChunk {
  /** Trading dates of this call, ascending: the whole run for a whole-range step, one chunk otherwise. */
  dates: readonly string[];
  /** First date of price history the run loads (lookback of the longest window). */
  historyStartDate: string;
}

/** What a step may report while it works (the runner reports start/finish of chunked steps itself). */
export interface StepReporter {
  phaseStarted(phase: Phase, total: number, unit: string): Promise<void>;
  phaseProgress(phase: Phase, current: number, total: number, unit: string): Promise<void>;
  info(message: string, extra?: { symbol?: string; date?: string; phase?: Phase }): Promise<void>;
  warn(message: string, extra?: { symbol?: string; date?: string; phase?: Phase }): Promise<void>;
}

/** What every step call receives: where to report, how to record, and whether to stop. */
export interface StepContext {
  readonly runId: string;
  readonly reporter: StepReporter;
  readonly logger: Logger;
  /** The phase's record inside the run (counters are updated in place). */
  readonly record: PhaseRecord;
  readonly services: PhaseServices;
  readonly scope: RunScope;
  /** force_rerun of the run (refetch and recompute what is already stored). */
  readonly force: boolean;
  /** Symbols per SyncPrices call (progress granularity of phase 1). */
  readonly syncBatchSize: number;
  /** How a chunk's work is cut into items any replica can take (see runner/fan-out.ts). */
  readonly items: ItemSettings;
  /** Timeout to give each RPC: the step's deadline, capped by the coordinator's RPC timeout. */
  readonly timeoutMs: number;
  /**
   * Records a data-quality problem on the run (kept up to a cap, the rest counted). Returns false
   * when this phase already recorded the same problem in this run (it is then not counted again).
   */
  problem(p: ProblemRecord): boolean;
  /** True once CancelRun or SIGTERM asked the run to stop (checked between batches). */
  cancelled(): boolean;
  /** Aborted on cancel, lease loss or the step's deadline; pass it to RPCs so they stop promptly. */
  readonly signal: AbortSignal;
}

/** Item sizes and parallelism of the fan-out of a chunk (SIGMA_ITEM_SYMBOLS, SIGMA_ITEM_PORTFOLIOS, SIGMA_ITEM_CONCURRENCY). */
export interface ItemSettings {
  /** Symbols per item of the symbol phases (1.5, 1.75). */
  symbols: number;
  /**
   * Portfolios per item of the portfolio phases: `splitItems(cellsInChunk(...), ctx.items.portfolios)`
   * then one call per item through `fanOut` (each portfolio's cells stay in one item).
   */
  portfolios: number;
  /** Items in flight at once per step call. */
  concurrency: number;
}

/** Defaults of {@link ItemSettings}: 64 symbols or 50 portfolios per item, 4 in flight (≈ 2 calls per replica with 2 replicas). */
export const DEFAULT_ITEM_SETTINGS: ItemSettings = { symbols: 64, portfolios: 50, concurrency: 4 };

/** What a step call returns. */
export interface StepOutcome {
  /** Narrows the scope for the following steps (e.g. symbols with prices). */
  scope?: Partial<RunScope>;
  /** Model fits done (shown in the phase summary). */
  fits?: number;
}

/** Which errors of a step call are retried, and how often. */
export interface RetryPolicy {
  /** Total attempts per call (1 = no retry). */
  attempts: number;
  /** Delay before the first retry; doubles after each. */
  backoffMs: number;
  retryable(err: unknown): boolean;
}

/**
 * One phase of the pipeline, declared (see phases/index.ts for the order). The runner owns
 * sequencing, chunking, commits, retries, deadlines, state and events; a step only does its work
 * for one call and folds counters and problems into its record.
 */
export interface PhaseStep {
  readonly phase: Phase;
  /** What the step iterates: symbols (phases 1–1.75) or portfolios (phases 2–6). */
  readonly scope: "symbols" | "portfolios";
  /**
   * `whole_range`: one call over every date of the run (plus history), before the chunked steps
   * that follow it. `date_chunks`: one call per date chunk; consecutive chunked steps run chunk by
   * chunk together, and each chunk is committed before the next.
   */
  readonly shape: "whole_range" | "date_chunks";
  /** Wall time one call may take before it is aborted and the phase fails. */
  readonly deadlineMs: number;
  readonly retry: RetryPolicy;
  /** Progress unit of a whole-range step (chunked steps count dates). */
  readonly unit?: string;
  /**
   * Chunked steps only: the phases of the same group whose rows this step reads, which finish a
   * chunk before this step starts it; steps that do not depend on each other run a chunk at the
   * same time. Undefined: every earlier step of the group (strictly in order).
   */
  readonly after?: readonly Phase[];
  run(ctx: StepContext, chunk: StepChunk): Promise<StepOutcome>;
}

/** Retries only when the peer answered one of `codes` (e.g. UNAVAILABLE while it restarts). */
export function retryOnCodes(attempts: number, backoffMs: number, ...codes: Code[]): RetryPolicy {
  const wanted = new Set(codes);
  return { attempts, backoffMs, retryable: (err) => err instanceof ConnectError && wanted.has(err.code) };
}

/** Transient peer failures: the peer is restarting or briefly overloaded. */
export const TRANSIENT_CODES = [Code.Unavailable, Code.ResourceExhausted];

/** Raised by a step that had eligible inputs and produced nothing, or cannot continue. */
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
