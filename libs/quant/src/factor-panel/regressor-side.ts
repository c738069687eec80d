/**
 * The per-date regressor side of the shared-regressor fast path (see factor-panel.ts for the method),
 * computed once per panel: the base shifts s_j(t), the shifted base values of every loose piece and
 * middle block, the window sums of the bases, and per regression the regressor means, centred
 * co-moments, standard deviations and, for ridge, the inverted system (Z'Z + αI)⁻¹. Regressors are
 * linear combinations of base series, so spreads (e.g. VUG − VTV) share the base sums.
 */
import { isZeroStd } from "../ols.js";
import { spdInverse } from "../small-linalg.js";
import type { PanelPlan, SparseRegressor } from "./panel-plan.js";
import type { ShiftedBaseValues, SymbolWindowSums } from "./symbol-sums.js";

/** Window sums of the base series around the base shifts, per window. */
export interface BaseWindowSums {
  /** Per window: Σ(b_j − s_j) per output date × base. */
  readonly baseSum: Float64Array[];
  /** Per window: Σ(b_i − s_i)(b_j − s_j) per output date × base² (upper triangle i ≤ j). */
  readonly baseCross: Float64Array[];
}

/**
 * Fills `shifted` (base shifts, shifted piece values, middle-block terms) and returns the base window
 * sums. The shift s_j(t) and the window sums of base j are computed by the very same code and order
 * as a symbol's y side with y = base j (through `sums`), so a symbol equal to a base (SPY on SPY) gets
 * bit-identical x and y moments (β exactly 1, SS_res exactly 0) as in a direct fit.
 */
export function computeBaseSide(
  plan: PanelPlan,
  base: readonly Float64Array[],
  sums: SymbolWindowSums,
  shifted: ShiftedBaseValues,
): BaseWindowSums {
  const { baseCount, outputCount: L, windows, pieceRows, basesByWindow } = plan;
  const { baseShift, pieceShiftedBase, middleBlockBaseTerm } = shifted;
  const m = windows.length;
  const baseSum = Array.from({ length: m }, () => new Float64Array(L * baseCount));
  const baseCross = Array.from({ length: m }, () => new Float64Array(L * baseCount * baseCount));
  for (let j = 0; j < baseCount; j++) {
    sums.blockStats(base[j]!);
    for (let o = 0; o < L; o++) baseShift[o * baseCount + j] = sums.shiftY(base[j]!, o);
  }
  const fill = (o: number, start: number, length: number): void => {
    for (let j = 0; j < baseCount; j++) {
      const bj = base[j]!;
      const sj = baseShift[o * baseCount + j]!;
      for (let r = 0; r < length; r++) pieceShiftedBase[start * baseCount + j * length + r] = bj[pieceRows[start + r]!]! - sj;
    }
  };
  for (let o = 0; o < L; o++) {
    fill(o, plan.recentPieceStart[o]!, plan.recentPieceLength[o]!);
    for (let k = 0; k < m; k++) fill(o, plan.oldestPieceStart[o * m + k]!, plan.oldestPieceLength[o * m + k]!);
    // n_b (x̄_bj − s_j), computed exactly as a y-side n_b (ȳ_b − s_y) would be
    const newestMiddle = plan.newestMiddleBlock[o]!;
    const middleCount = plan.middleBlockCount[o]!;
    for (let j = 0; j < baseCount; j++) {
      const sj = baseShift[o * baseCount + j]!;
      for (let b = newestMiddle; b > newestMiddle - middleCount; b--) {
        middleBlockBaseTerm[plan.middleTermStart[o]! + j * middleCount + (newestMiddle - b)] =
          (plan.blockRowStart[b + 1]! - plan.blockRowStart[b]!) * (plan.blockBaseMean[b * baseCount + j]! - sj);
      }
    }
  }
  for (let j = 0; j < baseCount; j++) {
    sums.blockStats(base[j]!);
    for (let o = 0; o < L; o++) {
      sums.windowSums(base[j]!, o);
      for (let k = 0; k < m; k++) {
        baseSum[k]![o * baseCount + j] = sums.windowY[k]!;
        const cross = baseCross[k]!;
        cross[o * baseCount * baseCount + j * baseCount + j] = sums.windowYY[k]!;
        for (const i of basesByWindow[k]!)
          if (i < j) cross[o * baseCount * baseCount + i * baseCount + j] = sums.windowBaseY[k * baseCount + i]!;
      }
    }
  }
  return { baseSum, baseCross };
}

/** The regressor side of one regression, per output date. */
export interface RegressionSide {
  /** Number of regressors. */
  readonly k: number;
  /** Index of the regression's window in the plan's windows. */
  readonly windowIndex: number;
  readonly regressors: readonly SparseRegressor[];
  /** Regressor series in original units (NaN where a used base is missing), for the exact fallback. */
  readonly series: Float64Array[];
  /** Per date: rows in window where the regression's regressors are all present. */
  readonly regressorRows: Int32Array;
  /** Per date: rows in window where every base is present (the shared regressor side's n). */
  readonly sharedRows: Int32Array;
  /** Per date × k: mean of shifted regressors over the sharedRows rows. */
  readonly mean: Float64Array;
  /** Per date × k: shift of each regressor (Σ w_q s_q(t)), to undo it in the intercept. */
  readonly shift: Float64Array;
  /** Per date × k: population std. */
  readonly std: Float64Array;
  /** OLS: per date Σ(x − x̄)². */
  readonly xSquares: Float64Array;
  /** Ridge: per date × k²: (Z'Z + αI)⁻¹. */
  readonly inverse: Float64Array;
  /** Per date: 1 when a regressor is degenerate or the system is not positive definite. */
  readonly degenerate: Uint8Array;
}

