import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ImportErrorCode as Code, InvestmentClass, OptionType } from "@sigma/contracts";
import { type ParsedPosition, parsePortfolioCsv } from "./parse-portfolio-csv.js";

const portfolios = join(process.env.SIGMA_SHARED_DIR ?? "/work/shared", "data", "portfolios");
const TODAY = "2020-01-23";

function parseFile(name: string) {
  return parsePortfolioCsv(readFileSync(join(portfolios, name)), { today: TODAY });
}

function problemsOf(name: string): [number, string, Code][] {
  const result = parseFile(name);
  assert.equal(result.ok, false, `${name} must be rejected`);
  if (result.ok) return [];
  for (const e of result.errors) assert.ok(e.message.length > 0, `${name}: every problem has a message`);
  return result.errors.map((e) => [e.row, e.column, e.code]);
}

// Expected problems worked out by hand from each file (row = file line, header = line 1).
const BAD_FILES: Record<string, [number, string, Code][]> = {
  "bad-values.csv": [
    [2, "Quantity", Code.ZERO_QUANTITY], // AAPL,0
    [3, "Entry Price Per Share", Code.NON_POSITIVE_PRICE], // MSFT,10,-5.00
    [4, "Entry Date", Code.INVALID_DATE], // 2019-02-30
    [5, "Symbol", Code.INVALID_SYMBOL], // BAD$SYM
    [6, "Entry Date", Code.FUTURE_DATE], // 2099-01-01 > 2020-01-23
    [7, "Exit Date", Code.EXIT_BEFORE_ENTRY], // exit 2019-04-01 < entry 2019-05-01
  ],
  "duplicate.csv": [[3, "Symbol", Code.DUPLICATE_POSITION]], // aapl == AAPL, same entry date
  "empty.csv": [[0, "", Code.EMPTY_FILE]],
  "header-only.csv": [[0, "", Code.NO_POSITIONS]],
  "latin1.csv": [[2, "Symbol", Code.INVALID_ENCODING]], // NESTL\xC9 (Latin-1 É)
  "missing-column.csv": [[1, "Entry Price Per Share", Code.MISSING_COLUMN]],
  "not-a-number.csv": [
    [2, "Quantity", Code.INVALID_NUMBER], // ten
    [3, "Entry Price Per Share", Code.INVALID_NUMBER], // abc
  ],
  "option-missing-fields.csv": [
    [2, "Strike Price", Code.OPTION_FIELDS_MISSING],
    [2, "Expiration Date", Code.OPTION_FIELDS_MISSING],
    [2, "Option Type", Code.OPTION_FIELDS_MISSING],
  ],
  "unknown-class.csv": [[2, "Investment Class", Code.UNKNOWN_CLASS]],
};

test("every file of bad/ is covered by an expectation", () => {
  assert.deepEqual(readdirSync(join(portfolios, "bad")).sort(), Object.keys(BAD_FILES).sort());
});

for (const [name, expected] of Object.entries(BAD_FILES)) {
  test(`bad/${name} is rejected with exactly its problems`, () => {
    assert.deepEqual(problemsOf(`bad/${name}`), expected);
  });
}

test("the messages of bad/ files say what is wrong and where it was first seen", () => {
  const dup = parseFile("bad/duplicate.csv");
  assert.ok(!dup.ok && /row 2/.test(dup.errors[0]?.message ?? ""), "the duplicate names the first row");
  const date = parseFile("bad/bad-values.csv");
  assert.ok(!date.ok && date.errors.some((e) => e.message.includes("2019-02-30")));
});

/** Compact form of a position: symbol, quantity, entry price, entry date, class, subtype, exit date, exit price. */
function compact(p: ParsedPosition): unknown[] {
  return [
    p.symbol,
    p.quantity,
    p.entryPrice,
    p.entryDate,
    InvestmentClass[p.investmentClass],
    p.investmentSubtype,
    p.exitDate,
    p.exitPrice,
  ];
}

function positionsOf(name: string): readonly ParsedPosition[] {
  const result = parseFile(name);
  assert.ok(result.ok, `${name}: ${result.ok ? "" : JSON.stringify(result.errors)}`);
  return result.positions;
}

