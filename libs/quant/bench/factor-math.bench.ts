/**
 * Micro-benchmark of the factor math: 1,193 synthetic symbols × 254 output dates (+ 180 dates of
 * lookback) × 7 regressions (market, IR, style ridge, 4 spreads) on the shared-regressor fast path.
 * History on this 2-core machine: ~0.25 s for the former prefix-sum version (not bit-reproducible
 * across ranges), ~0.8 s for window-local direct sums, ~0.42 s for fixed two-week calendar blocks
 * (window-local and bit-reproducible; issue target ≤ 0.5 s).
 * Prints timings only (no assertions). Run:
 *   cd /work/main && node --import tsx libs/quant/bench/factor-math.bench.ts
 */
import { performance } from "node:perf_hooks";
import { SharedRegressorPanel, weekBlockIds, type PanelRegressionSpec } from "../src/index.js";

const SYMBOLS = 1193;
const DATES = 254;
const LOOKBACK = 180;
const T = DATES + LOOKBACK + 1;
const BASE = ["SPY", "TLT", "VTV", "VUG", "MTUM", "QUAL", "IWM", "USMV"];

// deterministic pseudo-random normals (mulberry32 + Box–Muller) so runs are comparable
let seed = 42;
function uniform(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
function normal(): number {
  return Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

const market = Float64Array.from({ length: T }, () => 0.01 * normal());
const base = BASE.map((_, j) =>
  Float64Array.from({ length: T }, (_, t) => (t === 0 ? NaN : (j === 1 ? -0.3 : 1) * market[t]! + 0.004 * normal())),
);
const ys = Array.from({ length: SYMBOLS }, () => {
  const b = 0.5 + uniform();
  return Float64Array.from({ length: T }, (_, t) => (t === 0 ? NaN : b * market[t]! + 0.015 * normal()));
});
// weekday day numbers from Monday 2023-01-02 (19359), blocked as in the product (fixed two-week spans)
const days: number[] = [];
for (let d = 19359; days.length < T; d++) if ((d + 3) % 7 < 5) days.push(d); // (d + 3) % 7: 0 = Monday
const blockIds = weekBlockIds(days);
const unit = (j: number): number[] => BASE.map((_, i) => (i === j ? 1 : 0));
const spread = (a: number, b: number): number[] => BASE.map((_, i) => (i === a ? 1 : i === b ? -1 : 0));
const specs: PanelRegressionSpec[] = [
  { id: "market", kind: "ols", regressors: [unit(0)], window: 90, minObs: 30 },
  { id: "ir", kind: "ols", regressors: [unit(1)], window: 90, minObs: 30 },
  { id: "style", kind: "ridge", regressors: [2, 3, 4, 5, 6, 7].map(unit), window: 90, minObs: 30, alpha: 1 },
  { id: "gv", kind: "ols", regressors: [spread(3, 2)], window: 180, minObs: 60 },
  { id: "mom", kind: "ols", regressors: [spread(4, 0)], window: 180, minObs: 60 },
  { id: "size", kind: "ols", regressors: [spread(6, 0)], window: 180, minObs: 60 },
  { id: "qual", kind: "ols", regressors: [spread(5, 0)], window: 180, minObs: 60 },
];

function run(): { seconds: number; sink: number } {
  const t0 = performance.now();
  const panel = new SharedRegressorPanel(base, specs, T - DATES, T - 1, blockIds);
  let sink = 0;
  for (const y of ys) {
    panel.fitSymbol(y);
    sink += panel.outputs[2]!.beta[0]!;
  }
  return { seconds: (performance.now() - t0) / 1000, sink };
}

run(); // warm-up (JIT)
const runs = [run(), run(), run()];
const best = Math.min(...runs.map((r) => r.seconds));
const fits = SYMBOLS * DATES * specs.length;
console.log(`factor math: ${SYMBOLS} symbols × ${DATES} dates × ${specs.length} regressions = ${fits.toLocaleString("en-US")} fits`);
console.log(
  `best of 3: ${best.toFixed(3)} s, ${Math.round(fits / best).toLocaleString("en-US")} fits/s (runs: ${runs.map((r) => r.seconds.toFixed(3)).join(", ")} s)`,
);
