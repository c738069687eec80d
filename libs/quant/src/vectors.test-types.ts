/** Shapes of the reference-vector JSON files (test support). */
import type { Tolerance } from "./testing/fixtures.js";

/** One factor value in factors.json: a fit or a skip. */
export interface VectorFactor {
  skip?: "INSUFFICIENT_HISTORY" | "DEGENERATE_REGRESSOR";
  beta?: number;
  beta_clipped?: number;
  alpha?: number;
  intercept?: number;
  r2?: number;
  stderr?: number;
  n_obs: number;
  quality?: "FULL" | "LIMITED";
}

/** factors.json. */
export interface FactorVectors {
  tolerance: Tolerance;
  symbols: string[];
  dates: Record<string, { index: number; note: string }>;
  rows: Record<string, Record<string, Record<string, VectorFactor>>>;
}

/** metrics.json. */
export interface MetricVectors {
  tolerance: Tolerance & { rsi_abs: number };
  symbols: string[];
  rows: Record<string, Record<string, Record<string, number | null | string>>>;
}

/** ewma.json. */
export interface EwmaVectors {
  tolerance: Tolerance;
  etfs: string[];
  lambda: number;
  window: number;
  rows: Record<string, { cov: number[][]; corr: number[][] }>;
}
