import { correlationsStep } from "./correlations.js";
import { factorExposuresStep } from "./factor-exposures.js";
import { marketDataStep } from "./market-data.js";
import { positionBetasStep } from "./position-betas.js";
import { positionValuesStep } from "./position-values.js";
import { snapshotsStep } from "./snapshots.js";
import type { PhaseStep } from "./step.js";
import { stressTestsStep } from "./stress-tests.js";
import { symbolFactorsStep } from "./symbol-factors.js";
import { symbolMetricsStep } from "./symbol-metrics.js";
import { volatilityStep } from "./volatility.js";

/**
 * The pipeline, in order. Adding a phase: one module exporting its PhaseStep, one line here.
 * Whole-range steps run alone; consecutive chunked steps run together, chunk by chunk.
 *
 * Order: phases 1.5 → 6 run in one chunk loop, so every date of a chunk has its symbol analytics,
 * snapshots, position betas, exposures, volatility and correlations before the next chunk starts
 * and each committed chunk is a consistent prefix. Position Values (2.5) is computed for the run's
 * last date only and no risk phase reads it (phases 3–6 read every date's marks that phase 2
 * stores), so it follows the loop as a whole-range step: placed before phase 3 it would need the
 * last date's snapshot (written by the last chunk) and split the loop in two. Stress Tests come
 * last: they need the last date's exposures (4) and factor EWMA covariance (6).
 */
export const PIPELINE: readonly PhaseStep[] = [
  marketDataStep, // 1   whole range, symbols
  symbolFactorsStep, // 1.5 date chunks, symbols
  symbolMetricsStep, // 1.75 date chunks, symbols
  snapshotsStep, // 2   date chunks, portfolios (each only on the dates it lacks)
  positionBetasStep, // 3   date chunks, portfolios (the same cells as phase 2)
  factorExposuresStep, // 4   date chunks, portfolios
  volatilityStep, // 5   date chunks, portfolios
  correlationsStep, // 6   date chunks, portfolios
  positionValuesStep, // 2.5 whole range (the run's last date), portfolios
  stressTestsStep, // stress whole range (the run's last date), portfolios
];
