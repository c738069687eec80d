/** RunPriceCache against a counting fake source whose closes are a pure function of (symbol, date). */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { addTradingDays, nextTradingDay, tradingDays } from "@sigma/calendar";
import { appendPanel, slicePanel } from "./aligned-panel.js";
import { type AlignedCloses, type PriceSource, PriceSeriesError } from "./price-source.js";
import { RunPriceCache } from "./run-price-cache.js";

/** A close that depends only on symbol and date; "GAP" has no close on Mondays. */
function closeOf(symbol: string, date: string): number {
  if (symbol === "GAP" && new Date(`${date}T00:00:00Z`).getUTCDay() === 1) return Number.NaN;
  let h = 2166136261;
  for (const ch of `${symbol}|${date}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return 50 + (h / 2 ** 32) * 100;
}

type Call = { symbols: string[]; start: string; end: string };

/** Prices for any symbol over the trading calendar; records every read. `failNext` makes the next read throw. */
function countingSource(): PriceSource & { calls: Call[]; failNext?: Error } {
  const src: PriceSource & { calls: Call[]; failNext?: Error } = {
    calls: [],
    async closes(symbols, start, end) {
      src.calls.push({ symbols: [...symbols], start, end });
      if (src.failNext) {
        const err = src.failNext;
        src.failNext = undefined;
        throw err;
      }
      const dates = tradingDays(start, end);
      return { dates, closes: new Map(symbols.map((s) => [s, Float64Array.from(dates, (d) => closeOf(s, d))])) };
    },
  };
  return src;
}

/** Same dates, same symbols in the same order, every close Object.is-identical. */
function assertIdentical(actual: AlignedCloses, expected: AlignedCloses): void {
  assert.deepEqual(actual.dates, expected.dates);
  assert.deepEqual([...actual.closes.keys()], [...expected.closes.keys()]);
  for (const [s, e] of expected.closes) {
    const a = actual.closes.get(s)!;
    assert.equal(a.length, e.length, s);
    for (let i = 0; i < e.length; i++) assert.ok(Object.is(a[i], e[i]), `${s} ${expected.dates[i]}: ${a[i]} vs ${e[i]}`);
  }
}

const SYMS = ["AAA", "BBB", "GAP"];
const ETFS = ["SPY", "IWM"];

/** The request of a chunk: [start − 300 trading days, end], as the compute use cases make it. */
function chunk(start: string, end: string) {
  return { start: addTradingDays(start, -300), end };
}

describe("RunPriceCache", () => {
  it("passes requests without a run id straight through", async () => {
    const src = countingSource();
    const cache = new RunPriceCache(src);
    await cache.closes("", SYMS, "2024-01-02", "2024-01-31");
    await cache.forRun("").closes(SYMS, "2024-01-02", "2024-01-31");
    assert.equal(src.calls.length, 2);
    assert.deepEqual(cache.runIds(), []);
    assert.equal(cache.stats().uncached, 2);
  });

  it("serves a repeated or narrower request from the cache", async () => {
    const src = countingSource();
    const cache = new RunPriceCache(src);
    const first = await cache.closes("r1", SYMS, "2024-01-02", "2024-03-28");
    const again = await cache.closes("r1", SYMS, "2024-01-02", "2024-03-28");
    const inner = await cache.closes("r1", ["GAP", "AAA"], "2024-02-01", "2024-02-29");
    assert.equal(src.calls.length, 1);
    assertIdentical(first, await countingSource().closes(SYMS, "2024-01-02", "2024-03-28"));
    assertIdentical(again, first);
    assertIdentical(inner, await countingSource().closes(["GAP", "AAA"], "2024-02-01", "2024-02-29"));
    assert.deepEqual(cache.stats(), { hits: 2, tailFetches: 0, fullFetches: 1, uncached: 0 });
  });

  it("hands out copies: altering a result does not alter the cache", async () => {
    const cache = new RunPriceCache(countingSource());
    const a = await cache.closes("r1", SYMS, "2024-01-02", "2024-01-31");
    a.closes.get("AAA")!.fill(0);
    a.dates.length = 0;
    assertIdentical(
      await cache.closes("r1", SYMS, "2024-01-02", "2024-01-31"),
      await countingSource().closes(SYMS, "2024-01-02", "2024-01-31"),
    );
  });

  it("reads only the missing tail of consecutive chunks, identical to uncached reads", async () => {
    const src = countingSource();
    const cache = new RunPriceCache(src);
    const dates = tradingDays("2024-01-02", "2024-12-31");
    const direct = countingSource();
    for (let i = 0; i < dates.length; i += 21) {
      const part = dates.slice(i, i + 21);
      const req = chunk(part[0]!, part.at(-1)!);
      // Phase 1.5 (symbols + ETFs) then phase 1.75 (symbols only) on the same chunk, as the coordinator does.
      for (const symbols of [[...ETFS, ...SYMS], SYMS]) {
        assertIdentical(await cache.closes("run", symbols, req.start, req.end), await direct.closes(symbols, req.start, req.end));
      }
    }
    const chunks = Math.ceil(dates.length / 21);
    assert.equal(src.calls.length, chunks, "one read per chunk: the first in full, then tails");
    assert.deepEqual(cache.stats(), { hits: chunks, tailFetches: chunks - 1, fullFetches: 1, uncached: 0 });
    // Each tail starts the trading day after the previous chunk's end and reads the cached symbols.
    for (let k = 1; k < chunks; k++) {
      const prevEnd = dates[k * 21 - 1]!;
      assert.deepEqual(src.calls[k], {
        symbols: [...ETFS, ...SYMS],
        start: nextTradingDay(prevEnd),
        end: dates[Math.min(k * 21 + 20, dates.length - 1)],
      });
    }
    const closesRead = src.calls.reduce((n, c) => n + tradingDays(c.start, c.end).length * c.symbols.length, 0);
    const uncachedRead = direct.calls.reduce((n, c) => n + tradingDays(c.start, c.end).length * c.symbols.length, 0);
    assert.ok(closesRead * 10 < uncachedRead, `read ${closesRead} closes instead of ${uncachedRead}`);
  });

  it("trims dates before the latest start: an earlier start is then read again in full", async () => {
    const src = countingSource();
    const cache = new RunPriceCache(src);
    await cache.closes("r1", SYMS, "2024-01-02", "2024-03-28");
    await cache.closes("r1", SYMS, "2024-02-01", "2024-04-30");
    assert.equal(src.calls.length, 2);
    assert.deepEqual(src.calls[1], { symbols: SYMS, start: "2024-04-01", end: "2024-04-30" });
    // January was dropped when February became the start.
    const jan = await cache.closes("r1", SYMS, "2024-01-15", "2024-04-30");
    assert.equal(src.calls.length, 3);
    assert.deepEqual(src.calls[2], { symbols: SYMS, start: "2024-01-15", end: "2024-04-30" });
    assertIdentical(jan, await countingSource().closes(SYMS, "2024-01-15", "2024-04-30"));
  });

  it("reads in full a request whose symbols no panel holds, and keeps one panel per item", async () => {
    const src = countingSource();
    const cache = new RunPriceCache(src);
    await cache.closes("r1", SYMS, "2024-01-02", "2024-01-31");
    const more = await cache.closes("r1", [...SYMS, "NEW"], "2024-01-02", "2024-01-31");
    assert.equal(src.calls.length, 2);
    assertIdentical(more, await countingSource().closes([...SYMS, "NEW"], "2024-01-02", "2024-01-31"));
    await cache.closes("r1", ["NEW"], "2024-01-02", "2024-01-31");
    assert.equal(src.calls.length, 2, "a subset of the new panel is a hit");
    assert.equal(cache.panelCount("r1"), 1, "the panel of SYMS was superseded by the one of SYMS + NEW");
    await cache.closes("r1", ["OTHER"], "2024-01-02", "2024-01-31");
    await cache.closes("r1", SYMS, "2024-01-02", "2024-01-31");
    assert.equal(src.calls.length, 3, "OTHER's panel is kept next to the first one");
    assert.equal(cache.panelCount("r1"), 2);
  });

  it("serves items of one run from their own panels over consecutive chunks (tail reads only)", async () => {
    const src = countingSource();
    const cache = new RunPriceCache(src, { maxPanelsPerRun: 3 });
    const items = [["A"], ["B"], ["C"]];
    const chunks: [string, string][] = [
      ["2024-01-02", "2024-01-31"],
      ["2024-01-02", "2024-02-29"],
      ["2024-01-02", "2024-03-28"],
    ];
    for (const [start, end] of chunks) {
      for (const item of items) {
        const got = await cache.closes("r1", item, start, end);
        assertIdentical(got, await countingSource().closes(item, start, end));
      }
    }
    assert.deepEqual(cache.stats(), { hits: 0, tailFetches: 6, fullFetches: 3, uncached: 0 });
    // A fourth item evicts the least recently used panel (A's).
    await cache.closes("r1", ["D"], "2024-01-02", "2024-03-28");
    await cache.closes("r1", ["A"], "2024-01-02", "2024-03-28");
    assert.equal(cache.stats().fullFetches, 5);
  });

  it("needs no read when the new end adds no trading day", async () => {
    const src = countingSource();
    const cache = new RunPriceCache(src);
    await cache.closes("r1", SYMS, "2024-01-02", "2024-01-05"); // Friday
    const weekend = await cache.closes("r1", SYMS, "2024-01-02", "2024-01-07"); // Sunday
    assert.equal(src.calls.length, 1);
    assertIdentical(weekend, await countingSource().closes(SYMS, "2024-01-02", "2024-01-07"));
    await cache.closes("r1", SYMS, "2024-01-02", "2024-01-08");
    assert.deepEqual(src.calls[1], { symbols: SYMS, start: "2024-01-08", end: "2024-01-08" });
  });

  it("keeps separate runs and evicts the least recently used beyond maxRuns", async () => {
    const src = countingSource();
    const cache = new RunPriceCache(src, { maxRuns: 2 });
    await cache.closes("a", SYMS, "2024-01-02", "2024-01-31");
    await cache.closes("b", ["BBB"], "2024-01-02", "2024-01-31");
    await cache.closes("a", SYMS, "2024-01-02", "2024-01-31");
    assert.equal(src.calls.length, 2, "a is still cached next to b");
    await cache.closes("c", SYMS, "2024-01-02", "2024-01-31");
    assert.deepEqual(cache.runIds(), ["a", "c"], "b was the least recently used");
    await cache.closes("b", ["BBB"], "2024-01-02", "2024-01-31");
    assert.equal(src.calls.length, 4, "b is read again");
    assert.deepEqual(cache.runIds(), ["c", "b"]);
  });

  it("drops a run idle for longer than idleMs", async () => {
    const src = countingSource();
    let now = 1_000;
    const cache = new RunPriceCache(src, { idleMs: 60_000, now: () => now });
    await cache.closes("r1", SYMS, "2024-01-02", "2024-01-31");
    now += 60_000;
    await cache.closes("r1", SYMS, "2024-01-02", "2024-01-31");
    assert.equal(src.calls.length, 1, "exactly idleMs is not yet idle");
    now += 60_001;
    await cache.closes("other", SYMS, "2024-01-02", "2024-01-31");
    assert.deepEqual(cache.runIds(), ["other"], "r1 expired");
    await cache.closes("r1", SYMS, "2024-01-02", "2024-01-31");
    assert.equal(src.calls.length, 3);
  });

  it("keeps the previous panel when a read fails, and rejects an incomplete answer", async () => {
    const src = countingSource();
    const cache = new RunPriceCache(src);
    await cache.closes("r1", SYMS, "2024-01-02", "2024-01-31");
    src.failNext = new Error("UNAVAILABLE");
    await assert.rejects(cache.closes("r1", SYMS, "2024-01-02", "2024-02-29"), /UNAVAILABLE/);
    const feb = await cache.closes("r1", SYMS, "2024-01-02", "2024-02-29");
    assert.deepEqual(src.calls.at(-1), { symbols: SYMS, start: "2024-02-01", end: "2024-02-29" }, "the tail is retried");
    assertIdentical(feb, await countingSource().closes(SYMS, "2024-01-02", "2024-02-29"));

    const partial = new RunPriceCache({ closes: async (_s, start, end) => ({ dates: tradingDays(start, end), closes: new Map() }) });
    await assert.rejects(partial.closes("r1", ["AAA"], "2024-01-02", "2024-01-31"), PriceSeriesError);
    const wrongDates = new RunPriceCache({
      closes: async (s) => ({ dates: ["2023-12-29"], closes: new Map(s.map((x) => [x, new Float64Array(1)])) }),
    });
    await assert.rejects(wrongDates.closes("r1", ["AAA"], "2024-01-02", "2024-01-31"), PriceSeriesError);
  });

  it("rejects nonsensical options", () => {
    assert.throws(() => new RunPriceCache(countingSource(), { maxRuns: 0 }), RangeError);
    assert.throws(() => new RunPriceCache(countingSource(), { idleMs: 0 }), RangeError);
  });
});

describe("aligned panel operations", () => {
  const panel = (dates: string[], series: Record<string, number[]>): AlignedCloses => ({
    dates,
    closes: new Map(Object.entries(series).map(([s, v]) => [s, Float64Array.from(v)])),
  });

  it("slices a date window for the requested symbols, in request order", () => {
    const p = panel(["2024-01-02", "2024-01-03", "2024-01-04"], { A: [1, 2, 3], B: [4, NaN, 6] });
    const s = slicePanel(p, ["B", "A"], "2024-01-03", "2024-01-31");
    assert.deepEqual(s.dates, ["2024-01-03", "2024-01-04"]);
    assert.deepEqual([...s.closes.keys()], ["B", "A"]);
    assert.deepEqual([...s.closes.get("B")!], [NaN, 6]);
    assert.deepEqual(slicePanel(p, ["A"], "2024-02-01", "2024-02-02").dates, []);
    assert.throws(() => slicePanel(p, ["C"], "2024-01-02", "2024-01-04"), PriceSeriesError);
  });

  it("appends a later panel and rejects overlaps or missing series", () => {
    const head = panel(["2024-01-02", "2024-01-03"], { A: [1, 2] });
    const joined = appendPanel(head, panel(["2024-01-04"], { A: [3], X: [9] }));
    assert.deepEqual(joined.dates, ["2024-01-02", "2024-01-03", "2024-01-04"]);
    assert.deepEqual([...joined.closes.keys()], ["A"]);
    assert.deepEqual([...joined.closes.get("A")!], [1, 2, 3]);
    assert.throws(() => appendPanel(head, panel(["2024-01-03"], { A: [3] })), PriceSeriesError);
    assert.throws(() => appendPanel(head, panel(["2024-01-04"], { B: [3] })), PriceSeriesError);
    assert.throws(() => appendPanel(head, panel(["2024-01-04"], { A: [3, 4] })), PriceSeriesError);
  });
});