/**
 * The regressor side of one regression from the base shifts and window sums ({@link computeBaseSide}).
 * @param window - the regression's window; @param ridge - standardized ridge (else univariate OLS);
 * @param alpha - the ridge penalty.
 */
export function buildRegressionSide(
  plan: PanelPlan,
  shifted: ShiftedBaseValues,
  baseSums: BaseWindowSums,
  base: readonly Float64Array[],
  regressors: readonly SparseRegressor[],
  window: number,
  ridge: boolean,
  alpha: number,
): RegressionSide {
  const { baseCount, calendarLength: T, outputCount: L, from, windows } = plan;
  const k = regressors.length;
  const windowIndex = windows.indexOf(window);
  const series = regressors.map((regressor) => {
    const s = new Float64Array(T);
    for (let t = 0; t < T; t++) {
      let v = 0;
      for (let q = 0; q < regressor.baseIndex.length; q++) v += regressor.weight[q]! * base[regressor.baseIndex[q]!]![t]!;
      s[t] = v; // NaN propagates from a missing base
    }
    return s;
  });
  const side: RegressionSide = {
    k,
    windowIndex,
    regressors,
    series,
    regressorRows: new Int32Array(L),
    sharedRows: new Int32Array(L),
    mean: new Float64Array(L * k),
    shift: new Float64Array(L * k),
    std: new Float64Array(L * k),
    xSquares: new Float64Array(L),
    inverse: new Float64Array(ridge ? L * k * k : 0),
    degenerate: new Uint8Array(L),
  };
  const covariance = new Float64Array(k * k);
  const system = new Float64Array(k * k);
  const inverse = new Float64Array(k * k);
  for (let o = 0; o < L; o++) {
    const t = from + o;
    const lo = Math.max(0, t - window + 1);
    let present = 0;
    for (let i = lo; i <= t; i++) {
      let ok = 1;
      for (const s of series) if (!Number.isFinite(s[i]!)) ok = 0;
      present += ok;
    }
    side.regressorRows[o] = present;
    const n = plan.windowRowCount[windowIndex]![o]!;
    const sumX = baseSums.baseSum[windowIndex]!.subarray(o * baseCount, o * baseCount + baseCount);
    const crossX = baseSums.baseCross[windowIndex]!.subarray(o * baseCount * baseCount, (o + 1) * baseCount * baseCount);
    side.sharedRows[o] = n;
    const baseShift = shifted.baseShift.subarray(o * baseCount, o * baseCount + baseCount);
    for (let r = 0; r < k; r++) {
      const R = regressors[r]!;
      let sh = 0;
      for (let q = 0; q < R.baseIndex.length; q++) sh += R.weight[q]! * baseShift[R.baseIndex[q]!]!;
      side.shift[o * k + r] = sh;
    }
    if (n < 1) {
      side.degenerate[o] = 1;
      continue;
    }
    // regressor means and centered co-moments from the base sums
    for (let r = 0; r < k; r++) {
      const R = regressors[r]!;
      let s = 0;
      for (let q = 0; q < R.baseIndex.length; q++) s += R.weight[q]! * sumX[R.baseIndex[q]!]!;
      side.mean[o * k + r] = s / n;
    }
    let degenerate = 0;
    for (let r = 0; r < k; r++) {
      const R = regressors[r]!;
      for (let s = r; s < k; s++) {
        const S = regressors[s]!;
        let p = 0;
        for (let q = 0; q < R.baseIndex.length; q++) {
          const i = R.baseIndex[q]!;
          for (let v = 0; v < S.baseIndex.length; v++) {
            const j = S.baseIndex[v]!;
            p += R.weight[q]! * S.weight[v]! * crossX[Math.min(i, j) * baseCount + Math.max(i, j)]!;
          }
        }
        const cv = p - n * side.mean[o * k + r]! * side.mean[o * k + s]!;
        covariance[r * k + s] = cv;
        covariance[s * k + r] = cv;
      }
      const std = Math.sqrt(Math.max(covariance[r * k + r]!, 0) / n);
      side.std[o * k + r] = std;
      // the degenerate test uses the unshifted mean, as the direct fit does
      if (isZeroStd(std, side.mean[o * k + r]! + side.shift[o * k + r]!)) degenerate = 1;
    }
    if (!ridge) side.xSquares[o] = covariance[0]!;
    else if (!degenerate) {
      for (let r = 0; r < k; r++) {
        for (let s = 0; s < k; s++) system[r * k + s] = covariance[r * k + s]! / (side.std[o * k + r]! * side.std[o * k + s]!);
        system[r * k + r] = system[r * k + r]! + alpha;
      }
      if (spdInverse(system, k, inverse)) side.inverse.set(inverse, o * k * k);
      else degenerate = 1;
    }
    side.degenerate[o] = degenerate;
  }
  return side;
}
