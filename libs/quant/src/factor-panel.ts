/**
 * Shared-regressor fast path: many symbols regressed on the same regressors (the factor ETF returns).
 *
 * Determinism (SPEC §8 bit-identical analytics, §4 resumable runs): every output at date t is a function
 * of the data inside its own window only, computed in a fixed order, so computing t inside any range and
 * with any history start (as long as the history covers the window) gives identical bits. Nothing is
 * accumulated from the start of the loaded arrays and nothing looks past t.
 *
 * Fixed calendar blocks. The caller gives a block id per calendar date that depends on the date alone
 * (see calendar-blocks.ts). A window [lo, t] is cut into pieces by those blocks: the rows of t's block up
 * to t ("A", loose rows), the blocks strictly between lo's block and t's block ("middle" blocks, complete
 * inside the window because ids are ordered), and the rows of lo's block from lo on ("C", loose rows).
 * When lo and t share a block the whole window is loose rows. Which pieces a window has is decided by the
 * ids of the window's own dates only, never by the dates just outside it (they may not be loaded).
 *
 * Per symbol, each block's n, Σy, mean and co-moments centred on the block's own means (Σ(y − ȳ_b)²,
 * Σ(x_j − x̄_bj)(y − ȳ_b)) are computed once, two-pass in row order. Per date the window sums around a
 * shift s (the means of the smallest window, y's found from the same pieces: a two-pass shift) are
 * Σ over loose rows of (x − s_x)(y − s_y), plus per middle block C_b + n_b(x̄_b − s_x)(ȳ_b − s_y) (the
 * exact merge of centred moments, so no raw sums of squares of uncentred data are ever formed). Fixed
 * order: A's rows, then middle blocks newest first, then C's rows. Windows are nested (same t), so the
 * longer window continues the shorter one's "A + middle blocks" sum; both orders are fixed by t's
 * position among the blocks, so reuse does not change any rounding. Per (symbol, date) the work is about
 * (rows of two partial blocks + number of middle blocks) terms instead of the whole window.
 *
 * The X side (regressor means, centred co-moments, standard deviations and, for ridge, the inverted
 * system (Z'Z + αI)⁻¹) is computed once per date from direct window sums around the same shift.
 * Regressors are linear combinations of base series, so spreads (e.g. VUG − VTV) share the base sums.
 *
 * Presence subtlety: n_obs counts the window's dates on which y and every regressor have a return. The
 * shared X side is built on the dates where every base series has a return; it is valid for a symbol at
 * date t only when, inside the window, y is present on every date where the regression's own regressors
 * are present. When that fails (a symbol whose prices stop or have gaps) the date falls back to an exact
 * direct two-pass fit on the jointly present rows of the window (also window-local and deterministic).
 *
 * Caveat: the shift s(t) comes from the smallest window of the panel's specs and the pieces from the block
 * ids, so outputs are a function of (window data, spec set, block rule); the product fixes both, so stored
 * values are reproducible.
 *
 * Code layout (factor-panel/): panel-plan.ts is the once-per-panel plan (pieces, blocks, block-centred
 * bases), regressor-side.ts the per-date regressor side (shifts, base window sums, per-regression
 * moments and ridge inverses), symbol-sums.ts the per-symbol sums (block stats and window sums of y);
 * this file ties them together and turns the sums into fits.
 */
import { RIDGE_ALPHA } from "./constants.js";
import { directComoments } from "./comoments.js";
import { FitStatus } from "./fit-status.js";
import { PanelPlan, type SparseRegressor } from "./factor-panel/panel-plan.js";
import { buildRegressionSide, computeBaseSide, type RegressionSide } from "./factor-panel/regressor-side.js";
import { allocateShiftedBaseValues, SymbolWindowSums } from "./factor-panel/symbol-sums.js";
import { olsFromMoments } from "./ols.js";
import { ridgeFromMoments } from "./ridge.js";

