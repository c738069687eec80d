/**
 * Shared-regressor fast path: many symbols regressed on the same regressors (the factor ETF returns).
 *
 * Per date the X side of each regression (n, means, centered co-moments, standard deviations and, for
 * ridge, the inverted system (Z'Z + αI)⁻¹) is computed once; per symbol only the y-dependent sums
 * (Σy, Σy², Σx_j·y) differ, and they come from prefix sums in O(1) per date. Regressors are linear
 * combinations of "base" series, so spreads (e.g. VUG − VTV) share the base sums.
 *
 * Presence subtlety: n_obs counts the window's dates on which y and every regressor have a return. The
 * shared X side is built on the dates where every base series has a return; it is valid for a symbol at
 * date t only when, inside the window, y is present on every date where the regression's own regressors
 * are present. When that fails (a symbol whose prices stop or have gaps) the date falls back to an exact
 * direct fit on the jointly present rows, so results are always exact; only the speed differs.
 *
 * Numerics: every series is shifted by its full-sample mean before forming sums (fits are invariant to
 * the shift), so Σx·y − n·x̄·ȳ does not cancel catastrophically.
 */
import { RIDGE_ALPHA } from "./constants.js";
import { directComoments } from "./comoments.js";
import { FitStatus } from "./fit-status.js";
import { isZeroStd, olsFromMoments } from "./ols.js";
import { ridgeFromMoments } from "./ridge.js";
import { spdInverse } from "./small-linalg.js";

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

interface Sparse {
  idx: Int32Array;
  w: Float64Array;
}

interface SpecState {
  spec: PanelRegressionSpec;
  k: number;
  alpha: number;
  regs: Sparse[];
  /** Regressor series in original units (NaN where a used base is missing), for the exact fallback. */
  series: Float64Array[];
  /** Shift of each regressor (w · base shifts). */
  shift: Float64Array;
  /** Per date (L): rows in window where the regression's regressors are all present. */
  nX: Int32Array;
  /** Per date: rows in window where every base is present (the shared X side's n). */
  nA: Int32Array;
  /** Per date × k: mean of shifted regressors over the nA rows. */
  mean: Float64Array;
  /** Per date × k: population std. */
  std: Float64Array;
  /** OLS: per date Σ(x − x̄)². */
  cxx: Float64Array;
  /** Ridge: per date × k²: (Z'Z + αI)⁻¹. */
  inv: Float64Array;
  /** Per date: 1 when a regressor is degenerate or the system is not positive definite. */
  degenerate: Uint8Array;
  out: PanelRegressionOutput;
}

function finiteMean(s: Float64Array): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const v = s[i]!;
    if (Number.isFinite(v)) {
      sum += v;
      n++;
    }
  }
  return n > 0 ? sum / n : 0;
}

