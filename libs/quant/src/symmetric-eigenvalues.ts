/**
 * Eigenvalues (without eigenvectors) of a real symmetric matrix: Householder reduction to tridiagonal
 * form, then the implicit QL iteration. The algorithm is JAMA's tred2/tql2 (which ml-matrix's
 * EigenvalueDecomposition also ports) with the accumulation of transformations left out, on a flat
 * Float64Array: the correlation phase needs λ_min of every portfolio-date's matrix but eigenvectors only
 * for the rare matrix that needs a PSD repair, and building ml-matrix objects dominated that cost.
 */

/**
 * Eigenvalues of a symmetric m × m matrix, ascending.
 *
 * @param a row-major m × m; only symmetric input is meaningful (the upper triangle is not checked
 *   against the lower one). Not modified.
 * @returns m eigenvalues in ascending order (empty for m = 0); NaN entries in `a` give NaN eigenvalues.
 * @throws RangeError when `a.length !== m * m`.
 */
export function symmetricEigenvalues(a: Float64Array, m: number): Float64Array {
  if (a.length !== m * m) throw new RangeError(`expected ${m}×${m} = ${m * m} values, got ${a.length}`);
  const d = new Float64Array(m);
  const e = new Float64Array(m);
  if (m === 0) return d;
  const v = a.slice();
  tridiagonalize(m, v, d, e);
  ql(m, d, e);
  return d.sort();
}

/** tred2 without the accumulation: d ← the diagonal, e ← the sub-diagonal (e[0] = 0); `v` is scratch. */
function tridiagonalize(n: number, v: Float64Array, d: Float64Array, e: Float64Array): void {
  for (let j = 0; j < n; j++) d[j] = v[j * n + n - 1]!;
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) {
        d[j] = v[j * n + i - 1]!;
        v[j * n + i] = 0;
        v[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k]! /= scale;
        h += d[k]! * d[k]!;
      }
      let f = d[i - 1]!;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        v[i * n + j] = f;
        g = e[j]! + v[j * n + j]! * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += v[j * n + k]! * d[k]!;
          e[k]! += v[j * n + k]! * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j]! /= h;
        f += e[j]! * d[j]!;
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j]! -= hh * d[j]!;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        g = e[j]!;
        for (let k = j; k <= i - 1; k++) v[j * n + k]! -= f * e[k]! + g * d[k]!;
        d[j] = v[j * n + i - 1]!;
        v[j * n + i] = 0;
      }
    }
    d[i] = h;
  }
  // The reduction leaves the tridiagonal's diagonal on v's diagonal (tred2 reads it back the same way).
  for (let j = 0; j < n; j++) d[j] = v[j * n + j]!;
  e[0] = 0;
}

/** tql2 without eigenvectors: d ← eigenvalues (unsorted). */
function ql(n: number, d: Float64Array, e: Float64Array): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = Number.EPSILON;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]!) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      // NaN input never converges: stop rather than spin (the result is NaN either way).
      for (let iter = 0; iter < 64 * n; iter++) {
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = hypotenuse(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i]! -= h;
        f += h;
        p = d[m]!;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1]!;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = hypotenuse(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
        if (!(Math.abs(e[l]!) > eps * tst1)) break;
      }
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
}

/** √(a² + b²) without overflow; Math.hypot is several times slower in V8 and this loop is hot. */
function hypotenuse(a: number, b: number): number {
  const aa = Math.abs(a);
  const ab = Math.abs(b);
  if (aa > ab) {
    const r = b / a;
    return aa * Math.sqrt(1 + r * r);
  }
  if (b !== 0) {
    const r = a / b;
    return ab * Math.sqrt(1 + r * r);
  }
  return 0;
}