/** One regression of the panel. */
export interface PanelRegressionSpec {
  /** Identifier (e.g. a factor id). */
  id: string;
  /** "ols" = univariate OLS with intercept (exactly one regressor); "ridge" = standardized ridge. */
  kind: "ols" | "ridge";
  /** Each regressor as weights over the base series, e.g. [0, 0, −1, 1, 0, …] for VUG − VTV. */
  regressors: readonly (readonly number[])[];
  /** Window length (trading dates ending at t). */
  window: number;
  /** Minimum observations (ridge additionally needs n > k). */
  minObs: number;
  /** Ridge penalty on standardized coefficients (default 1.0). */
  alpha?: number;
}

/** Per-date output of one regression for the current symbol (length L = to − from + 1). */
export interface PanelRegressionOutput {
  readonly id: string;
  readonly k: number;
  /** Betas, row-major L × k (original scale, unclipped); NaN unless status OK. */
  readonly beta: Float64Array;
  /** Intercept (units of y). */
  readonly alpha: Float64Array;
  /** r² of the unclipped fit. */
  readonly r2: Float64Array;
  /** Standard error of beta (OLS only; NaN for ridge). */
  readonly stderr: Float64Array;
  /** Observations on which y and every regressor have a return. */
  readonly nObs: Int32Array;
  /** {@link FitStatus} code per date. */
  readonly status: Uint8Array;
}

/** One regression: its spec, its regressor side and its outputs. */
interface PanelRegression {
  readonly spec: PanelRegressionSpec;
  /** spec.kind === "ridge" and spec.minObs, copied so the per-date hot path reads one object shape. */
  readonly ridge: boolean;
  readonly minObs: number;
  readonly alpha: number;
  readonly side: RegressionSide;
  readonly out: PanelRegressionOutput;
}

/**
 * A panel of regressions sharing base regressor series over the date range [from, to] (calendar indices).
 * Build once, then call {@link fitSymbol} per symbol; outputs are overwritten on every call. Every output
 * at date t depends only on the base and y values inside the regression's window ending at t and on the
 * block ids of the window's dates (see the module notes), so it is bit-identical whatever [from, to] and
 * history start it was computed with, provided the block ids depend on the dates alone.
 */
export class SharedRegressorPanel {
  /** Calendar length. */
  readonly T: number;
  /** First and last output date index (inclusive). */
  readonly from: number;
  readonly to: number;
  /** Output length to − from + 1. */
  readonly L: number;
  /** Per-regression outputs for the last symbol fitted, in spec order. */
  readonly outputs: readonly PanelRegressionOutput[];
  /** Number of (regression, date) fits that used the exact fallback since construction. */
  fallbackFits = 0;

  private readonly baseCount: number;
  private readonly sums: SymbolWindowSums;
  private readonly regressions: PanelRegression[];
  /** Ridge scratch: the standardized X'y of the current fit. */
  private readonly standardizedXy: Float64Array;

