import { marketDataStep } from "./market-data.js";
import { positionValuesStep } from "./position-values.js";
import { snapshotsStep } from "./snapshots.js";
import type { PhaseStep } from "./step.js";
import { symbolFactorsStep } from "./symbol-factors.js";
import { symbolMetricsStep } from "./symbol-metrics.js";

/**
 * The pipeline, in order. Adding a phase: one module exporting its PhaseStep, one line here.
 * Whole-range steps run alone; consecutive chunked steps run together, chunk by chunk.
 */
export const PIPELINE: readonly PhaseStep[] = [
  marketDataStep, // 1   whole range, symbols
  symbolFactorsStep, // 1.5 date chunks, symbols
  symbolMetricsStep, // 1.75 date chunks, symbols
  snapshotsStep, // 2   date chunks, portfolios (each only on the dates it lacks)
  positionValuesStep, // 2.5 whole range (the run's last date), portfolios
];