test("balanced-5m.csv: 14 PUBLIC positions entered 2019-01-02", () => {
  const result = parseFile("balanced-5m.csv");
  assert.ok(result.ok);
  assert.equal(result.firstEntryDate, "2019-01-02");
  assert.deepEqual(result.ignoredColumns, []);
  const etf = (s: string, q: number, p: number) => [s, q, p, "2019-01-02", "PUBLIC", "ETF", undefined, undefined];
  const stock = (s: string, q: number, p: number) => [s, q, p, "2019-01-02", "PUBLIC", "STOCK", undefined, undefined];
  const fund = (s: string, q: number, p: number) => [s, q, p, "2019-01-02", "PUBLIC", "MUTUAL_FUND", undefined, undefined];
  assert.deepEqual(result.positions.map(compact), [
    etf("SPY", 2850, 245.54),
    etf("VO", 2949, 135.61),
    etf("IEFA", 8490, 53),
    etf("EFA", 4403, 56.78),
    etf("GOVT", 20532, 24.35),
    etf("AGG", 3858, 103.67),
    etf("MUB", 3290, 106.37),
    etf("IAU", 24390, 12.3),
    etf("QQQ", 2278, 153.62),
    stock("AAPL", 1606, 155.59),
    stock("MSFT", 2508, 99.65),
    stock("JPM", 2090, 95.69),
    fund("GGIPX", 9000, 22.15),
    fund("NEAIX", 4000, 38.4),
  ]);
  assert.deepEqual(
    result.positions.map((p) => p.row),
    Array.from({ length: 14 }, (_, i) => i + 3),
    "rows count the comment line and the header",
  );
  assert.ok(result.positions.every((p) => p.multiplier === 1 && p.marketValue === undefined && p.underlyingSymbol === undefined));
});

test("long-short.csv: 16 positions, 6 shorts, staggered entries and the HD exit", () => {
  const positions = positionsOf("long-short.csv");
  const s = (sym: string, q: number, p: number, d: string, exitDate?: string, exitPrice?: number) => [
    sym,
    q,
    p,
    d,
    "PUBLIC",
    sym === "IWM" ? "ETF" : "STOCK",
    exitDate,
    exitPrice,
  ];
  assert.deepEqual(positions.map(compact), [
    s("AAPL", 6000, 155.59, "2019-01-02"),
    s("MSFT", 7000, 99.65, "2019-01-02"),
    s("NVDA", 3500, 149.29, "2019-01-15"),
    s("AMZN", 400, 1539.13, "2019-01-02"),
    s("GOOGL", 500, 1118.62, "2019-02-01"),
    s("JPM", 5000, 95.69, "2019-01-02"),
    s("V", 3000, 148.77, "2019-03-01"),
    s("UNH", 2000, 239.44, "2019-01-02"),
    s("HD", 2500, 167.85, "2019-01-02", "2019-07-01", 207.67),
    s("XOM", -8000, 66.5, "2019-01-02"),
    s("INTC", -10000, 45.92, "2019-01-02"),
    s("KO", -9000, 47.2, "2019-02-01"),
    s("PFE", -12000, 41.7, "2019-01-02"),
    s("IWM", -3000, 132.87, "2019-01-02"),
    s("AVP", 50000, 1.56, "2019-01-02"),
    s("GWR", -2000, 73.9, "2019-01-02"),
  ]);
  assert.equal(positions.filter((p) => p.quantity < 0).length, 6);
});

test("private-and-options.csv: 4 PUBLIC, 2 PRIVATE at stated value, 2 OPTIONS with OCC fields", () => {
  const result = parseFile("private-and-options.csv");
  assert.ok(result.ok);
  assert.equal(result.firstEntryDate, "2019-01-02");
  const byClass = (c: InvestmentClass) => result.positions.filter((p) => p.investmentClass === c).map((p) => p.symbol);
  assert.deepEqual(byClass(InvestmentClass.PUBLIC), ["SPY", "BRK-B", "JNJ", "PG"]);
  assert.deepEqual(byClass(InvestmentClass.PRIVATE), ["A16Z_VC_FUND", "HOME_EQUITY"]);
  assert.deepEqual(byClass(InvestmentClass.OPTIONS), ["SPY191220P00250000", "AAPL200117C00160000"]);
  const privates = result.positions.filter((p) => p.investmentClass === InvestmentClass.PRIVATE);
  assert.deepEqual(
    privates.map((p) => [p.quantity, p.entryPrice, p.investmentSubtype, p.marketValue]),
    [
      [1, 250000, "VENTURE_CAPITAL", undefined],
      [1, 800000, "REAL_ESTATE", undefined],
    ],
  );
  const options = result.positions.filter((p) => p.investmentClass === InvestmentClass.OPTIONS);
  assert.deepEqual(
    options.map((p) => [
      p.row,
      p.quantity,
      p.entryPrice,
      p.multiplier,
      p.underlyingSymbol,
      p.underlyingProviderSymbol,
      p.strikePrice,
      p.expirationDate,
      p.optionType,
    ]),
    [
      [9, -20, 4.15, 100, "SPY", "SPY", 250, "2019-12-20", OptionType.PUT],
      [10, 30, 12.4, 100, "AAPL", "AAPL", 160, "2020-01-17", OptionType.CALL],
    ],
  );
});
