import assert from "node:assert/strict";
import { test } from "node:test";
import { assertClose, loadPricePanel, loadVectors } from "@sigma/quant/testing";
import { METRIC_KEYS, computeSymbolMetrics } from "./symbol-metrics.js";

interface MV {
  tolerance: { abs: number; rel: number; rsi_abs: number };
  symbols: string[];
  rows: Record<string, Record<string, Record<string, number | null | string>>>;
}

const P = loadPricePanel();
const V = loadVectors<MV>("metrics.json");

test("metrics match the pandas / numpy vectors (null where short, no row without a close)", () => {
  const res = computeSymbolMetrics({ ...P, symbols: V.symbols, startDate: P.dates[0]!, endDate: P.dates.at(-1)! });
  const { table } = res;
  const rowOf = new Map<string, number>();
  for (let r = 0; r < table.rowCount; r++) rowOf.set(`${table.symbol[r]}|${table.date[r]}`, r);
  let checked = 0;
  for (const [date, bySym] of Object.entries(V.rows)) {
    for (const [sym, exp] of Object.entries(bySym)) {
      const r = rowOf.get(`${sym}|${date}`);
      if (exp.skip === "NO_CLOSE") {
        assert.equal(r, undefined, `${sym} ${date} has no close`);
        continue;
      }
      assert.ok(r !== undefined, `${sym} ${date} row`);
      for (const k of METRIC_KEYS) {
        const e = exp[k] as number | null;
        const tol = k === "rsi_14" ? { abs: V.tolerance.rsi_abs, rel: 0 } : V.tolerance;
        assertClose(table.columns[k][r]!, e, tol, `${sym} ${date} ${k}`);
        checked++;
      }
    }
  }
  assert.ok(checked > 1000, `checked ${checked}`);
  // AVP stops on 2020-01-03, GWR on 2019-12-27: 13 + 17 dates without a close
  assert.equal(res.skips.NO_CLOSE, 13 + 17);
});

test("a range inside the history still uses earlier closes; unknown symbol is NO_PRICES", () => {
  const res = computeSymbolMetrics({ ...P, symbols: ["SPY", "NOPE"], startDate: "2019-06-28", endDate: "2019-06-28" });
  assert.equal(res.table.rowCount, 1);
  assert.ok(Number.isFinite(res.table.columns.return_252d[0]!));
  assert.ok(Number.isFinite(res.table.columns.sma_200[0]!));
  assert.equal(res.skips.NO_PRICES, 1);
});
