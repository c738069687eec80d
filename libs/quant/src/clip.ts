/** Beta clipping and the FULL / LIMITED quality flag (SPEC §3, phase 1.5). */
import { BETA_CLIP } from "./constants.js";

/** Quality of a regression window: FULL when n_obs equals the window, LIMITED when min ≤ n_obs < window. */
export type BetaQuality = "FULL" | "LIMITED";

/**
 * Clip a beta to [−bound, bound].
 *
 * @param beta unclipped beta; `NaN` stays `NaN`.
 * @param bound positive bound, default {@link BETA_CLIP} (5).
 */
export function clipBeta(beta: number, bound: number = BETA_CLIP): number {
  if (beta > bound) return bound;
  if (beta < -bound) return -bound;
  return beta;
}

/**
 * Quality flag of a window with `nObs` usable observations.
 *
 * @param nObs observations on which every series of the regression has a return.
 * @param window window length in trading days.
 * @param minObs minimum observations.
 * @returns "FULL" when nObs ≥ window, "LIMITED" when minObs ≤ nObs < window, null below the minimum
 *   (no row is stored; the caller counts INSUFFICIENT_HISTORY).
 */
export function betaQuality(nObs: number, window: number, minObs: number): BetaQuality | null {
  if (nObs < minObs) return null;
  return nObs >= window ? "FULL" : "LIMITED";
}
