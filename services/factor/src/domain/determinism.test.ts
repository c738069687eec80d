/**
 * Bit-reproducibility (SPEC §8 "the same inputs give bit-identical stored analytics", §4 "a run
 * interrupted and resumed produces the same rows"): every stored number at date t must be a function of
 * its own window only, whatever range it was computed in and wherever the loaded history starts (as long
 * as that history covers the window). Equality is Object.is, not a tolerance.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadPricePanel } from "@sigma/quant/testing";
import { FACTOR_IDS } from "./factor-ids.js";
import { computeSymbolFactors, type SymbolFactorTable } from "./symbol-factors.js";
import { METRIC_KEYS, computeSymbolMetrics, type MetricKey, type SymbolMetricsTable } from "./symbol-metrics.js";

const P = loadPricePanel();
const SYMBOLS = [...P.closes.keys()];
/** Output dates: calendar indices [FIRST, FIRST + 59]; AVP and GWR stop inside, so gaps take the exact path. */
const FIRST = 700;
const COUNT = 60;
/** History starts (calendar index of the first loaded date): base, 40 dates earlier, 40 dates later. */
const BASE_START = 200;
const SHIFTS = [-40, 40];

/**
 * The panel restricted to calendar indices [h, to]: what a run loads (its lookback start up to its
 * endDate), so a longer run sees later closes and an other lookback sees a different first date.
 */
function history(h: number, to: number): { dates: string[]; closes: Map<string, Float64Array> } {
  return { dates: P.dates.slice(h, to + 1), closes: new Map([...P.closes].map(([s, c]) => [s, c.slice(h, to + 1)])) };
}

type FactorCells = Map<string, { beta: number[]; r2: number[]; nObs: number[]; quality: number[] }>;
type MetricCells = Map<string, number[]>;

function factorCells(t: SymbolFactorTable, into: FactorCells = new Map()): FactorCells {
  const nf = FACTOR_IDS.length;
  for (let r = 0; r < t.rowCount; r++) {
    const s = r * nf;
    into.set(`${t.symbol[r]}|${t.date[r]}`, {
      beta: Array.from(t.beta.subarray(s, s + nf)),
      r2: Array.from(t.r2.subarray(s, s + nf)),
      nObs: Array.from(t.nObs.subarray(s, s + nf)),
      quality: Array.from(t.quality.subarray(s, s + nf)),
    });
  }
  return into;
}

function metricCells(t: SymbolMetricsTable, keys: readonly MetricKey[], into: MetricCells = new Map()): MetricCells {
  for (let r = 0; r < t.rowCount; r++)
    into.set(
      `${t.symbol[r]}|${t.date[r]}`,
      keys.map((k) => t.columns[k][r]!),
    );
  return into;
}

/** Object.is on every number; reports the first few differences and how many there are. */
function assertSameBits(a: Map<string, Record<string, number[]> | number[]>, b: typeof a, what: string): void {
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort(), `${what}: same rows`);
  const diffs: string[] = [];
  let compared = 0;
  for (const [key, va] of a) {
    const vb = b.get(key)!;
    const fields = Array.isArray(va) ? { value: va } : va;
    const other = Array.isArray(vb) ? { value: vb } : (vb as Record<string, number[]>);
    for (const [f, xs] of Object.entries(fields)) {
      xs.forEach((x, i) => {
        compared++;
        if (!Object.is(x, other[f]![i])) diffs.push(`${key} ${f}[${i}]: ${x} vs ${other[f]![i]}`);
      });
    }
  }
  assert.ok(compared > 0, `${what}: nothing compared`);
  assert.equal(diffs.length, 0, `${what}: ${diffs.length}/${compared} numbers differ in bits, e.g.\n${diffs.slice(0, 5).join("\n")}`);
}

const dateAt = (i: number): string => P.dates[i]!;

function factorsOf(h: number, from: number, to: number): FactorCells {
  return factorCells(computeSymbolFactors({ ...history(h, to), symbols: SYMBOLS, startDate: dateAt(from), endDate: dateAt(to) }).table);
}

function metricsOf(h: number, from: number, to: number, keys: readonly MetricKey[]): MetricCells {
  return metricCells(
    computeSymbolMetrics({ ...history(h, to), symbols: SYMBOLS, startDate: dateAt(from), endDate: dateAt(to) }).table,
    keys,
  );
}

test("factors: one date at a time = inside a 60-date range = with the history starting 40 dates earlier / later", () => {
  const ranged = factorsOf(BASE_START, FIRST, FIRST + COUNT - 1);
  assert.ok(ranged.size > 40 * COUNT, `rows ${ranged.size}`);
  const daily: FactorCells = new Map();
  for (let i = FIRST; i < FIRST + COUNT; i++) {
    for (const [k, v] of factorsOf(BASE_START, i, i)) daily.set(k, v);
  }
  assertSameBits(ranged, daily, "60-date range vs daily runs");
  for (const d of SHIFTS)
    assertSameBits(ranged, factorsOf(BASE_START + d, FIRST, FIRST + COUNT - 1), `history start ${d > 0 ? "+" : ""}${d}`);
  // a chunk that ends later (the resumed backfill's next chunk overlaps this one's last dates)
  const longer = factorsOf(BASE_START, FIRST + 20, FIRST + COUNT + 8);
  const overlap = new Map([...ranged].filter(([k]) => longer.has(k) && k.split("|")[1]! >= dateAt(FIRST + 20)));
  assertSameBits(overlap, new Map([...longer].filter(([k]) => overlap.has(k))), "overlapping chunks");
});

test("factors: history starts at odd offsets (summation blocks must be fixed by the dates, not array indices)", () => {
  const ranged = factorsOf(BASE_START, FIRST, FIRST + COUNT - 1);
  for (const d of [-37, -1, 3, 13])
    assertSameBits(ranged, factorsOf(BASE_START + d, FIRST, FIRST + COUNT - 1), `history start ${d > 0 ? "+" : ""}${d}`);
  // a chunk boundary in the middle of a block: [FIRST, FIRST + 26] then [FIRST + 27, …]
  const first = factorsOf(BASE_START, FIRST, FIRST + 26);
  const second = factorsOf(BASE_START + 7, FIRST + 27, FIRST + COUNT - 1);
  const both: FactorCells = new Map([...first, ...second]);
  assertSameBits(ranged, both, "two chunks split inside a block");
});

test("metrics: one date at a time = inside a 60-date range = with the history starting 40 dates earlier / later", () => {
  const ranged = metricsOf(BASE_START, FIRST, FIRST + COUNT - 1, METRIC_KEYS);
  assert.ok(ranged.size > 40 * COUNT, `rows ${ranged.size}`);
  const daily: MetricCells = new Map();
  for (let i = FIRST; i < FIRST + COUNT; i++) metricsOf(BASE_START, i, i, METRIC_KEYS).forEach((v, k) => daily.set(k, v));
  assertSameBits(ranged, daily, "60-date range vs daily runs");
  // RSI (SPEC §3.1: Wilder over ALL available closes) depends on where history starts by definition
  const windowed = METRIC_KEYS.filter((k) => k !== "rsi_14");
  const base = metricsOf(BASE_START, FIRST, FIRST + COUNT - 1, windowed);
  for (const d of SHIFTS)
    assertSameBits(base, metricsOf(BASE_START + d, FIRST, FIRST + COUNT - 1, windowed), `history start ${d > 0 ? "+" : ""}${d}`);
});
