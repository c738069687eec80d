/** Counters of one compute call, in domain terms (mapped to the proto's SkipReason at the edge). */

/** Typed reasons a requested cell (or part of one) produced no value. */
export type RiskSkipReason = "NO_SNAPSHOT" | "NO_BETA" | "NO_COVERAGE" | "NOT_ELIGIBLE" | "INSUFFICIENT_HISTORY";

/** A data-quality note for the run record. */
export interface RiskProblem {
  /** The symbol, or "" for a portfolio-level problem. */
  symbol: string;
  reason: RiskSkipReason;
  message: string;
  /** First date it applies to ("" for the whole call). */
  date: string;
}

/** inputs = requested cells, outputs = rows written, skips by reason, problems for operators. */
export interface RiskOutcome {
  inputs: number;
  outputs: number;
  skipped: Partial<Record<RiskSkipReason, number>>;
  problems: RiskProblem[];
}

/** A fresh outcome with `inputs`. */
export function newOutcome(inputs = 0): RiskOutcome {
  return { inputs, outputs: 0, skipped: {}, problems: [] };
}

/** Adds `n` skips of `reason`. */
export function addSkip(o: RiskOutcome, reason: RiskSkipReason, n = 1): void {
  if (n > 0) o.skipped[reason] = (o.skipped[reason] ?? 0) + n;
}
