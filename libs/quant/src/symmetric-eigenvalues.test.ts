import assert from "node:assert/strict";
import { test } from "node:test";
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { symmetricEigenvalues } from "./symmetric-eigenvalues.js";

/** Deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function randomSymmetric(m: number, r: () => number): Float64Array {
  const a = new Float64Array(m * m);
  for (let i = 0; i < m; i++)
    for (let j = i; j < m; j++) {
      const x = i === j ? 1 : 2 * r() - 1;
      a[i * m + j] = x;
      a[j * m + i] = x;
    }
  return a;
}

function mlMatrixEigenvalues(a: Float64Array, m: number): number[] {
  const rows = Array.from({ length: m }, (_, i) => Array.from(a.subarray(i * m, (i + 1) * m)));
  return new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true }).realEigenvalues.sort((x, y) => x - y);
}

test("eigenvalues agree with ml-matrix's full decomposition on random symmetric matrices (m = 1..25)", () => {
  const r = prng(7);
  for (let m = 1; m <= 25; m++) {
    for (let rep = 0; rep < 4; rep++) {
      const a = randomSymmetric(m, r);
      const got = symmetricEigenvalues(a, m);
      const want = mlMatrixEigenvalues(a, m);
      const scale = Math.max(1, ...want.map(Math.abs));
      for (let i = 0; i < m; i++) assert.ok(Math.abs(got[i]! - want[i]!) <= 1e-12 * scale, `m=${m} λ${i}: ${got[i]} vs ${want[i]}`);
    }
  }
});

test("known spectra: diagonal, rank one, a non-PSD correlation matrix; the input is left as it was", () => {
  assert.deepEqual(Array.from(symmetricEigenvalues(Float64Array.from([3, 0, 0, 0, -1, 0, 0, 0, 2]), 3)), [-1, 2, 3]);
  // all-ones 4×4: eigenvalues 0, 0, 0, 4
  const ones = new Float64Array(16).fill(1);
  const got = symmetricEigenvalues(ones, 4);
  assert.ok(Math.abs(got[3]! - 4) < 1e-12 && got.slice(0, 3).every((x) => Math.abs(x) < 1e-12), `${got}`);
  assert.ok(ones.every((x) => x === 1));
  // [[1,.9,-.9],[.9,1,.9],[-.9,.9,1]]: eigenvalues −0.8, 1.9, 1.9
  const c = symmetricEigenvalues(Float64Array.from([1, 0.9, -0.9, 0.9, 1, 0.9, -0.9, 0.9, 1]), 3);
  [-0.8, 1.9, 1.9].forEach((x, i) => assert.ok(Math.abs(c[i]! - x) < 1e-12, `${c}`));
});

test("edge cases: m = 0, NaN input ends (NaN out), a wrong length is refused", () => {
  assert.equal(symmetricEigenvalues(new Float64Array(0), 0).length, 0);
  const nan = symmetricEigenvalues(Float64Array.from([1, NaN, NaN, 1]), 2);
  assert.ok(nan.some(Number.isNaN));
  assert.throws(() => symmetricEigenvalues(new Float64Array(3), 2), RangeError);
});
