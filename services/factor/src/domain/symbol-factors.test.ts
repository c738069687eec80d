import assert from "node:assert/strict";
import { test } from "node:test";
import { assertClose, loadPricePanel, loadVectors } from "@sigma/quant/testing";
import { FACTOR_IDS, FactorInputError, QUALITY_FULL, QUALITY_LIMITED } from "./factor-ids.js";
import { computeSymbolFactors } from "./symbol-factors.js";

interface VF {
  skip?: string;
  beta_clipped?: number;
  r2?: number;
  n_obs: number;
  quality?: "FULL" | "LIMITED";
}
interface FV {
  tolerance: { abs: number; rel: number };
  symbols: string[];
  dates: Record<string, { index: number }>;
  rows: Record<string, Record<string, Record<string, VF>>>;
}

const P = loadPricePanel();
const V = loadVectors<FV>("factors.json");

test("every factor of every vector symbol-date matches statsmodels / sklearn (clipped beta, r2, n_obs, quality)", () => {
  const res = computeSymbolFactors({ ...P, symbols: V.symbols, startDate: P.dates[0]!, endDate: P.dates.at(-1)! });
  const { table } = res;
  const rowOf = new Map<string, number>();
  for (let r = 0; r < table.rowCount; r++) rowOf.set(`${table.symbol[r]}|${table.date[r]}`, r);
  let checked = 0;
  for (const date of Object.keys(V.dates)) {
    for (const sym of V.symbols) {
      const r = rowOf.get(`${sym}|${date}`);
      const exp = V.rows[date]![sym]!;
      const anyFit = FACTOR_IDS.some((f) => !exp[f]!.skip);
      assert.equal(r !== undefined, anyFit, `${sym} ${date}: row presence`);
      if (r === undefined) continue;
      FACTOR_IDS.forEach((f, j) => {
        const e = exp[f]!;
        const i = r * FACTOR_IDS.length + j;
        const what = `${sym} ${date} ${f}`;
        if (e.skip) {
          assert.equal(table.quality[i], 0, what);
          assert.ok(Number.isNaN(table.beta[i]!), what);
          return;
        }
        assertClose(table.beta[i]!, e.beta_clipped!, V.tolerance, `${what} beta`);
        assertClose(table.r2[i]!, e.r2!, V.tolerance, `${what} r2`);
        assert.equal(table.nObs[i], e.n_obs, `${what} n_obs`);
        assert.equal(table.quality[i], e.quality === "FULL" ? QUALITY_FULL : QUALITY_LIMITED, `${what} quality`);
        checked++;
      });
    }
  }
  assert.ok(checked > 1000, `checked ${checked}`);
  assert.ok(res.fallbackFits > 0, "AVP and GWR stop early: their windows take the exact path");
});

test("boundaries: 29 returns → no row; 30 → market/IR/style LIMITED, spreads skipped; skip counts", () => {
  const res = computeSymbolFactors({ ...P, symbols: ["AAPL"], startDate: P.dates[29]!, endDate: P.dates[30]! });
  assert.equal(res.table.rowCount, 1);
  assert.equal(res.table.date[0], P.dates[30]);
  // date 29: all 12 insufficient; date 30: the 4 spreads
  assert.equal(res.skips.INSUFFICIENT_HISTORY, 12 + 4);
  assert.equal(res.table.nObs[0], 30);
  assert.equal(res.table.quality[0], QUALITY_LIMITED);
  assert.equal(res.fits, 3, "market, ir and one ridge");
});

test("SPY market beta is 1 to 1e-12 on every date; ETFs get betas", () => {
  const res = computeSymbolFactors({ ...P, symbols: ["SPY", "TLT"], startDate: P.dates[30]!, endDate: P.dates.at(-1)! });
  const m = FACTOR_IDS.indexOf("market");
  const ir = FACTOR_IDS.indexOf("ir");
  for (let r = 0; r < res.table.rowCount; r++) {
    if (res.table.symbol[r] === "SPY") assert.ok(Math.abs(res.table.beta[r * 12 + m]! - 1) <= 1e-12);
    else assert.ok(Math.abs(res.table.beta[r * 12 + ir]! - 1) <= 1e-12, "TLT's IR beta");
  }
  assert.equal(res.table.rowCount, 2 * (P.dates.length - 30));
});

test("a symbol without prices is a NO_PRICES problem; missing ETF or bad range is an input error", () => {
  const res = computeSymbolFactors({ ...P, symbols: ["NOPE"], startDate: "2019-01-02", endDate: "2019-01-31" });
  assert.equal(res.skips.NO_PRICES, 1);
  assert.deepEqual(
    res.problems.map((p) => p.reason),
    ["NO_PRICES"],
  );
  const closes = new Map(P.closes);
  closes.delete("USMV");
  assert.throws(
    () => computeSymbolFactors({ dates: P.dates, closes, symbols: ["AAPL"], startDate: "2019-01-02", endDate: "2019-01-31" }),
    FactorInputError,
  );
  assert.throws(() => computeSymbolFactors({ ...P, symbols: ["AAPL"], startDate: "2019-02-01", endDate: "2019-01-31" }), FactorInputError);
});

test("clipping: a 10× levered series clips market beta at 5 while r2 is unchanged", () => {
  const closes = new Map(P.closes);
  const spy = P.closes.get("SPY")!;
  const lev = new Float64Array(spy.length);
  lev[0] = 100;
  for (let i = 1; i < spy.length; i++) lev[i] = lev[i - 1]! * (1 + 10 * (spy[i]! / spy[i - 1]! - 1));
  closes.set("LEV", lev);
  const res = computeSymbolFactors({ dates: P.dates, closes, symbols: ["LEV"], startDate: "2019-06-03", endDate: "2019-06-03" });
  assert.equal(res.table.beta[0], 5);
  assert.ok(Math.abs(res.table.r2[0]! - 1) < 1e-12);
});
