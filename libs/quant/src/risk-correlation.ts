/**
 * Position correlations of a portfolio on one date (SPEC §3 "Correlations (phase 6)", §3.1
 * "Correlations"): pairwise Pearson of 90 log returns, PSD repair, average |ρ|, diversification ratio
 * and clusters. Factor EWMA covariance/correlation lives in ewma.ts (ewmaCovariance, clipCorrelation).
 *
 * Readings of the spec: the weight filter is on |weight| (§3.1 overrides §3's "weight ≥ 1%", so shorts
 * count); a pair whose overlap has a flat side (Pearson undefined) is 0 like a short overlap; σ_i uses
 * all the symbol's returns in the window (not only a pair's overlap); the diversification ratio is NaN
 * when σ_p = 0 and 1 for a single symbol; the repair sets the diagonal to exactly 1.
 */
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { logReturns } from "./returns.js";
import { symmetricEigenvalues } from "./symmetric-eigenvalues.js";

/** Symbols need |weight| ≥ 1 %. */
export const CORR_MIN_WEIGHT = 0.01;
/** Symbols need |market value| ≥ 10 000 (currency units). */
export const CORR_MIN_VALUE = 10_000;
/** Log returns per window (91 closes). */
export const CORR_WINDOW = 90;
/** Minimum returns per symbol and minimum overlap per pair. */
export const CORR_MIN_OBS = 30;
/** A matrix is not PSD when its smallest eigenvalue is below −1e-10. */
export const PSD_TOLERANCE = -1e-10;
/** Cluster edges: |ρ| ≥ 0.7 (inclusive). */
export const CLUSTER_THRESHOLD = 0.7;

/** Why a symbol is not in the matrix. */
export type CorrelationExclusion = "BELOW_MIN_WEIGHT" | "BELOW_MIN_VALUE" | "NO_RETURNS" | "FEW_RETURNS";

/** One symbol of the portfolio (positions already aggregated by symbol; PUBLIC only). */
export interface CorrelationSymbol {
  symbol: string;
  /** Signed Σ market value of the symbol's positions / nav. */
  weight: number;
  /** |Σ signed market value| of the symbol's positions (currency). */
  absMarketValue: number;
  /** Closes aligned to the trading calendar (NaN = missing). */
  closes: Float64Array;
  /**
   * `logReturns(closes)` when the caller already has it (one series per symbol shared by every
   * portfolio-date of a call instead of one per cell); computed from `closes` when absent.
   */
  returns?: Float64Array;
}

/** Result of {@link positionCorrelations}; matrices are row-major m × m over `symbols`. */
export interface CorrelationResult {
  /** Symbols in the matrix, in input order. */
  symbols: string[];
  /** Returns each included symbol has in the window. */
  nReturns: Int32Array;
  /** Excluded symbols with their reason. */
  excluded: { symbol: string; reason: CorrelationExclusion; nReturns: number }[];
  /** Pairwise correlation before repair (pairs with overlap < 30 or a flat overlap are 0). */
  raw: Float64Array;
  /** Joint observations per pair (diagonal: the symbol's own count). */
  overlap: Int32Array;
  /** The reported matrix: `raw`, or its PSD repair when λ_min < −1e-10. */
  matrix: Float64Array;
  /** Smallest eigenvalue of `raw` (NaN when m = 0). */
  minEigenvalue: number;
  /** True when `matrix` is a repair of `raw`. */
  repaired: boolean;
  /** Mean |ρ| over pairs i < j of `matrix`; NaN with fewer than 2 symbols. */
  averageAbsCorrelation: number;
  /** Σ a_i σ_i / √(aᵀ diag(σ) ρ diag(σ) a) with a = |w| / Σ|w|; NaN when m = 0 or σ_p = 0. */
  diversificationRatio: number;
  /** Connected components (size ≥ 2) of |ρ| ≥ 0.7, as sorted indices into `symbols`. */
  clusters: number[][];
}

