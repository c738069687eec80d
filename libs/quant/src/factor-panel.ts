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
 */
import { blockRuns, type BlockRuns } from "./calendar-blocks.js";
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
  /** spec.kind === "ridge" and spec.minObs, copied so the per-date hot path reads one object shape. */
  ridge: boolean;
  minObs: number;
  k: number;
  alpha: number;
  /** Index of the spec's window in the sorted distinct windows. */
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

  private readonly nb: number;
  /** Sorted distinct windows. */
  private readonly windows: Int32Array;
  /** Per window k: bases whose y-side sums some regression of window ≥ windows[k] needs (ascending). */
  private readonly basesOf: Int32Array[];
  /** Per output date × nb: the base shifts s_j(t). */
  private readonly shiftOf: Float64Array;
  /** Per window: all-bases-present rows per date (L). */
  private readonly winN: Int32Array[];
  /** Per window: Σ(b_j − s_j) per date × nb. */
  private readonly winX: Float64Array[];
  /** Per window: Σ(b_i − s_i)(b_j − s_j) per date × nb² (upper triangle i ≤ j). */
  private readonly winXX: Float64Array[];
  private readonly states: SpecState[];

  // ---- blocks (shared by all symbols)
  private readonly blocks: BlockRuns;
  /** Per block: all-bases-present rows; block b's rows are bRows[bRowOff[b] .. bRowOff[b + 1]). */
  private readonly bRowOff: Int32Array;
  private readonly bRows: Int32Array;
  /** Per block, base-major nb × n_b from bRowOff[b] × nb: b_j[row] − x̄_bj (centred on the block mean). */
  private readonly bXc: Float64Array;
  /** Blocks [statLo, statHi] are middle blocks of some output date: only they need per-symbol stats. */
  private readonly statLo: number;
  private readonly statHi: number;

  // ---- per-date plan (shared by all symbols); o = output date, k = window
  /** Loose-row pieces: rows pRows[p .. p + len) with base-major values b_j[row] − s_j(t) at pXc[p × nb]. */
  private readonly pRows: Int32Array;
  private readonly pXc: Float64Array;
  /** Per date: piece A (rows of t's block up to t; empty when every window is direct). */
  private readonly aOff: Int32Array;
  private readonly aLen: Int32Array;
  /** Per date × window: piece C (rows of lo's block from lo on) or, when direct, the whole window. */
  private readonly cOff: Int32Array;
  private readonly cLen: Int32Array;
  /** Per date × window: 1 when lo and t share a block (the window is loose rows only). */
  private readonly direct: Uint8Array;
  /** Per date: t's block − 1 (the newest middle block). */
  private readonly midHi: Int32Array;
  /** Per date × window: the oldest middle block (midHi + 1 when there is none). */
  private readonly midLo: Int32Array;
  /** Per date: n_b (x̄_bj − s_j) for blocks midHi down to the largest window's midLo, base-major. */
  private readonly eOff: Int32Array;
  private readonly eLen: Int32Array;
  private readonly E: Float64Array;

  // ---- per-symbol scratch, reused
  /** Per block (only [statLo, statHi] filled): Σy, ȳ_b, Σ(y − ȳ_b)², and base-major Σ(x_j − x̄_bj)(y − ȳ_b). */
  private readonly bS: Float64Array;
  private readonly bM: Float64Array;
  private readonly bYY: Float64Array;
  private readonly bXY: Float64Array;
  /** y − shift on the rows of one piece or block. */
  private readonly yc: Float64Array;
  /** ȳ_b − s_y of the middle blocks of the current date (index midHi − b). */
  private readonly dv: Float64Array;
  /** Running "A + middle blocks" sums: Σ(y − s_y), Σ(y − s_y)², Σ(x_j − s_j)(y − s_y). */
  private rY = 0;
  private rYY = 0;
  private readonly rXY: Float64Array;
  /** Sums of the current loose piece: [Σ(y − s_y), Σ(y − s_y)², Σ(x_j − s_j)(y − s_y) × nb]. */
  private readonly ps: Float64Array;
  /** Per window: Σ(y − s_y), Σ(y − s_y)², and Σ(x_j − s_j)(y − s_y) (× nb) of the current date. */
  private readonly wY: Float64Array;
  private readonly wYY: Float64Array;
  private readonly wXY: Float64Array;
  /** Per window: 1 when a y value of the window's all-bases-present rows is missing. */
  private readonly wGap: Uint8Array;
  private readonly g: Float64Array;

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
    const nb = base.length;
    if (nb === 0) throw new RangeError("SharedRegressorPanel: no base series");
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
    this.nb = nb;
    this.from = from;
    this.to = to;
    const L = to - from + 1;
    this.L = L;
    this.windows = Int32Array.from(new Set(specs.map((s) => s.window))).sort();
    const m = this.windows.length;
    const blocks = blockRuns(blockIds);
    this.blocks = blocks;

    const allPresent = new Uint8Array(T);
    for (let t = 0; t < T; t++) {
      let ok = 1;
      for (let j = 0; j < nb; j++) if (!Number.isFinite(base[j]![t]!)) ok = 0;
      allPresent[t] = ok;
    }
    const sparse = specs.map((spec) => toSparse(spec, nb));
    this.basesOf = Array.from(this.windows, (w) => {
      const used = new Set<number>();
      specs.forEach((spec, i) => {
        if (spec.window >= w) for (const r of sparse[i]!) for (const j of r.idx) used.add(j);
      });
      return Int32Array.from([...used].sort((a, b) => a - b));
    });

    // block rows and block-centred base values
    this.bRowOff = new Int32Array(blocks.count + 1);
    const bRowList: number[] = [];
    for (let b = 0; b < blocks.count; b++) {
      for (let i = blocks.start[b]!; i <= blocks.end[b]!; i++) if (allPresent[i] === 1) bRowList.push(i);
      this.bRowOff[b + 1] = bRowList.length;
    }
    this.bRows = Int32Array.from(bRowList);
    this.bXc = new Float64Array(bRowList.length * nb);
    const bMean = new Float64Array(blocks.count * nb);
    for (let b = 0; b < blocks.count; b++) {
      const a = this.bRowOff[b]!;
      const n = this.bRowOff[b + 1]! - a;
      for (let j = 0; j < nb; j++) {
        const bj = base[j]!;
        let s = 0;
        for (let r = 0; r < n; r++) s += bj[this.bRows[a + r]!]!;
        const mean = n > 0 ? s / n : 0;
        bMean[b * nb + j] = mean;
        for (let r = 0; r < n; r++) this.bXc[a * nb + j * n + r] = bj[this.bRows[a + r]!]! - mean;
      }
    }

    // per-date plan: the pieces, then the shifts, the shifted piece values and the X-side sums
    this.shiftOf = new Float64Array(L * nb);
    this.winN = Array.from({ length: m }, () => new Int32Array(L));
    this.winX = Array.from({ length: m }, () => new Float64Array(L * nb));
    this.winXX = Array.from({ length: m }, () => new Float64Array(L * nb * nb));
    this.aOff = new Int32Array(L);
    this.aLen = new Int32Array(L);
    this.cOff = new Int32Array(L * m);
    this.cLen = new Int32Array(L * m);
    this.direct = new Uint8Array(L * m);
    this.midHi = new Int32Array(L);
    this.midLo = new Int32Array(L * m);
    this.eOff = new Int32Array(L);
    this.eLen = new Int32Array(L);
    const plan = this.planPieces(allPresent);
    this.pRows = plan.rows;
    this.pXc = new Float64Array(plan.rows.length * nb);
    this.E = new Float64Array(plan.eSize);
    this.statLo = plan.statLo;
    this.statHi = plan.statHi;

    let maxRows = 1;
    for (let b = 0; b < blocks.count; b++) maxRows = Math.max(maxRows, this.bRowOff[b + 1]! - this.bRowOff[b]!);
    for (let o = 0; o < L; o++) {
      maxRows = Math.max(maxRows, this.aLen[o]!);
      for (let k = 0; k < m; k++) maxRows = Math.max(maxRows, this.cLen[o * m + k]!);
    }
    this.yc = new Float64Array(maxRows);
    this.dv = new Float64Array(
      Math.max(
        1,
        this.eLen.reduce((a, b) => Math.max(a, b), 0),
      ),
    );
    this.bS = new Float64Array(blocks.count);
    this.bM = new Float64Array(blocks.count);
    this.bYY = new Float64Array(blocks.count);
    this.bXY = new Float64Array(blocks.count * nb);
    this.rXY = new Float64Array(nb);
    this.ps = new Float64Array(2 + nb);
    this.wY = new Float64Array(m);
    this.wYY = new Float64Array(m);
    this.wXY = new Float64Array(m * nb);
    this.wGap = new Uint8Array(m);
    this.xSide(base, bMean);

    this.states = specs.map((spec, i) => this.buildState(spec, sparse[i]!, base));
    this.outputs = this.states.map((s) => s.out);
    const kMax = Math.max(1, ...this.states.map((s) => s.k));
    this.g = new Float64Array(kMax);
  }

  /**
   * The pieces of every output date and window (see the module notes), the all-bases-present row counts
   * and the range of blocks that serve as middle blocks. Fills the per-date plan arrays.
   */
  private planPieces(allPresent: Uint8Array): { rows: Int32Array; eSize: number; statLo: number; statHi: number } {
    const { nb, L, from, windows, blocks } = this;
    const m = windows.length;
    const rows: number[] = [];
    let eSize = 0;
    let statLo = blocks.count;
    let statHi = -1;
    /** Append the all-present rows of [lo, hi] as a piece; returns [offset, length]. */
    const piece = (lo: number, hi: number): [number, number] => {
      const off = rows.length;
      for (let i = lo; i <= hi; i++) if (allPresent[i] === 1) rows.push(i);
      return [off, rows.length - off];
    };
    for (let o = 0; o < L; o++) {
      const t = from + o;
      const bl = blocks.of[t]!;
      const midHi = bl - 1;
      this.midHi[o] = midHi;
      let anyShared = false;
      let lowest = midHi + 1;
      for (let k = 0; k < m; k++) {
        const lo = Math.max(0, t - windows[k]! + 1);
        let n = 0;
        for (let i = lo; i <= t; i++) n += allPresent[i]!;
        this.winN[k]![o] = n;
        const bf = blocks.of[lo]!;
        const direct = bf === bl;
        const [off, len] = piece(lo, direct ? t : blocks.end[bf]!);
        this.direct[o * m + k] = direct ? 1 : 0;
        this.cOff[o * m + k] = off;
        this.cLen[o * m + k] = len;
        const midLo = direct ? midHi + 1 : bf + 1;
        this.midLo[o * m + k] = midLo;
        if (!direct) anyShared = true;
        lowest = Math.min(lowest, midLo);
      }
      const [aOff, aLen] = anyShared ? piece(blocks.start[bl]!, t) : [0, 0];
      this.aOff[o] = aOff;
      this.aLen[o] = aLen;
      const nMid = midHi - lowest + 1;
      this.eOff[o] = eSize;
      this.eLen[o] = nMid;
      eSize += nMid * nb;
      if (nMid > 0) {
        statLo = Math.min(statLo, lowest);
        statHi = Math.max(statHi, midHi);
      }
    }
    return { rows: Int32Array.from(rows), eSize, statLo, statHi };
  }

  /**
   * Shared X side. The shift s_j(t) and the window sums of base j are computed by the very same code
   * and order as a symbol's y side with y = base j, so a symbol equal to a base (SPY on SPY) gets
   * bit-identical x and y moments (β exactly 1, SS_res exactly 0) as in a direct fit.
   */
  private xSide(base: readonly Float64Array[], bMean: Float64Array): void {
    const { nb, L, windows, pRows, pXc, E, basesOf } = this;
    const m = windows.length;
    for (let j = 0; j < nb; j++) {
      this.blockStats(base[j]!);
      for (let o = 0; o < L; o++) this.shiftOf[o * nb + j] = this.shiftY(base[j]!, o);
    }
    const fill = (o: number, off: number, len: number): void => {
      for (let j = 0; j < nb; j++) {
        const bj = base[j]!;
        const sj = this.shiftOf[o * nb + j]!;
        for (let r = 0; r < len; r++) pXc[off * nb + j * len + r] = bj[pRows[off + r]!]! - sj;
      }
    };
    for (let o = 0; o < L; o++) {
      fill(o, this.aOff[o]!, this.aLen[o]!);
      for (let k = 0; k < m; k++) fill(o, this.cOff[o * m + k]!, this.cLen[o * m + k]!);
      // E = n_b (x̄_bj − s_j), computed exactly as a y-side n_b (ȳ_b − s_y) would be
      const midHi = this.midHi[o]!;
      const nMid = this.eLen[o]!;
      for (let j = 0; j < nb; j++) {
        const sj = this.shiftOf[o * nb + j]!;
        for (let b = midHi; b > midHi - nMid; b--) {
          E[this.eOff[o]! + j * nMid + (midHi - b)] = (this.bRowOff[b + 1]! - this.bRowOff[b]!) * (bMean[b * nb + j]! - sj);
        }
      }
    }
    for (let j = 0; j < nb; j++) {
      this.blockStats(base[j]!);
      for (let o = 0; o < L; o++) {
        this.windowSums(base[j]!, o);
        for (let k = 0; k < m; k++) {
          this.winX[k]![o * nb + j] = this.wY[k]!;
          const xx = this.winXX[k]!;
          xx[o * nb * nb + j * nb + j] = this.wYY[k]!;
          for (const i of basesOf[k]!) if (i < j) xx[o * nb * nb + i * nb + j] = this.wXY[k * nb + i]!;
        }
      }
    }
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
    const { T, L } = this;
    if (y.length !== T) throw new RangeError(`fitSymbol: y has length ${y.length}, expected ${T}`);
    this.blockStats(y);
    const states = this.states;
    for (let o = 0; o < L; o++) {
      const sy = this.windowSums(y, o);
      for (let i = 0; i < states.length; i++) this.fitDate(states[i]!, y, o, sy);
    }
  }

  /**
   * Pass 1: the shift s_y = mean of y over the smallest window's rows, from its pieces in the fixed
   * order A, middle blocks newest first, C (0 without rows; NaN when y is missing there, which makes every
   * window fall back, as it must). Needs {@link blockStats} of y.
   */
  private shiftY(y: Float64Array, o: number): number {
    const m = this.windows.length;
    let sum = 0;
    if (this.direct[o * m] === 0) {
      sum = this.pieceSum(y, this.aOff[o]!, this.aLen[o]!);
      for (let b = this.midHi[o]!; b >= this.midLo[o * m]!; b--) sum += this.bS[b]!;
    }
    sum += this.pieceSum(y, this.cOff[o * m]!, this.cLen[o * m]!);
    const n0 = this.winN[0]![o]!;
    return n0 > 0 ? sum / n0 : 0;
  }

  /**
   * Pass 2: the shifted window sums of y at output date o into wY, wYY, wXY and wGap (window k only for
   * basesOf[k]). Needs {@link blockStats} of y. The shared "A + middle blocks" part grows with the window.
   *
   * @returns the y shift s_y.
   */
  private windowSums(y: Float64Array, o: number): number {
    const { nb, wY, wYY, wXY, wGap, rXY, ps, cOff, cLen, direct, midLo, basesOf } = this;
    const m = this.windows.length;
    const bases0 = basesOf[0]!;
    const sy = this.shiftY(y, o);
    let started = false;
    let cur = this.midHi[o]!;
    for (let k = 0; k < m; k++) {
      const bases = basesOf[k]!;
      const c = o * m + k;
      const shared = direct[c] === 0;
      let y1 = 0;
      let y2 = 0;
      if (shared) {
        if (!started) {
          this.pieceSums(y, sy, this.aOff[o]!, this.aLen[o]!, bases0);
          this.rY = ps[0]!;
          this.rYY = ps[1]!;
          for (let q = 0; q < bases0.length; q++) rXY[bases0[q]!] = ps[2 + bases0[q]!]!;
          started = true;
        }
        if (cur >= midLo[c]!) this.mergeBlocks(o, cur, midLo[c]!, sy, bases);
        cur = Math.min(cur, midLo[c]! - 1);
        y1 = this.rY;
        y2 = this.rYY;
      }
      this.pieceSums(y, sy, cOff[c]!, cLen[c]!, bases);
      const sY = y1 + ps[0]!;
      const sYY = y2 + ps[1]!;
      wY[k] = sY;
      wYY[k] = sYY;
      wGap[k] = Number.isFinite(sY + sYY) ? 0 : 1;
      for (let q = 0; q < bases.length; q++) {
        const j = bases[q]!;
        wXY[k * nb + j] = shared ? rXY[j]! + ps[2 + j]! : ps[2 + j]!;
      }
    }
    return sy;
  }

  /**
   * Per-block stats of y for the blocks some date uses as a middle block: Σy, ȳ_b (0 for a block
   * without rows), Σ(y − ȳ_b)² and Σ(x_j − x̄_bj)(y − ȳ_b), each two-pass in row order.
   */
  private blockStats(y: Float64Array): void {
    const { nb, bRowOff, bRows, bXc, bS, bM, bYY, bXY, yc } = this;
    const nBlocks = this.blocks.count;
    const bases = this.basesOf[0]!;
    const nq = bases.length;
    for (let b = this.statLo; b <= this.statHi; b++) {
      const a = bRowOff[b]!;
      const n = bRowOff[b + 1]! - a;
      let s = 0;
      for (let r = 0; r < n; r++) {
        const v = y[bRows[a + r]!]!;
        yc[r] = v;
        s += v;
      }
      const mean = n > 0 ? s / n : 0;
      let s2 = 0;
      for (let r = 0; r < n; r++) {
        const d = yc[r]! - mean;
        yc[r] = d;
        s2 += d * d;
      }
      bS[b] = s;
      bM[b] = mean;
      bYY[b] = s2;
      const off = a * nb;
      for (let q = 0; q < nq; q++) {
        const j = bases[q]!;
        const xo = off + j * n;
        let d = 0;
        for (let r = 0; r < n; r++) d += bXc[xo + r]! * yc[r]!;
        bXY[j * nBlocks + b] = d;
      }
    }
  }

  /** Σ y over a loose piece's rows, in row order. */
  private pieceSum(y: Float64Array, off: number, len: number): number {
    const rows = this.pRows;
    let s = 0;
    for (let r = 0; r < len; r++) s += y[rows[off + r]!]!;
    return s;
  }

  /**
   * Shifted sums of a loose piece into {@link ps}: Σ(y − s_y), Σ(y − s_y)² and, for `bases`,
   * Σ(x_j − s_j)(y − s_y), each in row order.
   */
  private pieceSums(y: Float64Array, sy: number, off: number, len: number, bases: Int32Array): void {
    const { pRows, pXc, yc, ps, nb } = this;
    let s1 = 0;
    let s2 = 0;
    for (let r = 0; r < len; r++) {
      const v = y[pRows[off + r]!]! - sy;
      yc[r] = v;
      s1 += v;
      s2 += v * v;
    }
    ps[0] = s1;
    ps[1] = s2;
    const xo = off * nb;
    const nq = bases.length;
    let q = 0;
    // four bases per sweep over yc (each sum still in row order, so the bits do not depend on the unroll)
    for (; q + 3 < nq; q += 4) {
      const j0 = bases[q]!;
      const j1 = bases[q + 1]!;
      const j2 = bases[q + 2]!;
      const j3 = bases[q + 3]!;
      const x0 = xo + j0 * len;
      const x1 = xo + j1 * len;
      const x2 = xo + j2 * len;
      const x3 = xo + j3 * len;
      let d0 = 0;
      let d1 = 0;
      let d2 = 0;
      let d3 = 0;
      for (let r = 0; r < len; r++) {
        const v = yc[r]!;
        d0 += pXc[x0 + r]! * v;
        d1 += pXc[x1 + r]! * v;
        d2 += pXc[x2 + r]! * v;
        d3 += pXc[x3 + r]! * v;
      }
      ps[2 + j0] = d0;
      ps[2 + j1] = d1;
      ps[2 + j2] = d2;
      ps[2 + j3] = d3;
    }
    for (; q < nq; q++) {
      const j = bases[q]!;
      const x = xo + j * len;
      let d = 0;
      for (let r = 0; r < len; r++) d += pXc[x + r]! * yc[r]!;
      ps[2 + j] = d;
    }
  }

  /**
   * Add middle blocks hi down to lo (newest first) to the running sums: the exact merge of the block's
   * centred moments around the shift, C_b + n_b (x̄_b − s_x)(ȳ_b − s_y).
   */
  private mergeBlocks(o: number, hi: number, lo: number, sy: number, bases: Int32Array): void {
    const { bM, bYY, bXY, dv, E, rXY, bRowOff } = this;
    const nBlocks = this.blocks.count;
    const midHi = this.midHi[o]!;
    const nMid = this.eLen[o]!;
    const eo = this.eOff[o]!;
    let sY = this.rY;
    let sYY = this.rYY;
    for (let b = hi; b >= lo; b--) {
      const d = bM[b]! - sy;
      dv[midHi - b] = d;
      const nd = (bRowOff[b + 1]! - bRowOff[b]!) * d;
      sY += nd;
      sYY += bYY[b]! + nd * d;
    }
    this.rY = sY;
    this.rYY = sYY;
    const nq = bases.length;
    let q = 0;
    // four bases per sweep over the blocks (each sum still newest block first: bits independent of the unroll)
    for (; q + 3 < nq; q += 4) {
      const j0 = bases[q]!;
      const j1 = bases[q + 1]!;
      const j2 = bases[q + 2]!;
      const j3 = bases[q + 3]!;
      const x0 = j0 * nBlocks;
      const x1 = j1 * nBlocks;
      const x2 = j2 * nBlocks;
      const x3 = j3 * nBlocks;
      const e0 = eo + j0 * nMid + midHi;
      const e1 = eo + j1 * nMid + midHi;
      const e2 = eo + j2 * nMid + midHi;
      const e3 = eo + j3 * nMid + midHi;
      let a0 = rXY[j0]!;
      let a1 = rXY[j1]!;
      let a2 = rXY[j2]!;
      let a3 = rXY[j3]!;
      for (let b = hi; b >= lo; b--) {
        const d = dv[midHi - b]!;
        a0 += bXY[x0 + b]! + E[e0 - b]! * d;
        a1 += bXY[x1 + b]! + E[e1 - b]! * d;
        a2 += bXY[x2 + b]! + E[e2 - b]! * d;
        a3 += bXY[x3 + b]! + E[e3 - b]! * d;
      }
      rXY[j0] = a0;
      rXY[j1] = a1;
      rXY[j2] = a2;
      rXY[j3] = a3;
    }
    for (; q < nq; q++) {
      const j = bases[q]!;
      const xo = j * nBlocks;
      const ej = eo + j * nMid + midHi;
      let acc = rXY[j]!;
      for (let b = hi; b >= lo; b--) acc += bXY[xo + b]! + E[ej - b]! * dv[midHi - b]!;
      rXY[j] = acc;
    }
  }

  /** One regression at output date o from the window sums of the current symbol (or the fallback). */
  private fitDate(st: SpecState, y: Float64Array, o: number, sy: number): void {
    const { nb, g } = this;
    const k = st.k;
    const out = st.out;
    const win = st.win;
    const n = st.nA[o]!;
    if (this.wGap[win] === 1 || n !== st.nX[o]) {
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
