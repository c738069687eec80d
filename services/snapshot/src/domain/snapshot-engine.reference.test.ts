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
import { assertPositionsMatch, assertSnapshotsMatch, loadSnapshotReference, snakeCaseKeys } from "@sigma/testing/snapshot-reference";
import { computeSnapshots, type EnginePosition, type PricePanel, type SnapshotRow } from "./snapshot-engine.js";

const SHARED = process.env.SIGMA_SHARED_DIR ?? join(import.meta.dirname, "..", "..", "..", "..", "..", "shared");

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

const panel = loadPanel();
const reference = loadSnapshotReference();

for (const [name, ref] of Object.entries(reference.portfolios)) {
  test(`${name}: every snapshot field on every date equals the Python reference`, () => {
    const result = computeSnapshots({ positions: loadPositions(name), prices: panel, endDate: "2020-01-23" });
    assert.equal(result.firstDate, ref.first_date);
    const compared = assertSnapshotsMatch(result.snapshots.map(snakeCaseKeys), ref.snapshots, name);
    assert.equal(compared, ref.snapshots.length * 22);
  });

  test(`${name}: position values on the last date equal the Python reference`, () => {
    const result = computeSnapshots({ positions: loadPositions(name), prices: panel, endDate: "2020-01-23" });
    const last: SnapshotRow = result.snapshots.at(-1)!;
    assertPositionsMatch(result.marks.at(-1)!.map(snakeCaseKeys), ref.positions, last.nav, name);
  });
}

test("chunking does not change a number: computing through any end date reproduces the same prefix bit for bit", () => {
  const positions = loadPositions("long-short");
  const full = computeSnapshots({ positions, prices: panel, endDate: "2020-01-23" });
  const partial = computeSnapshots({ positions, prices: panel, endDate: "2019-07-01" });
  partial.snapshots.forEach((row, k) => assert.deepEqual(row, full.snapshots[k]));
});
