/**
 * Shared-regressor fast path: many symbols regressed on the same regressors (the factor ETF returns).
 *
 * Determinism (SPEC §8 bit-identical analytics, §4 resumable runs): every output at date t is a function
 * of the data inside its own window only, computed in a fixed order, so computing t inside any range and
 * with any history start (as long as the history covers the window) gives identical bits. Nothing is
 * accumulated from the start of the loaded arrays and nothing looks past t.
 *
 * Layout. The distinct spec windows W_0 < W_1 < … cut the trailing history of t into segments
 * S_0 = [t − W_0 + 1, t], S_k = [t − W_k + 1, t − W_{k−1}]. Per date (shared by all symbols) each
 * segment holds the rows where every base series is present and the base returns there, shifted by
 * s_j(t) = their mean over S_0's rows (so sums do not cancel; fits are invariant to the shift). The
 * sums of window W_k are the sums of S_0, then S_1, … S_k added in that order, each segment summed in
 * index order: the 90-window sums are reused by the 180-window without changing any rounding.
 *
 * Per date the X side (n, means, centered co-moments, standard deviations and, for ridge, the inverted
 * system (Z'Z + αI)⁻¹) is computed once; per symbol and date one pass per segment forms the y-side sums
 * Σ(y − s_y), Σ(y − s_y)², Σ(x_j − s_j)(y − s_y) for every base a regression needs, with s_y the mean of
 * y over S_0's rows (a two-pass shift). Regressors are linear combinations of base series, so spreads
 * (e.g. VUG − VTV) share the base sums.
 *
 * Presence subtlety: n_obs counts the window's dates on which y and every regressor have a return. The
 * shared X side is built on the dates where every base series has a return; it is valid for a symbol at
 * date t only when, inside the window, y is present on every date where the regression's own regressors
 * are present. When that fails (a symbol whose prices stop or have gaps) the date falls back to an exact
 * direct two-pass fit on the jointly present rows of the window (also window-local and deterministic).
 *
 * Caveat: the shift s(t) comes from the smallest window of the panel's specs, so outputs are a function
 * of (window data, spec set); the product's spec set is fixed, so stored values are reproducible.
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

/** Rows of one segment for every output date, with the shifted base returns packed per date. */
interface Segment {
  /** Bases whose y-side products some regression needs on this segment (ascending). */
  bases: Int32Array;
  /** Per date o: rows[rowStart[o] .. rowStart[o + 1]) are the all-bases-present calendar indices. */
  rowStart: Int32Array;
  rows: Int32Array;
  /**
   * Per date o, base-major block of nb × nRows(o) values b_j[row] − s_j(t), starting at rowStart[o] × nb
   * (all nb bases, so the X side can use any of them; only `bases` enter the y-side passes).
   */
  x: Float64Array;
}

interface SpecState {
  spec: PanelRegressionSpec;
  /** spec.kind === "ridge" and spec.minObs, copied so the per-date hot path reads one object shape. */
  ridge: boolean;
  minObs: number;
  k: number;
  alpha: number;
  /** Index of the spec's window in the sorted distinct windows (= last segment it uses). */
  win: number;
  regs: Sparse[];
  /** Regressor series in original units (NaN where a used base is missing), for the exact fallback. */
  series: Float64Array[];
  /** Per date (L): rows in window where the regression's regressors are all present. */
  nX: Int32Array;
  /** Per date: rows in window where every base is present (the shared X side's n). */
  nA: Int32Array;
  /** Per date × k: mean of shifted regressors over the nA rows. */
  mean: Float64Array;
  /** Per date × k: shift of each regressor (Σ w_q s_q(t)), to undo it in the intercept. */
  shift: Float64Array;
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

/**
 * A panel of regressions sharing base regressor series over the date range [from, to] (calendar indices).
 * Build once, then call {@link fitSymbol} per symbol; outputs are overwritten on every call. Every output
 * at date t depends only on the base and y values inside the regression's window ending at t (see the
 * module notes), so it is bit-identical whatever [from, to] and history start it was computed with.
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
  /** Sorted distinct windows. */
  private readonly windows: Int32Array;
  private readonly segments: Segment[];
  /** Per output date × nb: the base shifts s_j(t). */
  private readonly shiftOf: Float64Array;
  /** Per window: all-bases-present rows per date (L). */
  private readonly winN: Int32Array[];
  /** Per window: Σ(b_j − s_j) per date × nb. */
  private readonly winX: Float64Array[];
  /** Per window: Σ(b_i − s_i)(b_j − s_j) per date × nb² (upper triangle i ≤ j). */
  private readonly winXX: Float64Array[];
  private readonly states: SpecState[];
  // per-symbol scratch, reused
  /** y − s_y on a segment's rows. */
  private readonly yc: Float64Array;
  /** Per window: n, Σ(y − s_y), Σ(y − s_y)², and Σ(x_j − s_j)(y − s_y) (× nb) of the current date. */
  private readonly wN: Int32Array;
  private readonly wY: Float64Array;
  private readonly wYY: Float64Array;
  private readonly wXY: Float64Array;
  /** Per window: 1 when y is missing on a row of the window where every base is present. */
  private readonly wGap: Uint8Array;
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
    if (specs.length === 0) throw new RangeError("SharedRegressorPanel: no regressions");
    for (const spec of specs) {
      if (!(Number.isInteger(spec.window) && spec.window >= 1)) throw new RangeError(`panel spec ${spec.id}: window must be an integer >= 1`);
    }
    this.T = T;
    this.nb = nb;
    this.from = from;
    this.to = to;
    const L = to - from + 1;
    this.L = L;
    this.windows = Int32Array.from(new Set(specs.map((s) => s.window))).sort();
    const m = this.windows.length;