  /**
   * @param base base regressor return series (each of length T; NaN = missing).
   * @param specs regressions to fit.
   * @param from first calendar index to output; @param to last (inclusive, < T).
   * @param blockIds block id per calendar index (length T, non-decreasing). For bit-reproducible outputs
   *   it must depend on each date alone (e.g. {@link weekBlockIds} of the dates' day numbers); block
   *   sizes only change speed and the last bits, never the math.
   * @throws RangeError on inconsistent lengths, weights, range or block ids.
   */
  constructor(base: readonly Float64Array[], specs: readonly PanelRegressionSpec[], from: number, to: number, blockIds: ArrayLike<number>) {
    const baseCount = base.length;
    if (baseCount === 0) throw new RangeError("SharedRegressorPanel: no base series");
    const T = base[0]!.length;
    for (const b of base) if (b.length !== T) throw new RangeError("SharedRegressorPanel: base lengths differ");
    if (!(from >= 0 && to < T && from <= to)) throw new RangeError(`SharedRegressorPanel: bad range [${from}, ${to}] for T=${T}`);
    if (specs.length === 0) throw new RangeError("SharedRegressorPanel: no regressions");
    if (blockIds.length !== T) throw new RangeError(`SharedRegressorPanel: ${blockIds.length} block ids for T=${T}`);
    for (const spec of specs) {
      if (!(Number.isInteger(spec.window) && spec.window >= 1))
        throw new RangeError(`panel spec ${spec.id}: window must be an integer >= 1`);
    }
    this.T = T;
    this.baseCount = baseCount;
    this.from = from;
    this.to = to;
    const L = to - from + 1;
    this.L = L;
    const windows = Int32Array.from(new Set(specs.map((s) => s.window))).sort();
    const sparse = specs.map((spec) => toSparse(spec, baseCount));

    const plan = new PanelPlan(
      base,
      windows,
      sparse,
      specs.map((s) => s.window),
      from,
      to,
      blockIds,
    );
    const shifted = allocateShiftedBaseValues(plan);
    this.sums = new SymbolWindowSums(plan, shifted);
    const baseSums = computeBaseSide(plan, base, this.sums, shifted);

    this.regressions = specs.map((spec, i): PanelRegression => {
      const alpha = spec.alpha ?? RIDGE_ALPHA;
      const ridge = spec.kind === "ridge";
      const side = buildRegressionSide(plan, shifted, baseSums, base, sparse[i]!, spec.window, ridge, alpha);
      const k = side.k;
      return {
        spec,
        ridge,
        minObs: spec.minObs,
        alpha,
        side,
        out: {
          id: spec.id,
          k,
          beta: new Float64Array(L * k),
          alpha: new Float64Array(L),
          r2: new Float64Array(L),
          stderr: new Float64Array(L),
          nObs: new Int32Array(L),
          status: new Uint8Array(L),
        },
      };
    });
    this.outputs = this.regressions.map((r) => r.out);
    const kMax = Math.max(1, ...this.regressions.map((r) => r.side.k));
    this.standardizedXy = new Float64Array(kMax);
  }

  /**
   * Fit every regression of the panel for one dependent series; results land in {@link outputs}.
   *
   * @param y dependent returns aligned to the calendar (length T; NaN = missing).
   * @throws RangeError when y has the wrong length.
   */
  fitSymbol(y: Float64Array): void {
    const { T, L, sums } = this;
    if (y.length !== T) throw new RangeError(`fitSymbol: y has length ${y.length}, expected ${T}`);
    sums.blockStats(y);
    const regressions = this.regressions;
    for (let o = 0; o < L; o++) {
      const sy = sums.windowSums(y, o);
      for (let i = 0; i < regressions.length; i++) this.fitDate(regressions[i]!, y, o, sy);
    }
  }