/**
 * Symmetric PSD repair: when λ_min < −1e-10, clip negative eigenvalues to 0, rebuild V Λ₊ Vᵀ and rescale
 * to a unit diagonal (D^{-1/2} A D^{-1/2}).
 *
 * @param m row-major m × m symmetric matrix with unit diagonal.
 * @returns the repaired copy (or an unchanged copy), λ_min of the input and whether it was repaired.
 */
export function repairCorrelation(corr: Float64Array, m: number): { matrix: Float64Array; minEigenvalue: number; repaired: boolean } {
  if (m === 0) return { matrix: new Float64Array(0), minEigenvalue: NaN, repaired: false };
  // λ_min alone first (cheap); the eigenvectors only for a matrix that needs the repair.
  const minEigenvalue = symmetricEigenvalues(corr, m)[0]!;
  if (!(minEigenvalue < PSD_TOLERANCE)) return { matrix: corr.slice(), minEigenvalue, repaired: false };
  const rows = Array.from({ length: m }, (_, i) => Array.from(corr.subarray(i * m, (i + 1) * m)));
  const eig = new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true });
  const lambda = eig.realEigenvalues;
  const v = eig.eigenvectorMatrix;
  const a = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = i; j < m; j++) {
      let s = 0;
      for (let k = 0; k < m; k++) s += v.get(i, k) * Math.max(lambda[k]!, 0) * v.get(j, k);
      a[i * m + j] = s;
      a[j * m + i] = s;
    }
  }
  const d = Float64Array.from({ length: m }, (_, i) => Math.sqrt(a[i * m + i]!));
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) out[i * m + j] = i === j ? 1 : d[i]! > 0 && d[j]! > 0 ? a[i * m + j]! / (d[i]! * d[j]!) : 0;
  }
  return { matrix: out, minEigenvalue, repaired: true };
}

/**
 * Connected components of the graph with an edge where |ρ_ij| ≥ threshold (i ≠ j), size ≥ 2.
 *
 * @returns components as ascending index lists, ordered by their smallest index.
 */
export function correlationClusters(matrix: Float64Array, m: number, threshold = CLUSTER_THRESHOLD): number[][] {
  const seen = new Uint8Array(m);
  const out: number[][] = [];
  for (let s = 0; s < m; s++) {
    if (seen[s]) continue;
    seen[s] = 1;
    const comp = [s];
    for (let q = 0; q < comp.length; q++) {
      const i = comp[q]!;
      for (let j = 0; j < m; j++) {
        if (!seen[j] && j !== i && Math.abs(matrix[i * m + j]!) >= threshold) {
          seen[j] = 1;
          comp.push(j);
        }
      }
    }
    if (comp.length >= 2) out.push(comp.sort((a, b) => a - b));
  }
  return out;
}

/** Pearson correlation of two series over the indices where both are finite. */
function pairwise(a: Float64Array, b: Float64Array): { rho: number; n: number } {
  let n = 0;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isFinite(a[i]!) && Number.isFinite(b[i]!)) {
      n++;
      ma += a[i]!;
      mb += b[i]!;
    }
  }
  if (n === 0) return { rho: NaN, n };
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    if (!(Number.isFinite(a[i]!) && Number.isFinite(b[i]!))) continue;
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return { rho: saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN, n };
}

/** Sample std (ddof 1) of the finite values; NaN with fewer than 2. */
function sampleStd(x: Float64Array): number {
  let n = 0;
  let m = 0;
  for (const v of x) {
    if (!Number.isFinite(v)) continue;
    n++;
    m += v;
  }
  if (n < 2) return NaN;
  m /= n;
  let ss = 0;
  for (const v of x) if (Number.isFinite(v)) ss += (v - m) ** 2;
  return Math.sqrt(ss / (n - 1));
}

/** The 90 log returns ending at calendar index t (indices t − 89..t; NaN where the calendar has none). */
function windowReturns(s: CorrelationSymbol, t: number): Float64Array {
  const returns = s.returns ?? logReturns(s.closes);
  const from = t - CORR_WINDOW + 1;
  if (from >= 0 && t < returns.length) return returns.subarray(from, t + 1);
  const out = new Float64Array(CORR_WINDOW).fill(NaN);
  for (let i = Math.max(from, 0); i <= t && i < returns.length; i++) out[i - from] = returns[i]!;
  return out;
}

