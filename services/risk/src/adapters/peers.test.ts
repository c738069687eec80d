/** The proto adapters over fake clients: batching, windowing, class mapping and the panel's layout. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import { tradingDays } from "@sigma/calendar";
import {
  DatedPositionValuesSchema,
  type FactorService,
  FactorColumnSchema,
  FACTORS,
  type GetFactorPanelRequest,
  type GetPositionValueRangeRequest,
  InvestmentClass,
  type PackedPositionValuesSchema,
  PositionValueSchema,
  type SnapshotService,
} from "@sigma/contracts";
import { RISK_FACTOR_COUNT, RISK_FACTOR_IDS } from "@sigma/quant";
import { factorPanelSource, MARKS_MAX_DATES, PeerAnswerError, snapshotMarksSource, tradingWindows } from "./peers.js";

describe("snapshotMarksSource", () => {
  it("splits a long range into windows of at most 1,000 trading dates and maps the classes", async () => {
    const calls: GetPositionValueRangeRequest[] = [];
    const client = {
      async getPositionValueRange(req: GetPositionValueRangeRequest) {
        calls.push(req);
        return {
          days: req.portfolioIds.map((portfolioId) =>
            create(DatedPositionValuesSchema, {
              portfolioId,
              date: req.startDate,
              nav: 100,
              values: [
                create(PositionValueSchema, { positionId: "a", symbol: "SPY", marketValue: 60, investmentClass: InvestmentClass.PUBLIC }),
                create(PositionValueSchema, { positionId: "b", symbol: "X C", marketValue: 5, investmentClass: InvestmentClass.OPTIONS }),
                create(PositionValueSchema, { positionId: "c", symbol: "LP", marketValue: 35, investmentClass: InvestmentClass.PRIVATE }),
              ],
            }),
          ),
        };
      },
    } as unknown as Client<typeof SnapshotService>;
    const start = "2012-01-03";
    const end = "2019-12-31";
    const days = await snapshotMarksSource(client).days(["p1", "p2"], start, end);
    const n = tradingDays(start, end).length;
    assert.ok(n > 2 * MARKS_MAX_DATES);
    assert.equal(calls.length, Math.ceil(n / MARKS_MAX_DATES));
    assert.deepEqual(
      calls.map((c) => [c.startDate, c.endDate]),
      tradingWindows(start, end, MARKS_MAX_DATES),
    );
    assert.equal(calls[0]!.startDate, start);
    assert.equal(calls.at(-1)!.endDate, end);
    assert.equal(days.length, 2 * calls.length);
    assert.deepEqual(
      days[0]!.positions.map((p) => p.positionClass),
      ["public", "option", "private"],
    );
  });

  it("refuses a position without an investment class rather than guessing its eligibility", async () => {
    const client = {
      getPositionValueRange: async () => ({
        days: [
          create(DatedPositionValuesSchema, {
            portfolioId: "p",
            date: "2020-01-02",
            nav: 1,
            values: [create(PositionValueSchema, { positionId: "a" })],
          }),
        ],
      }),
    } as unknown as Client<typeof SnapshotService>;
    await assert.rejects(snapshotMarksSource(client).days(["p"], "2020-01-02", "2020-01-02"), PeerAnswerError);
  });

  it("asks for packed marks and reads them column by column; unequal columns are a contract error", async () => {
    const asked: boolean[] = [];
    const answer = (packed: MessageInitShape<typeof PackedPositionValuesSchema>) =>
      ({
        async getPositionValueRange(req: GetPositionValueRangeRequest) {
          asked.push(req.packed);
          return { days: [create(DatedPositionValuesSchema, { portfolioId: "p", date: "2020-01-02", nav: 100, packed })] };
        },
      }) as unknown as Client<typeof SnapshotService>;
    const ok = answer({
      positionIds: ["a", "b"],
      symbols: ["SPY", "LP"],
      marketValues: [60, 40],
      investmentClasses: [InvestmentClass.PUBLIC, InvestmentClass.PRIVATE],
    });
    const [day] = await snapshotMarksSource(ok).days(["p"], "2020-01-02", "2020-01-02");
    assert.deepEqual(day!.positions, [
      { positionId: "a", symbol: "SPY", marketValue: 60, positionClass: "public" },
      { positionId: "b", symbol: "LP", marketValue: 40, positionClass: "private" },
    ]);
    assert.deepEqual(asked, [true]);
    const short = answer({ positionIds: ["a", "b"], symbols: ["SPY"], marketValues: [60, 40], investmentClasses: [1, 1] });
    await assert.rejects(snapshotMarksSource(short).days(["p"], "2020-01-02", "2020-01-02"), /unequal lengths/);
  });
});

describe("factorPanelSource", () => {
  it("interleaves the symbol-major factor columns into symbols × dates × 12 and skips symbols the factor service rejects", async () => {
    const start = "2020-01-02";
    const end = "2020-01-06";
    const dates = tradingDays(start, end);
    const asked: GetFactorPanelRequest[] = [];
    const client = {
      async getFactorPanel(req: GetFactorPanelRequest) {
        asked.push(req);
        const s = req.symbols;
        return {
          dates,
          symbols: s,
          // factor f, symbol i, date d → 100 f + 10 i + d; NaN for momentum of the second symbol.
          columns: FACTORS.map((info, f) =>
            create(FactorColumnSchema, {
              factor: info.factor,
              betas: s.flatMap((_, i) => dates.map((_, d) => (info.id === "momentum" && i === 1 ? Number.NaN : 100 * f + 10 * i + d))),
            }),
          ),
        };
      },
    } as unknown as Client<typeof FactorService>;
    const panel = await factorPanelSource(client).panel(["AAA", "BRK-B", "BAD SYMBOL"], start, end);
    assert.deepEqual(asked[0]!.symbols, ["AAA", "BRK-B"]);
    assert.deepEqual(panel.symbols, ["AAA", "BRK-B"]);
    assert.deepEqual(panel.dates, dates);
    const k = RISK_FACTOR_COUNT;
    const at = (s: number, d: number, f: number) => panel.betas[(s * dates.length + d) * k + f]!;
    assert.equal(at(1, 2, 0), 12);
    assert.equal(at(0, 1, 11), 1101);
    assert.ok(Number.isNaN(at(1, 0, RISK_FACTOR_IDS.indexOf("momentum"))));
    assert.equal(at(0, 0, RISK_FACTOR_IDS.indexOf("momentum")), 100 * RISK_FACTOR_IDS.indexOf("momentum"));
  });
});