  /** One regression at output date o from the window sums of the current symbol (or the fallback). */
  private fitDate(regression: PanelRegression, y: Float64Array, o: number, sy: number): void {
    const { baseCount, sums, standardizedXy } = this;
    const { side, out } = regression;
    const k = side.k;
    const win = side.windowIndex;
    const n = side.sharedRows[o]!;
    if (sums.windowHasGap[win] === 1 || n !== side.regressorRows[o]) {
      this.fallback(regression, y, o);
      return;
    }
    out.nObs[o] = n;
    const short = n < regression.minObs || n < 2 || (regression.ridge && n <= k);
    if (short || side.degenerate[o] === 1) {
      // too few rows wins over a degenerate regressor, as in the direct fits
      out.status[o] = short ? FitStatus.INSUFFICIENT_HISTORY : FitStatus.DEGENERATE_REGRESSOR;
      out.alpha[o] = NaN;
      out.r2[o] = NaN;
      out.stderr[o] = NaN;
      for (let r = 0; r < k; r++) out.beta[o * k + r] = NaN;
      return;
    }
    out.status[o] = FitStatus.OK;
    const my = sums.windowY[win]! / n;
    const cyy = sums.windowYY[win]! - n * my * my;
    const baseY = sums.windowBaseY;
    const baseYStart = win * baseCount;
    let intercept = my + sy;
    if (!regression.ridge) {
      const R = side.regressors[0]!;
      let s = 0;
      for (let q = 0; q < R.baseIndex.length; q++) s += R.weight[q]! * baseY[baseYStart + R.baseIndex[q]!]!;
      const mx = side.mean[o]!;
      const cxy = s - n * mx * my;
      const cxx = side.xSquares[o]!;
      const beta = cxy / cxx;
      const ssRes = Math.max(cyy - beta * cxy, 0);
      out.beta[o] = beta;
      out.alpha[o] = intercept - beta * (mx + side.shift[o]!);
      out.r2[o] = cyy > 0 ? 1 - ssRes / cyy : NaN;
      out.stderr[o] = n > 2 ? Math.sqrt(ssRes / (n - 2) / cxx) : NaN;
      return;
    }
    for (let r = 0; r < k; r++) {
      const R = side.regressors[r]!;
      let s = 0;
      for (let q = 0; q < R.baseIndex.length; q++) s += R.weight[q]! * baseY[baseYStart + R.baseIndex[q]!]!;
      standardizedXy[r] = (s - n * side.mean[o * k + r]! * my) / side.std[o * k + r]!;
    }
    const inverse = side.inverse;
    const inverseStart = o * k * k;
    let betaDotXy = 0;
    let betaDotBeta = 0;
    for (let r = 0; r < k; r++) {
      let b = 0;
      for (let s = 0; s < k; s++) b += inverse[inverseStart + r * k + s]! * standardizedXy[s]!;
      betaDotXy += b * standardizedXy[r]!;
      betaDotBeta += b * b;
      const beta = b / side.std[o * k + r]!;
      out.beta[o * k + r] = beta;
      intercept -= beta * (side.mean[o * k + r]! + side.shift[o * k + r]!);
    }
    const ssRes = Math.max(cyy - betaDotXy - regression.alpha * betaDotBeta, 0);
    out.alpha[o] = intercept;
    out.r2[o] = cyy > 0 ? 1 - ssRes / cyy : NaN;
    out.stderr[o] = NaN;
  }

  /** Exact direct two-pass fit on the jointly present rows of the window ending at output date o. */
  private fallback(regression: PanelRegression, y: Float64Array, o: number): void {
    this.fallbackFits++;
    const { spec, out, side } = regression;
    const k = side.k;
    const t = this.from + o;
    const rows: number[] = [];
    for (let i = Math.max(0, t - spec.window + 1); i <= t; i++) {
      if (!Number.isFinite(y[i]!)) continue;
      let ok = true;
      for (const s of side.series) if (!Number.isFinite(s[i]!)) ok = false;
      if (ok) rows.push(i);
    }
    const m = directComoments([...side.series, y], rows);
    if (spec.kind === "ols") {
      const f = olsFromMoments(m.n, m.mean[0]!, m.mean[1]!, m.c[0]!, m.c[1]!, m.c[3]!, spec.minObs);
      out.beta[o] = f.beta;
      out.alpha[o] = f.alpha;
      out.r2[o] = f.r2;
      out.stderr[o] = f.stderr;
      out.nObs[o] = f.nObs;
      out.status[o] = f.status;
    } else {
      const f = ridgeFromMoments(m.n, m.mean, m.c, k, regression.alpha, spec.minObs);
      out.beta.set(f.betas, o * k);
      out.alpha[o] = f.intercept;
      out.r2[o] = f.r2;
      out.stderr[o] = NaN;
      out.nObs[o] = f.nObs;
      out.status[o] = f.status;
    }
  }
}

/** Validate a spec and keep the non-zero weights of each regressor. */
function toSparse(spec: PanelRegressionSpec, baseCount: number): SparseRegressor[] {
  const k = spec.regressors.length;
  if (k === 0) throw new RangeError(`panel spec ${spec.id}: no regressors`);
  if (spec.kind === "ols" && k !== 1) throw new RangeError(`panel spec ${spec.id}: ols takes one regressor`);
  return spec.regressors.map((w) => {
    if (w.length !== baseCount) throw new RangeError(`panel spec ${spec.id}: weights need ${baseCount} entries`);
    const baseIndex: number[] = [];
    const weight: number[] = [];
    w.forEach((v, j) => {
      if (v !== 0) {
        baseIndex.push(j);
        weight.push(v);
      }
    });
    return { baseIndex: Int32Array.from(baseIndex), weight: Float64Array.from(weight) };
  });
}
