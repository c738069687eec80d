/** Dense panel assembly (pure) and the size cap (checked before any store read). */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { InvalidArgumentError } from "@sigma/runtime";
import { FACTOR_IDS, QUALITY_FULL, QUALITY_LIMITED, QUALITY_NONE, type SymbolFactorTable } from "../domain/index.js";
import type { FactorRepository } from "../store/factor-store.js";
import { buildFactorPanel, MAX_PANEL_CELLS, readFactorPanel } from "./factor-panel.js";

const NF = FACTOR_IDS.length;

/** Rows (symbol, date) where factor j has beta = 100·row + j, r² = j/100, n_obs = 60 + j; factor 1 ("ir") absent. */
function table(rows: [string, string][]): SymbolFactorTable {
  const n = rows.length;
  const t: SymbolFactorTable = {
    factors: FACTOR_IDS,
    rowCount: n,
    symbol: rows.map((r) => r[0]),
    date: rows.map((r) => r[1]),
    beta: new Float64Array(n * NF).fill(NaN),
    r2: new Float64Array(n * NF).fill(NaN),
    nObs: new Int32Array(n * NF),
    quality: new Uint8Array(n * NF),
  };
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < NF; j++) {
      if (j === 1) continue;
      const i = r * NF + j;
      t.beta[i] = 100 * r + j;
      t.r2[i] = j / 100;
      t.nObs[i] = 60 + j;
      t.quality[i] = j % 2 === 0 ? QUALITY_FULL : QUALITY_LIMITED;
    }
  }
  return t;
}

describe("buildFactorPanel", () => {
  const dates = ["2020-01-02", "2020-01-03", "2020-01-06"];

  it("scatters rows symbol-major and leaves missing cells NaN / 0 / none", () => {
    // Stored order differs from the panel's symbol order on purpose.
    const t = table([
      ["B", "2020-01-03"],
      ["A", "2020-01-02"],
      ["A", "2020-01-06"],
    ]);
    const p = buildFactorPanel(t, ["A", "B"], dates, ["market", "ir", "momentum"]);
    assert.deepEqual(p.symbols, ["A", "B"]);
    assert.deepEqual(p.dates, dates);
    assert.deepEqual(
      p.columns.map((c) => c.factor),
      ["market", "ir", "momentum"],
    );
    const [market, ir, momentum] = p.columns;
    assert.deepEqual(Array.from(market!.beta), [100, NaN, 200, NaN, 0, NaN]);
    assert.deepEqual(Array.from(market!.nObs), [60, 0, 60, 0, 60, 0]);
    assert.deepEqual(Array.from(market!.quality), [QUALITY_FULL, QUALITY_NONE, QUALITY_FULL, QUALITY_NONE, QUALITY_FULL, QUALITY_NONE]);
    assert.deepEqual(Array.from(momentum!.beta), [104, NaN, 204, NaN, 4, NaN]);
    assert.deepEqual(Array.from(momentum!.r2), [0.04, NaN, 0.04, NaN, 0.04, NaN]);
    assert.ok(ir!.beta.every(Number.isNaN) && ir!.quality.every((q) => q === QUALITY_NONE), "an absent factor stays absent");
  });

  it("refuses stored rows outside the axes instead of dropping them", () => {
    assert.throws(() => buildFactorPanel(table([["A", "2020-01-04"]]), ["A"], dates, ["market"]), RangeError);
    assert.throws(() => buildFactorPanel(table([["C", "2020-01-02"]]), ["A"], dates, ["market"]), RangeError);
  });
});

describe("readFactorPanel", () => {
  function store(t: SymbolFactorTable): FactorRepository & { reads: number } {
    const s = {
      reads: 0,
      async readFactors() {
        s.reads++;
        return t;
      },
      replaceFactors: () => Promise.reject(new Error("unused")),
      replaceMetrics: () => Promise.reject(new Error("unused")),
      readMetrics: () => Promise.reject(new Error("unused")),
    };
    return s;
  }

  it("reads once over the trading dates of the range", async () => {
    const s = store(table([["A", "2020-01-06"]]));
    const p = await readFactorPanel(s, { symbols: ["A"], startDate: "2020-01-01", endDate: "2020-01-07", factors: ["market"] });
    assert.equal(s.reads, 1);
    assert.deepEqual(p.dates, ["2020-01-02", "2020-01-03", "2020-01-06", "2020-01-07"]);
    assert.deepEqual(Array.from(p.columns[0]!.beta), [NaN, NaN, 0, NaN]);
  });

  it("returns an empty panel without reading for a range without trading dates", async () => {
    const s = store(table([]));
    const p = await readFactorPanel(s, { symbols: ["A"], startDate: "2020-01-04", endDate: "2020-01-05", factors: FACTOR_IDS });
    assert.equal(s.reads, 0);
    assert.deepEqual(p.dates, []);
    assert.equal(p.columns.length, 12);
    assert.equal(p.columns[0]!.beta.length, 0);
  });

  it("rejects more than MAX_PANEL_CELLS cells before reading, naming the limit", async () => {
    const s = store(table([]));
    // 2,000 symbols × 12 factors × ~1,000 trading dates (2016..2019) ≈ 24 M cells; the same with 1 factor fits.
    const symbols = Array.from({ length: 2000 }, (_, i) => `S${i}`);
    const req = { symbols, startDate: "2016-01-01", endDate: "2019-12-31" };
    await assert.rejects(readFactorPanel(s, { ...req, factors: FACTOR_IDS }), (err: unknown) => {
      assert.ok(err instanceof InvalidArgumentError);
      assert.match(err.message, new RegExp(`limit ${MAX_PANEL_CELLS}`));
      return true;
    });
    // A centuries-long range is rejected by the lower bound, before its calendar is built.
    await assert.rejects(
      readFactorPanel(s, { symbols: ["A"], ...{ startDate: "1000-01-01", endDate: "9999-12-31" }, factors: FACTOR_IDS }),
      InvalidArgumentError,
    );
    assert.equal(s.reads, 0);
    await readFactorPanel(s, { ...req, factors: ["market"] });
    assert.equal(s.reads, 1);
  });
});