    const allPresent = new Uint8Array(T);
    for (let t = 0; t < T; t++) {
      let ok = 1;
      for (let j = 0; j < nb; j++) if (!Number.isFinite(base[j]![t]!)) ok = 0;
      allPresent[t] = ok;
    }
    const sparse = specs.map((spec) => toSparse(spec, nb));
    this.shiftOf = new Float64Array(L * nb);
    this.winN = Array.from({ length: m }, () => new Int32Array(L));
    this.winX = Array.from({ length: m }, () => new Float64Array(L * nb));
    this.winXX = Array.from({ length: m }, () => new Float64Array(L * nb * nb));
    this.segments = this.buildSegments(base, allPresent, specs, sparse);
    this.states = specs.map((spec, i) => this.buildState(spec, sparse[i]!, base));
    this.outputs = this.states.map((s) => s.out);

    const maxRows = Math.max(1, ...this.segments.map((seg) => maxSpan(seg.rowStart)));
    this.yc = new Float64Array(maxRows);
    this.wN = new Int32Array(m);
    this.wY = new Float64Array(m);
    this.wYY = new Float64Array(m);
    this.wXY = new Float64Array(m * nb);
    this.wGap = new Uint8Array(m);
    const kMax = Math.max(1, ...this.states.map((s) => s.k));
    this.g = new Float64Array(kMax);
  }

  /** Rows and shifted base values of every segment for every output date (see {@link Segment}). */
  private buildSegments(
    base: readonly Float64Array[],
    allPresent: Uint8Array,
    specs: readonly PanelRegressionSpec[],
    sparse: readonly Sparse[][],
  ): Segment[] {
    const { nb, L, from, windows } = this;
    const shift = new Float64Array(nb);
    const segs: Segment[] = [];
    for (let k = 0; k < windows.length; k++) {
      const used = new Set<number>();
      specs.forEach((spec, i) => {
        if (spec.window >= windows[k]!) for (const r of sparse[i]!) for (const j of r.idx) used.add(j);
      });
      const rowStart = new Int32Array(L + 1);
      const rowList: number[] = [];
      for (let o = 0; o < L; o++) {
        const [lo, hi] = segmentBounds(from + o, windows, k);
        for (let i = lo; i <= hi; i++) if (allPresent[i] === 1) rowList.push(i);
        rowStart[o + 1] = rowList.length;
      }
      segs.push({ bases: Int32Array.from([...used].sort((a, b) => a - b)), rowStart, rows: Int32Array.from(rowList), x: new Float64Array(rowList.length * nb) });
    }
    for (let o = 0; o < L; o++) {
      // s_j(t): mean of base j over S_0's rows, summed in index order (0 when S_0 has no row)
      const s0 = segs[0]!;
      const a0 = s0.rowStart[o]!;
      const n0 = s0.rowStart[o + 1]! - a0;
      for (let j = 0; j < nb; j++) {
        let sum = 0;
        for (let r = 0; r < n0; r++) sum += base[j]![s0.rows[a0 + r]!]!;
        shift[j] = n0 > 0 ? sum / n0 : 0;
      }
      for (const seg of segs) {
        const a = seg.rowStart[o]!;
        const nr = seg.rowStart[o + 1]! - a;
        const off = a * nb;
        for (let j = 0; j < nb; j++) {
          const bj = base[j]!;
          const sj = shift[j]!;
          for (let r = 0; r < nr; r++) seg.x[off + j * nr + r] = bj[seg.rows[a + r]!]! - sj;
        }
      }
      this.shiftOf.set(shift, o * nb);
      // X-side window sums of the shifted bases: segment 0, then 1, …, each summed in index order
      let n = 0;
      const sx = new Float64Array(nb);
      const sxx = new Float64Array(nb * nb);
      for (let k = 0; k < segs.length; k++) {
        const seg = segs[k]!;
        const a = seg.rowStart[o]!;
        const nr = seg.rowStart[o + 1]! - a;
        const x = seg.x;
        const off = a * nb;
        n += nr;
        for (let i = 0; i < nb; i++) {
          let s1 = 0;
          for (let r = 0; r < nr; r++) s1 += x[off + i * nr + r]!;
          sx[i] = sx[i]! + s1;
          for (let j = i; j < nb; j++) {
            let s2 = 0;
            for (let r = 0; r < nr; r++) s2 += x[off + i * nr + r]! * x[off + j * nr + r]!;
            sxx[i * nb + j] = sxx[i * nb + j]! + s2;
          }
        }
        this.winN[k]![o] = n;
        this.winX[k]!.set(sx, o * nb);
        this.winXX[k]!.set(sxx, o * nb * nb);
      }
    }
    return segs;
  }

  private buildState(spec: PanelRegressionSpec, regs: Sparse[], base: readonly Float64Array[]): SpecState {
    const { nb, T, L, from, windows } = this;
    const k = regs.length;
    const win = windows.indexOf(spec.window);
    const series = regs.map((r) => {
      const s = new Float64Array(T);
      for (let t = 0; t < T; t++) {
        let v = 0;
        for (let q = 0; q < r.idx.length; q++) v += r.w[q]! * base[r.idx[q]!]![t]!;
        s[t] = v; // NaN propagates from a missing base
      }
      return s;
    });
    const alpha = spec.alpha ?? RIDGE_ALPHA;
    const st: SpecState = {
      spec,
      ridge: spec.kind === "ridge",
      minObs: spec.minObs,
      k,
      alpha,
      win,
      regs,
      series,
      nX: new Int32Array(L),
      nA: new Int32Array(L),
      mean: new Float64Array(L * k),
      shift: new Float64Array(L * k),
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
      let nX = 0;
      for (let i = lo; i <= t; i++) {
        let ok = 1;
        for (const s of series) if (!Number.isFinite(s[i]!)) ok = 0;
        nX += ok;
      }
      st.nX[o] = nX;
      const n = this.winN[win]![o]!;
      const sx = this.winX[win]!.subarray(o * nb, o * nb + nb);
      const sxx = this.winXX[win]!.subarray(o * nb * nb, (o + 1) * nb * nb);
      st.nA[o] = n;
      const shift = this.shiftOf.subarray(o * nb, o * nb + nb);
      for (let r = 0; r < k; r++) {
        const R = regs[r]!;
        let sh = 0;
        for (let q = 0; q < R.idx.length; q++) sh += R.w[q]! * shift[R.idx[q]!]!;
        st.shift[o * k + r] = sh;
      }
      if (n < 1) {
        st.degenerate[o] = 1;
        continue;
      }
      // regressor means and centered co-moments from the base sums
      for (let r = 0; r < k; r++) {
        const R = regs[r]!;
        let s = 0;
        for (let q = 0; q < R.idx.length; q++) s += R.w[q]! * sx[R.idx[q]!]!;
        st.mean[o * k + r] = s / n;
      }
      let degenerate = 0;
      for (let r = 0; r < k; r++) {
        const R = regs[r]!;
        for (let s = r; s < k; s++) {
          const S = regs[s]!;
          let p = 0;
          for (let q = 0; q < R.idx.length; q++) {
            const i = R.idx[q]!;
            for (let v = 0; v < S.idx.length; v++) {
              const j = S.idx[v]!;
              p += R.w[q]! * S.w[v]! * sxx[Math.min(i, j) * nb + Math.max(i, j)]!;
            }
          }
          const cv = p - n * st.mean[o * k + r]! * st.mean[o * k + s]!;
          c[r * k + s] = cv;
          c[s * k + r] = cv;
        }
        const std = Math.sqrt(Math.max(c[r * k + r]!, 0) / n);
        st.std[o * k + r] = std;
        // the degenerate test uses the unshifted mean, as the direct fit does
        if (isZeroStd(std, st.mean[o * k + r]! + st.shift[o * k + r]!)) degenerate = 1;
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
    const { T, nb, L, segments, windows } = this;
    if (y.length !== T) throw new RangeError(`fitSymbol: y has length ${y.length}, expected ${T}`);
    const { yc, wN, wY, wYY, wXY, wGap } = this;
    const m = windows.length;
    const seg0 = segments[0]!;
    const rows0 = seg0.rows;
    for (let o = 0; o < L; o++) {
      // pass 1: the y shift s_y = mean of y over S_0's rows (index order)
      const a0 = seg0.rowStart[o]!;
      const n0 = seg0.rowStart[o + 1]! - a0;
      let sum = 0;
      for (let r = 0; r < n0; r++) {
        const v = y[rows0[a0 + r]!]!;
        yc[r] = v; // S_0's raw y, reused by pass 2
        sum += v;
      }
      const sy = n0 > 0 ? sum / n0 : 0;
      // pass 2: per segment, shifted sums; window k = window k − 1 + segment k
      let gap = !Number.isFinite(sum);
      let n = 0;
      let sY = 0;
      let sYY = 0;
      for (let k = 0; k < m; k++) {
        if (gap) {
          wGap[k] = 1;
          continue;
        }
        const seg = segments[k]!;
        const ra = seg.rowStart[o]!;
        const nr = seg.rowStart[o + 1]! - ra;
        const rows = seg.rows;
        const x = seg.x;
        let s1 = 0;
        let s2 = 0;
        for (let r = 0; r < nr; r++) {
          const v = (k === 0 ? yc[r]! : y[rows[ra + r]!]!) - sy;
          yc[r] = v;
          s1 += v;
          s2 += v * v;
        }
        if (!Number.isFinite(s1 + s2)) {
          gap = true;
          wGap[k] = 1;
          continue;
        }
        wGap[k] = 0;
        n += nr;
        sY += s1;
        sYY += s2;
        wN[k] = n;
        wY[k] = sY;
        wYY[k] = sYY;
        // Σ(x_j − s_j)(y − s_y) per base, four bases per sweep over yc (each sum still in row order)
        const off = ra * nb;
        const bases = seg.bases;
        const nq = bases.length;
        const cur = k * nb;
        const prev = (k - 1) * nb;
        let q = 0;
        for (; q + 3 < nq; q += 4) {
          const j0 = bases[q]!;
          const j1 = bases[q + 1]!;
          const j2 = bases[q + 2]!;
          const j3 = bases[q + 3]!;
          const x0 = off + j0 * nr;
          const x1 = off + j1 * nr;
          const x2 = off + j2 * nr;
          const x3 = off + j3 * nr;
          let d0 = 0;
          let d1 = 0;
          let d2 = 0;
          let d3 = 0;
          for (let r = 0; r < nr; r++) {
            const v = yc[r]!;
            d0 += x[x0 + r]! * v;
            d1 += x[x1 + r]! * v;
            d2 += x[x2 + r]! * v;
            d3 += x[x3 + r]! * v;
          }
          wXY[cur + j0] = k > 0 ? wXY[prev + j0]! + d0 : d0;
          wXY[cur + j1] = k > 0 ? wXY[prev + j1]! + d1 : d1;
          wXY[cur + j2] = k > 0 ? wXY[prev + j2]! + d2 : d2;
          wXY[cur + j3] = k > 0 ? wXY[prev + j3]! + d3 : d3;
        }
        for (; q < nq; q++) {
          const j = bases[q]!;
          const xo = off + j * nr;
          let d = 0;
          for (let r = 0; r < nr; r++) d += x[xo + r]! * yc[r]!;
          wXY[cur + j] = k > 0 ? wXY[prev + j]! + d : d;
        }
      }
      for (const st of this.states) this.fitDate(st, y, o, sy);
    }
  }

  /** One regression at output date o from the window sums of the current symbol (or the fallback). */
  private fitDate(st: SpecState, y: Float64Array, o: number, sy: number): void {
    const { nb, g } = this;
    const k = st.k;
    const out = st.out;
    const win = st.win;
    const n = this.wN[win]!;
    if (this.wGap[win] === 1 || st.nA[o] !== st.nX[o]) {
      this.fallback(st, y, o);
      return;
    }
    out.nObs[o] = n;
    const short = n < st.minObs || n < 2 || (st.ridge && n <= k);
    if (short || st.degenerate[o] === 1) {
      // too few rows wins over a degenerate regressor, as in the direct fits
      out.status[o] = short ? FitStatus.INSUFFICIENT_HISTORY : FitStatus.DEGENERATE_REGRESSOR;
      out.alpha[o] = NaN;
      out.r2[o] = NaN;
      out.stderr[o] = NaN;
      for (let r = 0; r < k; r++) out.beta[o * k + r] = NaN;
      return;
    }
    out.status[o] = FitStatus.OK;
    const my = this.wY[win]! / n;
    const cyy = this.wYY[win]! - n * my * my;
    const sxy = this.wXY;
    const xyOff = win * nb;
    let intercept = my + sy;
    if (!st.ridge) {
      const R = st.regs[0]!;
      let s = 0;
      for (let q = 0; q < R.idx.length; q++) s += R.w[q]! * sxy[xyOff + R.idx[q]!]!;
      const mx = st.mean[o]!;
      const cxy = s - n * mx * my;
      const cxx = st.cxx[o]!;
      const beta = cxy / cxx;
      const ssRes = Math.max(cyy - beta * cxy, 0);
      out.beta[o] = beta;
      out.alpha[o] = intercept - beta * (mx + st.shift[o]!);
      out.r2[o] = cyy > 0 ? 1 - ssRes / cyy : NaN;
      out.stderr[o] = n > 2 ? Math.sqrt(ssRes / (n - 2) / cxx) : NaN;
      return;
    }
    for (let r = 0; r < k; r++) {
      const R = st.regs[r]!;
      let s = 0;
      for (let q = 0; q < R.idx.length; q++) s += R.w[q]! * sxy[xyOff + R.idx[q]!]!;
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
      intercept -= beta * (st.mean[o * k + r]! + st.shift[o * k + r]!);
    }
    const ssRes = Math.max(cyy - bg - st.alpha * bb, 0);
    out.alpha[o] = intercept;
    out.r2[o] = cyy > 0 ? 1 - ssRes / cyy : NaN;
    out.stderr[o] = NaN;
  }

  /** Exact direct two-pass fit on the jointly present rows of the window ending at output date o. */
  private fallback(st: SpecState, y: Float64Array, o: number): void {
    this.fallbackFits++;
    const { k, spec, out } = st;
    const t = this.from + o;
    const rows: number[] = [];
    for (let i = Math.max(0, t - spec.window + 1); i <= t; i++) {
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

/** Validate a spec and keep the non-zero weights of each regressor. */
function toSparse(spec: PanelRegressionSpec, nb: number): Sparse[] {
  const k = spec.regressors.length;
  if (k === 0) throw new RangeError(`panel spec ${spec.id}: no regressors`);
  if (spec.kind === "ols" && k !== 1) throw new RangeError(`panel spec ${spec.id}: ols takes one regressor`);
  return spec.regressors.map((w) => {
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
}

/** Inclusive calendar bounds [lo, hi] of segment k at date t (empty when lo > hi). */
function segmentBounds(t: number, windows: Int32Array, k: number): [number, number] {
  const hi = k === 0 ? t : t - windows[k - 1]!;
  const lo = Math.max(0, t - windows[k]! + 1);
  return [lo, hi];
}

/** Largest per-date row count of a segment. */
function maxSpan(rowStart: Int32Array): number {
  let m = 0;
  for (let o = 0; o + 1 < rowStart.length; o++) m = Math.max(m, rowStart[o + 1]! - rowStart[o]!);
  return m;
}