/** Σ (x − mean(x))², two-pass (x all finite). */
function centeredSumOfSquares(x: Float64Array): number {
  let mean = 0;
  for (let i = 0; i < x.length; i++) mean += x[i]!;
  mean /= x.length;
  let ss = 0;
  for (let i = 0; i < x.length; i++) ss += (x[i]! - mean) * (x[i]! - mean);
  return ss;
}

/**
 * Running sums Σ r_i, Σ r_i r_j of return series over the 90-return window ending at calendar index t,
 * kept across the consecutive dates of ONE portfolio so each date adds its day and drops the oldest
 * instead of recomputing 90-term sums for every pair. Series are identified by their array (the
 * caller's one `returns` array per symbol); a series enters with full sums against the others and
 * leaves when it has a gap. A non-consecutive t (or too many series) starts over, so any call order
 * is correct, consecutive dates are merely fast. Rounding drifts by ~1e-16 per step relative to the
 * terms; a window starts over at least every {@link CorrelationWindow.MAX_STEPS} steps.
 */
export class CorrelationWindow {
  /** Steps before the sums are rebuilt from the series (bounds the drift). */
  static readonly MAX_STEPS = 250;
  /** Series tracked at most (more starts over with only the requested ones). */
  static readonly MAX_SERIES = 64;
  private end = Number.NaN;
  private steps = 0;
  private series: Float64Array[] = [];
  private slotOf = new Map<Float64Array, number>();
  private sum = new Float64Array(CorrelationWindow.MAX_SERIES);
  private cross = new Float64Array(CorrelationWindow.MAX_SERIES * CorrelationWindow.MAX_SERIES);

  /**
   * Σ r and Σ r_i r_j over indices t − 89..t for `requested` (each finite on all of them; not checked
   * beyond what the sums need).
   *
   * @returns cross row-major m × m and sum (length m), in the order of `requested`.
   */
  sums(requested: readonly Float64Array[], t: number): { cross: Float64Array; sum: Float64Array } {
    const cap = CorrelationWindow.MAX_SERIES;
    const newcomers = requested.filter((r) => !this.slotOf.has(r)).length;
    if (t !== this.end + 1 || this.steps >= CorrelationWindow.MAX_STEPS || this.series.length + newcomers > cap) this.reset();
    else this.advance(t);
    this.end = t;
    for (const r of requested) if (!this.slotOf.has(r)) this.add(r, t);
    const m = requested.length;
    const slots = requested.map((r) => this.slotOf.get(r)!);
    const cross = new Float64Array(m * m);
    const sum = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      sum[i] = this.sum[slots[i]!]!;
      for (let j = 0; j < m; j++) cross[i * m + j] = this.cross[slots[i]! * cap + slots[j]!]!;
    }
    return { cross, sum };
  }

  private reset(): void {
    this.series = [];
    this.slotOf.clear();
    this.steps = 0;
  }

  /** Window end t − 1 → t: add day t, drop day t − 90; a series without a return at t leaves. */
  private advance(t: number): void {
    const cap = CorrelationWindow.MAX_SERIES;
    const out = t - CORR_WINDOW;
    const keep = this.series.filter((r) => t < r.length && Number.isFinite(r[t]!));
    if (keep.length !== this.series.length) {
      // Compact: rebuild the slots of the survivors from their old sums.
      const oldSlot = keep.map((r) => this.slotOf.get(r)!);
      const sum = new Float64Array(cap);
      const cross = new Float64Array(cap * cap);
      keep.forEach((_, i) => {
        sum[i] = this.sum[oldSlot[i]!]!;
        keep.forEach((__, j) => {
          cross[i * cap + j] = this.cross[oldSlot[i]! * cap + oldSlot[j]!]!;
        });
      });
      this.sum = sum;
      this.cross = cross;
      this.series = keep;
      this.slotOf = new Map(keep.map((r, i) => [r, i]));
    }
    const n = this.series.length;
    for (let i = 0; i < n; i++) {
      const ri = this.series[i]!;
      const a = ri[t]!;
      const b = ri[out]!;
      this.sum[i] = this.sum[i]! + a - b;
      for (let j = i; j < n; j++) {
        const rj = this.series[j]!;
        const v = this.cross[i * cap + j]! + a * rj[t]! - b * rj[out]!;
        this.cross[i * cap + j] = v;
        this.cross[j * cap + i] = v;
      }
    }
    this.steps++;
  }

  /** A series enters: its sums with itself and every tracked series over the window ending t. */
  private add(r: Float64Array, t: number): void {
    const cap = CorrelationWindow.MAX_SERIES;
    const k = this.series.length;
    this.series.push(r);
    this.slotOf.set(r, k);
    const from = t - CORR_WINDOW + 1;
    let s = 0;
    for (let d = from; d <= t; d++) s += r[d]!;
    this.sum[k] = s;
    for (let j = 0; j <= k; j++) {
      const o = this.series[j]!;
      let c = 0;
      for (let d = from; d <= t; d++) c += r[d]! * o[d]!;
      this.cross[k * cap + j] = c;
      this.cross[j * cap + k] = c;
    }
  }
}