/**
 * A panel of regressions sharing base regressor series over the date range [from, to] (calendar indices).
 * Build once, then call {@link fitSymbol} per symbol; outputs are overwritten on every call.
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

  private readonly nb: number;
  private readonly baseShift: Float64Array;
  private readonly shiftedBase: Float64Array[];
  private readonly allPresent: Uint8Array;
  private readonly states: SpecState[];
  // per-symbol prefix sums (T + 1), reused
  private readonly pCnt: Int32Array;
  private readonly pY: Float64Array;
  private readonly pYY: Float64Array;
  private readonly pXY: Float64Array; // (T + 1) × nb
  private readonly sxy: Float64Array;
  private readonly g: Float64Array;

  /**
   * @param base base regressor return series (each of length T; NaN = missing).
   * @param specs regressions to fit.
   * @param from first calendar index to output; @param to last (inclusive, < T).
   * @throws RangeError on inconsistent lengths, weights or range.
   */
  constructor(base: readonly Float64Array[], specs: readonly PanelRegressionSpec[], from: number, to: number) {
    const nb = base.length;
    if (nb === 0) throw new RangeError("SharedRegressorPanel: no base series");
    const T = base[0]!.length;
    for (const b of base) if (b.length !== T) throw new RangeError("SharedRegressorPanel: base lengths differ");
    if (!(from >= 0 && to < T && from <= to)) throw new RangeError(`SharedRegressorPanel: bad range [${from}, ${to}] for T=${T}`);
    this.T = T;
    this.nb = nb;
    this.from = from;
    this.to = to;
    const L = to - from + 1;
    this.L = L;

    this.baseShift = new Float64Array(nb);
    this.shiftedBase = base.map((b, j) => {
      const c = finiteMean(b);
      this.baseShift[j] = c;
      return b.map((v) => v - c);
    });
    this.allPresent = new Uint8Array(T);
    for (let t = 0; t < T; t++) {
      let ok = 1;
      for (let j = 0; j < nb; j++) if (!Number.isFinite(base[j]![t]!)) ok = 0;
      this.allPresent[t] = ok;
    }
    // shared prefix sums over rows where every base is present
    const pA = new Int32Array(T + 1);
    const pX = new Float64Array((T + 1) * nb);
    const pXX = new Float64Array((T + 1) * nb * nb);
    for (let t = 0; t < T; t++) {
      const on = this.allPresent[t] === 1;
      pA[t + 1] = pA[t]! + (on ? 1 : 0);
      for (let i = 0; i < nb; i++) {
        const xi = on ? this.shiftedBase[i]![t]! : 0;
        pX[(t + 1) * nb + i] = pX[t * nb + i]! + xi;
        for (let j = 0; j < nb; j++) {
          const xj = on ? this.shiftedBase[j]![t]! : 0;
          pXX[(t + 1) * nb * nb + i * nb + j] = pXX[t * nb * nb + i * nb + j]! + xi * xj;
        }
      }
    }

    this.states = specs.map((spec) => this.buildState(spec, base, pA, pX, pXX));
    this.outputs = this.states.map((s) => s.out);
    this.pCnt = new Int32Array(T + 1);
    this.pY = new Float64Array(T + 1);
    this.pYY = new Float64Array(T + 1);
    this.pXY = new Float64Array((T + 1) * nb);
    this.sxy = new Float64Array(nb);
    const kMax = Math.max(1, ...this.states.map((s) => s.k));
    this.g = new Float64Array(kMax);
  }

  private buildState(
    spec: PanelRegressionSpec,
    base: readonly Float64Array[],
    pA: Int32Array,
    pX: Float64Array,
    pXX: Float64Array,
  ): SpecState {
    const { nb, T, L, from } = this;
    const k = spec.regressors.length;
    if (k === 0) throw new RangeError(`panel spec ${spec.id}: no regressors`);
    if (spec.kind === "ols" && k !== 1) throw new RangeError(`panel spec ${spec.id}: ols takes one regressor`);
    if (!(spec.window >= 1)) throw new RangeError(`panel spec ${spec.id}: window must be >= 1`);
    const regs: Sparse[] = spec.regressors.map((w) => {
      if (w.length !== nb) throw new RangeError(`panel spec ${spec.id}: weights need ${nb} entries`);
      const idx: number[] = [];
      const ws: number[] = [];
      w.forEach((v, j) => {
        if (v !== 0) {
          idx.push(j);
          ws.push(v);
        }
      });
      return { idx: Int32Array.from(idx), w: Float64Array.from(ws) };
    });
    const series = regs.map((r) => {
      const s = new Float64Array(T);
      for (let t = 0; t < T; t++) {
        let v = 0;
        for (let q = 0; q < r.idx.length; q++) v += r.w[q]! * base[r.idx[q]!]![t]!;
        s[t] = v; // NaN propagates from a missing base
      }
      return s;
    });
    const shift = Float64Array.from(regs, (r) => {
      let c = 0;
      for (let q = 0; q < r.idx.length; q++) c += r.w[q]! * this.baseShift[r.idx[q]!]!;
      return c;
    });
    const pXr = new Int32Array(T + 1);
    for (let t = 0; t < T; t++) {
      let ok = 1;
      for (const s of series) if (!Number.isFinite(s[t]!)) ok = 0;
      pXr[t + 1] = pXr[t]! + ok;
    }
    const alpha = spec.alpha ?? RIDGE_ALPHA;
    const st: SpecState = {
      spec,
      k,
      alpha,
      regs,
      series,
      shift,
      nX: new Int32Array(L),
      nA: new Int32Array(L),
      mean: new Float64Array(L * k),
      std: new Float64Array(L * k),
      cxx: new Float64Array(L),
      inv: new Float64Array(spec.kind === "ridge" ? L * k * k : 0),
      degenerate: new Uint8Array(L),
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
    const c = new Float64Array(k * k);
    const a = new Float64Array(k * k);
    const inv = new Float64Array(k * k);
    for (let o = 0; o < L; o++) {
      const t = from + o;
      const lo = Math.max(0, t - spec.window + 1);
      st.nX[o] = pXr[t + 1]! - pXr[lo]!;
      const n = pA[t + 1]! - pA[lo]!;
      st.nA[o] = n;
      if (n < 1) {
        st.degenerate[o] = 1;
        continue;
      }
      // window sums of the base, then regressor means and centered co-moments
      for (let r = 0; r < k; r++) {
        const R = regs[r]!;
        let sx = 0;
        for (let q = 0; q < R.idx.length; q++) {
          const j = R.idx[q]!;
          sx += R.w[q]! * (pX[(t + 1) * nb + j]! - pX[lo * nb + j]!);
        }
        st.mean[o * k + r] = sx / n;
      }
      let degenerate = 0;
      for (let r = 0; r < k; r++) {
        const R = regs[r]!;
        for (let s = r; s < k; s++) {
          const S = regs[s]!;
          let sxx = 0;
          for (let q = 0; q < R.idx.length; q++) {
            const i = R.idx[q]!;
            for (let p = 0; p < S.idx.length; p++) {
              const j = S.idx[p]!;
              const cell = i * nb + j;
              sxx += R.w[q]! * S.w[p]! * (pXX[(t + 1) * nb * nb + cell]! - pXX[lo * nb * nb + cell]!);
            }
          }
          const cv = sxx - n * st.mean[o * k + r]! * st.mean[o * k + s]!;
          c[r * k + s] = cv;
          c[s * k + r] = cv;
        }
        const std = Math.sqrt(Math.max(c[r * k + r]!, 0) / n);
        st.std[o * k + r] = std;
        // the degenerate test uses the unshifted mean, as the direct fit does
        if (isZeroStd(std, st.mean[o * k + r]! + shift[r]!)) degenerate = 1;
      }
      if (spec.kind === "ols") st.cxx[o] = c[0]!;
      else if (!degenerate) {
        for (let r = 0; r < k; r++) {
          for (let s = 0; s < k; s++) a[r * k + s] = c[r * k + s]! / (st.std[o * k + r]! * st.std[o * k + s]!);
          a[r * k + r] = a[r * k + r]! + alpha;
        }
        if (spdInverse(a, k, inv)) st.inv.set(inv, o * k * k);
        else degenerate = 1;
      }
      st.degenerate[o] = degenerate;
    }
    return st;
  }

  /**
   * Fit every regression of the panel for one dependent series; results land in {@link outputs}.
   *
   * @param y dependent returns aligned to the calendar (length T; NaN = missing).
   * @throws RangeError when y has the wrong length.
   */
  fitSymbol(y: Float64Array): void {
    const { T, nb, from, L } = this;
    if (y.length !== T) throw new RangeError(`fitSymbol: y has length ${y.length}, expected ${T}`);
    const cy = finiteMean(y);
    const { pCnt, pY, pYY, pXY, sxy, g } = this;
    for (let t = 0; t < T; t++) {
      const yv = y[t]!;
      const on = this.allPresent[t] === 1 && Number.isFinite(yv);
      const ys = on ? yv - cy : 0;
      pCnt[t + 1] = pCnt[t]! + (on ? 1 : 0);
      pY[t + 1] = pY[t]! + ys;
      pYY[t + 1] = pYY[t]! + ys * ys;
      const row = (t + 1) * nb;
      const prev = t * nb;
      for (let j = 0; j < nb; j++) pXY[row + j] = pXY[prev + j]! + (on ? this.shiftedBase[j]![t]! * ys : 0);
    }
    for (const st of this.states) {
      const { k, spec, out } = st;
      for (let o = 0; o < L; o++) {
        const t = from + o;
        const lo = Math.max(0, t - spec.window + 1);
        const n = pCnt[t + 1]! - pCnt[lo]!;
        if (n !== st.nX[o]) {
          this.fallback(st, y, o, lo, t);
          continue;
        }
        out.nObs[o] = n;
        out.alpha[o] = NaN;
        out.r2[o] = NaN;
        out.stderr[o] = NaN;
        out.beta.fill(NaN, o * k, o * k + k);
        if (n < spec.minObs || n < 2 || (spec.kind === "ridge" && n <= k)) {
          out.status[o] = FitStatus.INSUFFICIENT_HISTORY;
          continue;
        }
        if (st.degenerate[o]) {
          out.status[o] = FitStatus.DEGENERATE_REGRESSOR;
          continue;
        }
        out.status[o] = FitStatus.OK;
        const my = (pY[t + 1]! - pY[lo]!) / n;
        const cyy = pYY[t + 1]! - pYY[lo]! - n * my * my;
        for (let j = 0; j < nb; j++) sxy[j] = pXY[(t + 1) * nb + j]! - pXY[lo * nb + j]!;
        let intercept = my + cy;
        if (spec.kind === "ols") {
          const R = st.regs[0]!;
          let s = 0;
          for (let q = 0; q < R.idx.length; q++) s += R.w[q]! * sxy[R.idx[q]!]!;
          const mx = st.mean[o]!;
          const cxy = s - n * mx * my;
          const cxx = st.cxx[o]!;
          const beta = cxy / cxx;
          const ssRes = Math.max(cyy - beta * cxy, 0);
          out.beta[o] = beta;
          out.alpha[o] = intercept - beta * (mx + st.shift[0]!);
          out.r2[o] = cyy > 0 ? 1 - ssRes / cyy : NaN;
          out.stderr[o] = n > 2 ? Math.sqrt(ssRes / (n - 2) / cxx) : NaN;
        } else {
          for (let r = 0; r < k; r++) {
            const R = st.regs[r]!;
            let s = 0;
            for (let q = 0; q < R.idx.length; q++) s += R.w[q]! * sxy[R.idx[q]!]!;
            g[r] = (s - n * st.mean[o * k + r]! * my) / st.std[o * k + r]!;
          }
          const inv = st.inv;
          const base = o * k * k;
          let bg = 0;
          let bb = 0;
          for (let r = 0; r < k; r++) {
            let b = 0;
            for (let s = 0; s < k; s++) b += inv[base + r * k + s]! * g[s]!;
            bg += b * g[r]!;
            bb += b * b;
            const beta = b / st.std[o * k + r]!;
            out.beta[o * k + r] = beta;
            intercept -= beta * (st.mean[o * k + r]! + st.shift[r]!);
          }
          const ssRes = Math.max(cyy - bg - st.alpha * bb, 0);
          out.alpha[o] = intercept;
          out.r2[o] = cyy > 0 ? 1 - ssRes / cyy : NaN;
        }
      }
    }
  }

  /** Exact direct fit on the jointly present rows of the window [lo, t] (y has gaps there). */
  private fallback(st: SpecState, y: Float64Array, o: number, lo: number, t: number): void {
    this.fallbackFits++;
    const { k, spec, out } = st;
    const rows: number[] = [];
    for (let i = lo; i <= t; i++) {
      if (!Number.isFinite(y[i]!)) continue;
      let ok = true;
      for (const s of st.series) if (!Number.isFinite(s[i]!)) ok = false;
      if (ok) rows.push(i);
    }
    const m = directComoments([...st.series, y], rows);
    if (spec.kind === "ols") {
      const f = olsFromMoments(m.n, m.mean[0]!, m.mean[1]!, m.c[0]!, m.c[1]!, m.c[3]!, spec.minObs);
      out.beta[o] = f.beta;
      out.alpha[o] = f.alpha;
      out.r2[o] = f.r2;
      out.stderr[o] = f.stderr;
      out.nObs[o] = f.nObs;
      out.status[o] = f.status;
    } else {
      const f = ridgeFromMoments(m.n, m.mean, m.c, k, st.alpha, spec.minObs);
      out.beta.set(f.betas, o * k);
      out.alpha[o] = f.intercept;
      out.r2[o] = f.r2;
      out.stderr[o] = NaN;
      out.nObs[o] = f.nObs;
      out.status[o] = f.status;
    }
  }
}
