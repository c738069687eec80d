/** Minimum-norm least squares (SPEC §3.1: a singular HAR design uses the pseudo-inverse solution). */
import { Matrix, pseudoInverse } from "ml-matrix";

/**
 * Minimum-norm least-squares solution x = A⁺ b of A x ≈ b, via ml-matrix's SVD pseudo-inverse.
 * For a full-column-rank A this is the ordinary least-squares solution; for a rank-deficient A it is the
 * solution of smallest ‖x‖₂ among all minimizers of ‖Ax − b‖₂.
 *
 * @param a design matrix, rows × cols (array of rows).
 * @param b right-hand side, length rows.
 * @param threshold singular values ≤ threshold are treated as 0 (default: ml-matrix's
 *   ε · max(rows, cols) · σ_max).
 * @throws RangeError when b's length differs from the row count or A is empty.
 */
export function lstsqMinNorm(a: readonly (readonly number[])[], b: ArrayLike<number>, threshold?: number): Float64Array {
  const rows = a.length;
  if (rows === 0 || a[0]!.length === 0) throw new RangeError("lstsqMinNorm: empty design");
  if (b.length !== rows) throw new RangeError(`lstsqMinNorm: b has ${b.length} rows, A has ${rows}`);
  const pinv = pseudoInverse(new Matrix(a.map((r) => [...r])), threshold);
  const cols = pinv.rows;
  const x = new Float64Array(cols);
  for (let i = 0; i < cols; i++) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += pinv.get(i, r) * b[r]!;
    x[i] = s;
  }
  return x;
}
