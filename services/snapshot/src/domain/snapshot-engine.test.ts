/** SPEC §3.1 snapshot rules, one tiny hand-made case each, with exact expected values. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { tradingDays } from "@sigma/calendar";
import { blackScholes, realizedVolAt, simpleReturns } from "@sigma/quant";
import { computeSnapshots, type EnginePosition, type PricePanel, type SnapshotResult } from "./snapshot-engine.js";

// 2019-01-02 03 04 | 07 08 09 10 11 (Sat 5th, Sun 6th)
const DATES = tradingDays("2019-01-02", "2019-01-11");
const N = Number.NaN;

function panel(series: Record<string, number[]>, dates: readonly string[] = DATES): PricePanel {
  return { dates, closes: new Map(Object.entries(series).map(([s, v]) => [s, Float64Array.from(v)])) };
}

function pos(p: Partial<EnginePosition> & Pick<EnginePosition, "symbol" | "quantity" | "entryPrice">): EnginePosition {
  return { id: p.symbol, entryDate: "2019-01-02", positionClass: "public", ...p };
}

function byDate(r: SnapshotResult, date: string) {
  const k = r.snapshots.findIndex((s) => s.date === date);
  assert.ok(k >= 0, `no snapshot on ${date}`);
  return { snap: r.snapshots[k]!, marks: r.marks[k]! };
}

describe("first date", () => {
  const prices = panel({ AAA: [100, 101, 102, 103, 104, 105, 106, 107] });
  test("nav defaults to the net entry value; P&L, return and cumulative P&L are 0; the entry-vs-mark gap sits in cash", () => {
    const r = computeSnapshots({ positions: [pos({ symbol: "AAA", quantity: 10, entryPrice: 95 })], prices, endDate: "2019-01-03" });
    const first = r.snapshots[0]!;
    assert.equal(r.firstDate, "2019-01-02");
    assert.deepEqual([first.nav, first.dailyPnl, first.dailyReturn, first.cumulativePnl], [950, 0, 0, 0]);
    assert.equal(first.longValue, 1000);
    assert.equal(first.cash, -50);
    const second = r.snapshots[1]!;
    assert.equal(second.dailyPnl, 10);
    assert.equal(second.nav, 960);
    assert.equal(second.dailyReturn, 10 / 950);
    assert.equal(second.cumulativePnl, 10);
  });
  test("a given starting equity is the first nav", () => {
    const r = computeSnapshots({
      positions: [pos({ symbol: "AAA", quantity: 10, entryPrice: 95 })],
      startingEquity: 2000,
      prices,
      endDate: "2019-01-02",
    });
    assert.equal(r.snapshots[0]!.nav, 2000);
    assert.equal(r.snapshots[0]!.cash, 1000);
  });
  test("the first snapshot is the first trading date on or after the earliest entry (a Saturday entry starts Monday)", () => {
    const r = computeSnapshots({
      positions: [pos({ symbol: "AAA", quantity: 1, entryPrice: 100, entryDate: "2019-01-05" })],
      prices,
      endDate: "2019-01-08",
    });
    assert.equal(r.firstDate, "2019-01-07");
    assert.deepEqual(
      r.snapshots.map((s) => s.date),
      ["2019-01-07", "2019-01-08"],
    );
  });
});

test("a position is active on its entry date: marked at that close, counted, and books close − entry price", () => {
  const prices = panel({ AAA: [100, 100, 100, 100, 100, 100, 100, 100], BBB: [N, N, 52, 53, 54, 55, 56, 57] });
  const r = computeSnapshots({
    positions: [
      pos({ symbol: "AAA", quantity: 1, entryPrice: 100 }),
      pos({ symbol: "BBB", quantity: 5, entryPrice: 50, entryDate: "2019-01-04" }),
    ],
    prices,
    endDate: "2019-01-07",
  });
  assert.deepEqual(
    r.snapshots.map((s) => s.numPositions),
    [1, 1, 2, 2],
  );
  const { snap, marks } = byDate(r, "2019-01-04");
  assert.equal(snap.dailyPnl, 5 * (52 - 50));
  assert.equal(snap.longValue, 100 + 260);
  assert.equal(marks.find((m) => m.symbol === "BBB")!.priceStatus, "live");
  assert.equal(byDate(r, "2019-01-07").snap.dailyPnl, 5 * (53 - 52));
});

test("stale: a missing close carries the last earlier close (books 0) and the whole gap is booked when prices resume", () => {
  const prices = panel({ AAA: [100, 101, N, N, 105, 106, 107, 108] });
  const r = computeSnapshots({ positions: [pos({ symbol: "AAA", quantity: 10, entryPrice: 100 })], prices, endDate: "2019-01-08" });
  const d4 = byDate(r, "2019-01-04");
  assert.equal(d4.snap.numStale, 1);
  assert.equal(d4.marks[0]!.priceStatus, "stale");
  assert.equal(d4.marks[0]!.lastPrice, 101);
  assert.equal(d4.snap.dailyPnl, 0);
  assert.equal(byDate(r, "2019-01-07").snap.dailyPnl, 0);
  assert.equal(byDate(r, "2019-01-08").snap.dailyPnl, 10 * (105 - 101));
  assert.equal(byDate(r, "2019-01-08").snap.numStale, 0);
});

test("unpriced: a public symbol that never had a close is carried at its entry price, counted unpriced, books 0", () => {
  const r = computeSnapshots({
    positions: [pos({ symbol: "GGIPX", quantity: 3, entryPrice: 20 })],
    prices: panel({}),
    endDate: "2019-01-04",
  });
  for (const s of r.snapshots) {
    assert.equal(s.numUnpriced, 1);
    assert.equal(s.longValue, 60);
    assert.equal(s.dailyPnl, 0);
  }
});

test("PRIVATE positions are carried at their stated value", () => {
  const r = computeSnapshots({
    positions: [pos({ symbol: "FUND", quantity: 1, entryPrice: 250_000, positionClass: "private" })],
    prices: panel({}),
    endDate: "2019-01-03",
  });
  assert.deepEqual(
    r.snapshots.map((s) => [s.nav, s.longValue, s.numPrivate, s.dailyPnl]),
    [
      [250_000, 250_000, 1, 0],
      [250_000, 250_000, 1, 0],
    ],
  );
  assert.equal(r.marks[0]![0]!.priceStatus, "private");
});

describe("exits", () => {
  const prices = panel({ AAA: [100, 101, 102, 103, 104, 105, 106, 107], SPY: [1, 1, 1, 1, 1, 1, 1, 1] });
  const base = pos({ symbol: "SPY", quantity: 1, entryPrice: 1 });
  test("an exit on a Saturday is booked on Monday at the exit price; the position is then inactive", () => {
    const r = computeSnapshots({
      positions: [base, pos({ symbol: "AAA", quantity: 10, entryPrice: 100, exitDate: "2019-01-05", exitPrice: 110 })],
      prices,
      endDate: "2019-01-08",
    });
    assert.equal(byDate(r, "2019-01-04").snap.numPositions, 2);
    const mon = byDate(r, "2019-01-07");
    assert.equal(mon.snap.dailyPnl, 10 * (110 - 102));
    assert.equal(mon.snap.numPositions, 1);
    assert.equal(mon.snap.longValue, 1);
    assert.equal(byDate(r, "2019-01-08").snap.dailyPnl, 0);
  });
  test("an exit without exit price books that day's mark", () => {
    const r = computeSnapshots({
      positions: [base, pos({ symbol: "AAA", quantity: -10, entryPrice: 100, exitDate: "2019-01-08" })],
      prices,
      endDate: "2019-01-08",
    });
    assert.equal(byDate(r, "2019-01-08").snap.dailyPnl, -10 * (104 - 103));
    assert.equal(byDate(r, "2019-01-07").snap.shortValue, -1030);
    assert.equal(byDate(r, "2019-01-07").snap.numShort, 1);
  });
});

describe("options", () => {
  // 100 trading dates of an underlying with alternating returns, so its 63-return vol exists.
  const dates = tradingDays("2018-08-13", "2019-01-11");
  const closes = dates.map((_, i) => 100 * (i % 2 === 0 ? 1 : 1.02) * (1 + i / 1000));
  const under = Float64Array.from(closes);
  const vol = (date: string) => realizedVolAt(simpleReturns(under), dates.indexOf(date), 63);
  const call = (extra: Partial<EnginePosition> = {}) =>
    pos({
      symbol: "XYZ190111C00100000",
      quantity: 2,
      entryPrice: 3,
      positionClass: "options",
      underlying: "XYZ",
      strike: 100,
      expirationDate: "2019-01-11",
      optionType: "call",
      ...extra,
    });

  test("model-priced with Black–Scholes: S = the underlying's close on t, σ = its 63-return RV, T = calendar days / 365; multiplier 100", () => {
    const r = computeSnapshots({ positions: [call()], prices: panel({ XYZ: closes }, dates), endDate: "2019-01-04" });
    const { snap, marks } = byDate(r, "2019-01-04");
    const i = dates.indexOf("2019-01-04");
    const bs = blackScholes("call", closes[i]!, 100, 7 / 365, vol("2019-01-04"));
    assert.equal(marks[0]!.priceStatus, "model_priced");
    assert.equal(marks[0]!.lastPrice, bs.price);
    assert.equal(marks[0]!.marketValue, 2 * 100 * bs.price);
    assert.equal(snap.numModelPriced, 1);
    assert.equal(snap.optionsDeltaDollars, 2 * 100 * bs.delta * closes[i]!);
  });

  test("a quote counts only when dated t", () => {
    const quote = dates.map((d) => (d === "2019-01-03" ? 4.5 : N));
    const r = computeSnapshots({
      positions: [call()],
      prices: panel({ XYZ: closes, XYZ190111C00100000: quote }, dates),
      endDate: "2019-01-04",
    });
    assert.equal(byDate(r, "2019-01-03").marks[0]!.priceStatus, "quoted");
    assert.equal(byDate(r, "2019-01-03").marks[0]!.lastPrice, 4.5);
    assert.equal(byDate(r, "2019-01-03").snap.numQuoted, 1);
    assert.equal(byDate(r, "2019-01-04").marks[0]!.priceStatus, "model_priced");
  });

  test("on expiry the option exits at intrinsic value (S = the underlying's last close on or before expiry) and has no market value", () => {
    const r = computeSnapshots({
      positions: [call({ expirationDate: "2019-01-05" })],
      prices: panel({ XYZ: closes }, dates),
      endDate: "2019-01-07",
    });
    const fri = dates.indexOf("2019-01-04");
    const prev = blackScholes("call", closes[fri]!, 100, 1 / 365, vol("2019-01-04")).price;
    const mon = byDate(r, "2019-01-07");
    assert.equal(mon.snap.numPositions, 0);
    assert.equal(mon.snap.longValue, 0);
    assert.equal(mon.snap.dailyPnl, 2 * 100 * (Math.max(0, closes[fri]! - 100) - prev));
  });

  test("unpriced at entry value when the underlying has too little history for its 63-return vol", () => {
    const short = dates.map((_d, i) => (i < dates.length - 10 ? N : closes[i]!));
    const r = computeSnapshots({ positions: [call()], prices: panel({ XYZ: short }, dates), endDate: "2019-01-04" });
    const { snap, marks } = byDate(r, "2019-01-04");
    assert.equal(marks[0]!.priceStatus, "unpriced");
    assert.equal(marks[0]!.lastPrice, 3);
    assert.equal(snap.numUnpriced, 1);
    assert.equal(snap.optionsDeltaDollars, 0);
  });
});

test("concentration goes by |Σ signed MV per symbol|: a long and a short of one symbol net out; top-N is a fraction of gross", () => {
  const prices = panel({ AAA: [10, 10, 10, 10, 10, 10, 10, 10], BBB: [20, 20, 20, 20, 20, 20, 20, 20] });
  const r = computeSnapshots({
    positions: [
      pos({ symbol: "AAA", quantity: 10, entryPrice: 10 }),
      { ...pos({ symbol: "AAA", quantity: -4, entryPrice: 10 }), id: "AAA-short" },
      pos({ symbol: "BBB", quantity: 3, entryPrice: 20 }),
    ],
    prices,
    endDate: "2019-01-02",
  });
  const s = r.snapshots[0]!;
  // Symbols: AAA 60, BBB 60 → w = 0.5 each → HHI 5000, effective 2; gross = 100 + 40 + 60 = 200.
  assert.equal(s.hhi, 5000);
  assert.equal(s.effectiveNumPositions, 2);
  assert.equal(s.grossExposure, 200);
  assert.equal(s.netExposure, 120);
  assert.equal(s.top3Concentration, 120 / 200);
  assert.deepEqual([s.numLong, s.numShort, s.numPositions], [2, 1, 3]);
});

test("fromDate returns exactly the full run's rows and marks from that date (the walk still starts at the first entry)", () => {
  const prices = panel({ AAA: [100, 101, N, N, 105, 106, 107, 108], BBB: [50, 49, 48, 52, 51, 50, 53, 54] });
  const positions = [
    pos({ symbol: "AAA", quantity: 10, entryPrice: 100 }),
    pos({ id: "2", symbol: "BBB", quantity: -20, entryPrice: 50, entryDate: "2019-01-04" }),
  ];
  const full = computeSnapshots({ positions, prices, endDate: "2019-01-11" });
  const tail = computeSnapshots({ positions, prices, endDate: "2019-01-11", fromDate: "2019-01-08" });
  const k = full.snapshots.findIndex((s) => s.date === "2019-01-08");
  assert.ok(k > 0);
  assert.deepEqual(tail.snapshots, full.snapshots.slice(k));
  assert.deepEqual(tail.marks, full.marks.slice(k));
  assert.equal(tail.firstDate, full.firstDate);
});
