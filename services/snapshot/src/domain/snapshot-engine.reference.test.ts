/**
 * The snapshot engine against the independent Python reference (test/vectors/snapshots.json, made
 * by make_snapshot_vectors.py with pandas/scipy on the shared prices): every field of every
 * snapshot from the first entry date to 2020-01-23, and the position values on the last date, for
 * the three sample portfolios. Tolerances come from the JSON: money within 1e-6 × NAV, ratios
 * within 1e-9, counts exact.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tradingDays } from "@sigma/calendar";
import { computeSnapshots, type EnginePosition, type PricePanel, type SnapshotRow } from "./snapshot-engine.js";

const SHARED = process.env.SIGMA_SHARED_DIR ?? join(import.meta.dirname, "..", "..", "..", "..", "..", "shared");
const VECTORS = JSON.parse(readFileSync(join(import.meta.dirname, "..", "..", "test", "vectors", "snapshots.json"), "utf8"));

function loadPanel(): PricePanel {
  const text = readFileSync(join(SHARED, "data", "prices", "daily_prices.csv"), "utf8");
  const dates = tradingDays("2017-01-03", "2020-01-23");
  const index = new Map(dates.map((d, i) => [d, i]));
  const closes = new Map<string, Float64Array>();
  for (const line of text.split("\n").slice(1)) {
    if (!line) continue;
    const [date, symbol, , , , close] = line.split(",");
    const i = index.get(date!);
    assert.ok(i !== undefined, `price file date ${date} is not an NYSE trading date by rule`);
    let series = closes.get(symbol!);
    if (!series) closes.set(symbol!, (series = new Float64Array(dates.length).fill(Number.NaN)));
    series[i] = Number(close);
  }
  return { dates, closes };
}

function loadPositions(name: string): EnginePosition[] {
  const lines = readFileSync(join(SHARED, "data", "portfolios", `${name}.csv`), "utf8")
    .split(/\r?\n/)
    .filter((l) => l.trim() && !l.trim().startsWith("#"));
  const header = lines.shift()!.split(",");
  return lines.map((line, i) => {
    const cells = line.split(",");
    const get = (h: string) => (cells[header.indexOf(h)] ?? "").trim();
    const positionClass = (get("Investment Class") || "PUBLIC").toLowerCase() as EnginePosition["positionClass"];
    const pos: EnginePosition = {
      id: `${name}#${i}`,
      symbol: get("Symbol").toUpperCase().replaceAll(".", "-"),
      quantity: Number(get("Quantity")),
      entryPrice: Number(get("Entry Price Per Share")),
      entryDate: get("Entry Date"),
      positionClass,
      exitDate: get("Exit Date") || undefined,
      exitPrice: get("Exit Price Per Share") ? Number(get("Exit Price Per Share")) : undefined,
    };
    if (positionClass === "options") {
      pos.underlying = get("Underlying Symbol").toUpperCase();
      pos.strike = Number(get("Strike Price"));
      pos.expirationDate = get("Expiration Date");
      pos.optionType = get("Option Type").toLowerCase() as "call" | "put";
    }
    return pos;
  });
}

const MONEY = [
  "nav",
  "cash",
  "long_value",
  "short_value",
  "gross_exposure",
  "net_exposure",
  "daily_pnl",
  "cumulative_pnl",
  "options_delta_dollars",
] as const;
const RATIOS = ["daily_return", "hhi", "effective_num_positions", "top_3_concentration", "top_10_concentration"] as const;
const COUNTS = [
  "num_positions",
  "num_long",
  "num_short",
  "num_stale",
  "num_model_priced",
  "num_unpriced",
  "num_private",
  "num_quoted",
] as const;

const camel = (k: string) => k.replace(/_(\d|[a-z])/g, (_m, c: string) => c.toUpperCase());

const panel = loadPanel();

for (const [name, ref] of Object.entries<{
  first_date: string;
  snapshots: Record<string, number | string | null>[];
  positions: Record<string, number | string>[];
}>(VECTORS.portfolios)) {
  test(`${name}: every snapshot field on every date equals the Python reference`, () => {
    const result = computeSnapshots({ positions: loadPositions(name), prices: panel, endDate: "2020-01-23" });
    assert.equal(result.firstDate, ref.first_date);
    assert.equal(result.snapshots.length, ref.snapshots.length);
    let compared = 0;
    result.snapshots.forEach((row, k) => {
      const want = ref.snapshots[k]!;
      assert.equal(row.date, want.date);
      const nav = want.nav as number;
      const check = (key: string, tol: number) => {
        const got = (row as unknown as Record<string, number>)[camel(key)];
        const exp = want[key];
        if (exp === null) assert.ok(Number.isNaN(got), `${row.date} ${key}: expected null, got ${got}`);
        else assert.ok(Math.abs((got as number) - (exp as number)) <= tol, `${row.date} ${key}: ${got} vs ${exp}`);
        compared++;
      };
      for (const key of MONEY) check(key, 1e-6 * Math.abs(nav));
      for (const key of RATIOS) check(key, 1e-9 * Math.max(1, Math.abs((want[key] as number) ?? 0)));
      for (const key of COUNTS) {
        assert.equal((row as unknown as Record<string, number>)[camel(key)], want[key], `${row.date} ${key}`);
        compared++;
      }
    });
    assert.equal(compared, ref.snapshots.length * (MONEY.length + RATIOS.length + COUNTS.length));
  });

  test(`${name}: position values on the last date equal the Python reference`, () => {
    const result = computeSnapshots({ positions: loadPositions(name), prices: panel, endDate: "2020-01-23" });
    const last: SnapshotRow = result.snapshots.at(-1)!;
    const marks = result.marks.at(-1)!;
    assert.equal(marks.length, ref.positions.length);
    marks.forEach((m, k) => {
      const want = ref.positions[k]!;
      assert.equal(m.symbol, want.symbol);
      assert.equal(m.priceStatus, want.price_status);
      const tol = 1e-6 * last.nav;
      assert.ok(
        Math.abs(m.lastPrice - (want.last_price as number)) <= 1e-9 * Math.abs(want.last_price as number),
        `${m.symbol} last_price`,
      );
      assert.ok(Math.abs(m.marketValue - (want.market_value as number)) <= tol, `${m.symbol} market_value`);
      assert.ok(Math.abs(m.unrealizedPnl - (want.unrealized_pnl as number)) <= tol, `${m.symbol} unrealized_pnl`);
      assert.ok(Math.abs(m.weight - (want.weight as number)) <= 1e-9, `${m.symbol} weight`);
    });
  });
}

test("chunking does not change a number: computing through any end date reproduces the same prefix bit for bit", () => {
  const positions = loadPositions("long-short");
  const full = computeSnapshots({ positions, prices: panel, endDate: "2020-01-23" });
  const partial = computeSnapshots({ positions, prices: panel, endDate: "2019-07-01" });
  partial.snapshots.forEach((row, k) => assert.deepEqual(row, full.snapshots[k]));
});