/** x − mean(x) (x all finite). */
function centeredCopy(x: Float64Array): Float64Array {
  let mean = 0;
  for (let i = 0; i < x.length; i++) mean += x[i]!;
  mean /= x.length;
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! - mean;
  return out;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * Position correlation analytics of one portfolio on calendar index t.
 *
 * Filters |weight| ≥ 1 % and |MV| ≥ 10 000; the window is the 90 log returns ending at t (closes
 * t − 90..t); a symbol with fewer than 30 returns there is excluded (NO_RETURNS when 0, else
 * FEW_RETURNS); pairs use jointly present days and are 0 with overlap < 30 (or when either side is
 * flat on the overlap, where Pearson is undefined). Averages, the diversification ratio and clusters use
 * the repaired matrix; σ_i is the sample std of the symbol's log returns in the window (daily; the ratio
 * is scale-free).
 *
 * @param window running sums of one portfolio's series, when the caller computes its dates in
 *   ascending order (see {@link CorrelationWindow}); used when every kept symbol has all 90 returns
 *   and its `returns` series is given. Results equal the stateless ones to ~1e-14.
 */
export function positionCorrelations(input: readonly CorrelationSymbol[], t: number, window?: CorrelationWindow): CorrelationResult {
  const excluded: CorrelationResult["excluded"] = [];
  const kept: { symbol: string; weight: number; rets: Float64Array; n: number; full: Float64Array | undefined }[] = [];
  for (const s of input) {
    if (!(Math.abs(s.weight) >= CORR_MIN_WEIGHT)) {
      excluded.push({ symbol: s.symbol, reason: "BELOW_MIN_WEIGHT", nReturns: 0 });
      continue;
    }
    if (!(s.absMarketValue >= CORR_MIN_VALUE)) {
      excluded.push({ symbol: s.symbol, reason: "BELOW_MIN_VALUE", nReturns: 0 });
      continue;
    }
    const rets = windowReturns(s, t);
    let n = 0;
    for (let i = 0; i < rets.length; i++) if (Number.isFinite(rets[i]!)) n++;
    if (n < CORR_MIN_OBS) excluded.push({ symbol: s.symbol, reason: n === 0 ? "NO_RETURNS" : "FEW_RETURNS", nReturns: n });
    else kept.push({ symbol: s.symbol, weight: s.weight, rets, n, full: s.returns });
  }
  const m = kept.length;
  const raw = new Float64Array(m * m);
  const overlap = new Int32Array(m * m);
  const sigma = new Float64Array(m);
  if (window && m > 1 && kept.every((k) => k.n === CORR_WINDOW && k.full !== undefined)) {
    // Every symbol has the whole window and the caller keeps running sums across its dates: the
    // cross products come from the window's sums (O(m²) per date instead of O(m² · 90)); each
    // symbol's own sum of squares stays two-pass, so a flat symbol is exactly flat.
    const { cross, sum } = window.sums(
      kept.map((k) => k.full!),
      t,
    );
    const ss = kept.map((k) => centeredSumOfSquares(k.rets));
    for (let i = 0; i < m; i++) {
      raw[i * m + i] = 1;
      overlap[i * m + i] = CORR_WINDOW;
      sigma[i] = Math.sqrt(ss[i]! / (CORR_WINDOW - 1));
      for (let j = i + 1; j < m; j++) {
        const cov = cross[i * m + j]! - (sum[i]! * sum[j]!) / CORR_WINDOW;
        const rho = ss[i]! > 0 && ss[j]! > 0 ? cov / Math.sqrt(ss[i]! * ss[j]!) : 0;
        raw[i * m + j] = raw[j * m + i] = rho;
        overlap[i * m + j] = overlap[j * m + i] = CORR_WINDOW;
      }
    }
  } else if (kept.every((k) => k.n === CORR_WINDOW)) {
    // Every symbol has the whole window: each pair's overlap is the window and its means are the
    // symbols' own, so center once and take dot products (the same sums, in the same order, as below).
    const centered = kept.map((k) => centeredCopy(k.rets));
    const ss = centered.map((c) => dot(c, c));
    for (let i = 0; i < m; i++) {
      raw[i * m + i] = 1;
      overlap[i * m + i] = CORR_WINDOW;
      sigma[i] = Math.sqrt(ss[i]! / (CORR_WINDOW - 1));
      for (let j = i + 1; j < m; j++) {
        const rho = ss[i]! > 0 && ss[j]! > 0 ? dot(centered[i]!, centered[j]!) / Math.sqrt(ss[i]! * ss[j]!) : 0;
        raw[i * m + j] = raw[j * m + i] = rho;
        overlap[i * m + j] = overlap[j * m + i] = CORR_WINDOW;
      }
    }
  } else {
    for (let i = 0; i < m; i++) {
      raw[i * m + i] = 1;
      overlap[i * m + i] = kept[i]!.n;
      sigma[i] = sampleStd(kept[i]!.rets);
      for (let j = i + 1; j < m; j++) {
        const p = pairwise(kept[i]!.rets, kept[j]!.rets);
        const rho = p.n >= CORR_MIN_OBS && Number.isFinite(p.rho) ? p.rho : 0;
        raw[i * m + j] = raw[j * m + i] = rho;
        overlap[i * m + j] = overlap[j * m + i] = p.n;
      }
    }
  }
  const rep = repairCorrelation(raw, m);
  const matrix = rep.matrix;
  let sumAbs = 0;
  for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) sumAbs += Math.abs(matrix[i * m + j]!);
  const pairs = (m * (m - 1)) / 2;
  const wsum = kept.reduce((acc, k) => acc + Math.abs(k.weight), 0);
  const a = kept.map((k) => Math.abs(k.weight) / wsum);
  let num = 0;
  let varP = 0;
  for (let i = 0; i < m; i++) {
    num += a[i]! * sigma[i]!;
    for (let j = 0; j < m; j++) varP += a[i]! * a[j]! * sigma[i]! * sigma[j]! * matrix[i * m + j]!;
  }
  const sdP = Math.sqrt(Math.max(varP, 0));
  return {
    symbols: kept.map((k) => k.symbol),
    nReturns: Int32Array.from(kept, (k) => k.n),
    excluded,
    raw,
    overlap,
    matrix,
    minEigenvalue: rep.minEigenvalue,
    repaired: rep.repaired,
    averageAbsCorrelation: pairs > 0 ? sumAbs / pairs : NaN,
    diversificationRatio: m > 0 && sdP > 0 ? num / sdP : NaN,
    clusters: correlationClusters(matrix, m),
  };
}
