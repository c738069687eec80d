import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { FACTOR_IDS, type SymbolFactorTable } from "../domain/index.js";
import { columnDdl, factorColumns, SYMBOL_FACTOR_COLUMNS, SYMBOL_METRIC_COLUMNS } from "./columns.js";
import { factorTableToColumns } from "./factor-store.js";

describe("factor storage columns", () => {
  it("has 4 columns per factor plus the key, and 13 metrics plus the key", () => {
    assert.equal(SYMBOL_FACTOR_COLUMNS.length, 2 + 4 * 12);
    assert.equal(SYMBOL_METRIC_COLUMNS.length, 2 + 13);
    assert.match(
      columnDdl(SYMBOL_FACTOR_COLUMNS),
      /^market_beta float8,\n\s+market_r2 float8,\n\s+market_n_obs int4,\n\s+market_quality int2,/,
    );
    assert.doesNotMatch(columnDdl(SYMBOL_METRIC_COLUMNS), /symbol|date /);
  });

  it("maps an absent factor to NaN (NULL) in all four columns and keeps present values", () => {
    const n = FACTOR_IDS.length;
    const t: SymbolFactorTable = {
      factors: FACTOR_IDS,
      rowCount: 1,
      symbol: ["AAA"],
      date: ["2024-01-02"],
      beta: new Float64Array(n).fill(0.5),
      r2: new Float64Array(n).fill(0.25),
      nObs: new Int32Array(n).fill(90),
      quality: new Uint8Array(n).fill(1),
    };
    t.quality[1] = 0; // ir skipped
    t.r2[2] = NaN; // value present with undefined r²
    const cols = factorTableToColumns(t);
    const ir = factorColumns("ir");
    for (const c of [ir.beta, ir.r2, ir.nObs, ir.quality]) assert.ok(Number.isNaN(cols[c]![0] as number), c);
    const value = factorColumns("value");
    assert.equal(cols[value.beta]![0], 0.5);
    assert.ok(Number.isNaN(cols[value.r2]![0] as number));
    assert.equal(cols[value.quality]![0], 1);
    assert.equal(cols[factorColumns("market").nObs]![0], 90);
    assert.deepEqual(Object.keys(cols).sort(), SYMBOL_FACTOR_COLUMNS.map((c) => c.name).sort());
  });
});
