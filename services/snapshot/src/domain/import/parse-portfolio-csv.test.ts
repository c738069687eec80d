import assert from "node:assert/strict";
import { test } from "node:test";
import { ImportErrorCode as Code, InvestmentClass, OptionType } from "@sigma/contracts";
import { InvalidArgumentError } from "@sigma/runtime";
import { MALFORMED_CSV_CODE } from "./import-problem.js";
import { type ParsePortfolioCsvResult, type ParsedPosition, parsePortfolioCsv } from "./parse-portfolio-csv.js";

const TODAY = "2020-01-23";
const HEADER =
  "Symbol,Quantity,Entry Price Per Share,Entry Date,Investment Class,Investment Subtype,Underlying Symbol,Strike Price,Expiration Date,Option Type,Exit Date,Exit Price Per Share";

const utf8 = (text: string) => new TextEncoder().encode(text);
/** A file with the full header on line 1 and these lines after it. */
const file = (...rows: string[]) => utf8([HEADER, ...rows].join("\n"));
const parse = (bytes: Uint8Array, maxBytes?: number) =>
  parsePortfolioCsv(bytes, maxBytes === undefined ? { today: TODAY } : { today: TODAY, maxBytes });

function problems(result: ParsePortfolioCsvResult): [number, string, Code][] {
  assert.equal(result.ok, false, "expected the import to be rejected");
  return result.ok ? [] : result.errors.map((e) => [e.row, e.column, e.code]);
}
function positions(result: ParsePortfolioCsvResult): readonly ParsedPosition[] {
  assert.ok(result.ok, result.ok ? "" : JSON.stringify(result.errors, null, 1));
  return result.positions;
}
function only(result: ParsePortfolioCsvResult): ParsedPosition {
  const all = positions(result);
  assert.equal(all.length, 1);
  return all[0] as ParsedPosition;
}
function messages(result: ParsePortfolioCsvResult): string[] {
  return result.ok ? [] : result.errors.map((e) => e.message);
}

const row = (symbol: string, quantity = "10", price = "100.00", date = "2019-01-02", rest = ",,,,,,,") =>
  `${symbol},${quantity},${price},${date},${rest}`;

// ---- file level ---------------------------------------------------------------------------

test("an empty file, a BOM alone, or only comments and blank lines is EMPTY_FILE", () => {
  for (const text of ["", "\uFEFF", "# just a comment\n\n   \n", "\n\n"]) {
    assert.deepEqual(problems(parse(utf8(text))), [[0, "", Code.EMPTY_FILE]], JSON.stringify(text));
  }
});

test("a header with only comments and blank lines after it is NO_POSITIONS", () => {
  assert.deepEqual(problems(parse(file("# nothing yet", "", ",,,,"))), [[0, "", Code.NO_POSITIONS]]);
});

test("a file over the limit is FILE_TOO_LARGE before anything is read; at the limit it is read", () => {
  const bytes = file(row("AAPL"));
  assert.deepEqual(problems(parse(bytes, bytes.length - 1)), [[0, "", Code.FILE_TOO_LARGE]]);
  assert.equal(only(parse(bytes, bytes.length)).symbol, "AAPL");
  // Checked before decoding: an oversize file of garbage reports only its size.
  assert.deepEqual(problems(parse(new Uint8Array(64).fill(0xff), 63)), [[0, "", Code.FILE_TOO_LARGE]]);
});

test("the default limit is 10 MiB", () => {
  const big = new Uint8Array(10 * 1024 * 1024 + 1).fill(0x23); // '#': a huge comment line
  assert.deepEqual(problems(parse(big)), [[0, "", Code.FILE_TOO_LARGE]]);
});

test("a UTF-8 BOM, CRLF line ends and quoted fields are accepted", () => {
  const text = `\uFEFF${HEADER}\r\n"AAPL",10,"150.00",2019-01-02,PUBLIC,"Stock, large cap",,,,,,\r\n`;
  const p = only(parse(utf8(text)));
  assert.deepEqual([p.row, p.symbol, p.entryPrice, p.investmentSubtype], [2, "AAPL", 150, "Stock, large cap"]);
});

test("rows are file lines: comment and blank lines count, a quoted line break keeps the start line", () => {
  const result = parse(file("# comment", "", row("AAPL"), `MSFT,10,100,2019-01-02,PUBLIC,"two`, `lines",,,,,,`, "   ", row("JPM", "0")));
  assert.deepEqual(problems(result), [[8, "Quantity", Code.ZERO_QUANTITY]]);
  const ok = positions(parse(file("# comment", "", row("AAPL"), `MSFT,10,100,2019-01-02,PUBLIC,"two`, `lines",,,,,,`, row("JPM"))));
  assert.deepEqual(
    ok.map((p) => [p.row, p.symbol, p.investmentSubtype]),
    [
      [4, "AAPL", ""],
      [5, "MSFT", "two\nlines"],
      [7, "JPM", ""],
    ],
  );
});

test("a lone CR ends a line too (old Mac exports)", () => {
  const ok = positions(parse(utf8([HEADER, row("AAPL"), row("MSFT")].join("\r"))));
  assert.deepEqual(
    ok.map((p) => [p.row, p.symbol]),
    [
      [2, "AAPL"],
      [3, "MSFT"],
    ],
  );
});

test("today must be a date: a bad one is the caller's bug (InvalidArgumentError), not a file problem", () => {
  assert.throws(() => parsePortfolioCsv(file(row("AAPL")), { today: "2020-02-30" }), InvalidArgumentError);
  assert.throws(() => parsePortfolioCsv(file(row("AAPL")), { today: "" }), InvalidArgumentError);
});

// ---- header -------------------------------------------------------------------------------

test("columns are matched by name: any order, trimmed, case-insensitive; optional ones may be absent", () => {
  const text = [" entry date ,QUANTITY,symbol,Entry  Price Per Share", "2019-01-02,-5,brk.b,200"].join("\n");
  const p = only(parse(utf8(text)));
  assert.deepEqual(
    [p.symbol, p.originalSymbol, p.providerSymbol, p.quantity, p.entryPrice, p.entryDate, p.investmentClass, p.investmentSubtype],
    ["BRK.B", "brk.b", "BRK-B", -5, 200, "2019-01-02", InvestmentClass.PUBLIC, ""],
  );
});

test("each missing required column is MISSING_COLUMN on the header row, and the rows are still checked", () => {
  const text = ["# portfolio", "Quantity,Investment Class", "0,PUBLIC", "5,CRYPTO"].join("\n");
  assert.deepEqual(problems(parse(utf8(text))), [
    [2, "Symbol", Code.MISSING_COLUMN],
    [2, "Entry Price Per Share", Code.MISSING_COLUMN],
    [2, "Entry Date", Code.MISSING_COLUMN],
    [3, "Quantity", Code.ZERO_QUANTITY],
    [4, "Investment Class", Code.UNKNOWN_CLASS],
  ]);
});

test("an unknown column is ignored and reported in ignoredColumns; a column named twice is malformed", () => {
  const ok = parse(utf8("Symbol,Quantity,Entry Price Per Share,Entry Date,Market Value\nAAPL,1,2,2019-01-02,999"));
  assert.ok(ok.ok);
  assert.deepEqual(ok.ignoredColumns, ["Market Value"]);
  assert.equal(ok.positions[0]?.marketValue, undefined, "there is no market value column in SPEC §6");
  assert.deepEqual(problems(parse(utf8("Symbol,Quantity,Entry Price Per Share,Entry Date,symbol\nAAPL,1,2,2019-01-02,X"))), [
    [1, "Symbol", MALFORMED_CSV_CODE],
  ]);
});

// ---- required values ---------------------------------------------------------------------

test("an empty required value is MISSING_VALUE, also when a short row lacks the field", () => {
  assert.deepEqual(problems(parse(file(",10,100,2019-01-02", "MSFT,,,", "JPM"))), [
    [2, "Symbol", Code.MISSING_VALUE],
    [3, "Quantity", Code.MISSING_VALUE],
    [3, "Entry Price Per Share", Code.MISSING_VALUE],
    [3, "Entry Date", Code.MISSING_VALUE],
    [4, "Quantity", Code.MISSING_VALUE],
    [4, "Entry Price Per Share", Code.MISSING_VALUE],
    [4, "Entry Date", Code.MISSING_VALUE],
  ]);
});

test("all problems of one row are reported, in column order", () => {
  assert.deepEqual(problems(parse(file("bad sym,0,-1,2019-02-29,STOCK,,,,,,2099-01-01,0"))), [
    [2, "Symbol", Code.INVALID_SYMBOL],
    [2, "Quantity", Code.ZERO_QUANTITY],
    [2, "Entry Price Per Share", Code.NON_POSITIVE_PRICE],
    [2, "Entry Date", Code.INVALID_DATE],
    [2, "Investment Class", Code.UNKNOWN_CLASS],
    [2, "Exit Date", Code.FUTURE_DATE],
    [2, "Exit Price Per Share", Code.NON_POSITIVE_PRICE],
  ]);
});

// ---- symbol -------------------------------------------------------------------------------

test("symbols: 1-20 of [A-Za-z0-9._-], upper-cased, original and provider forms kept", () => {
  const p = only(parse(file(row(" brk.b "))));
  assert.deepEqual([p.symbol, p.originalSymbol, p.providerSymbol], ["BRK.B", "brk.b", "BRK-B"]);
  assert.equal(only(parse(file(row("A".repeat(20))))).symbol, "A".repeat(20));
  for (const bad of ["A".repeat(21), "BAD$SYM", "AA PL", "ÄPPLE", "AAPL;DROP"]) {
    assert.deepEqual(problems(parse(file(row(bad)))), [[2, "Symbol", Code.INVALID_SYMBOL]], bad);
  }
});

test("a message never repeats more than 100 characters of the value", () => {
  const huge = "X".repeat(5000);
  const result = parse(file(row(huge, huge)));
  assert.deepEqual(problems(result), [
    [2, "Symbol", Code.INVALID_SYMBOL],
    [2, "Quantity", Code.INVALID_NUMBER],
  ]);
  for (const message of messages(result)) {
    assert.ok(!message.includes("X".repeat(101)), message.slice(0, 300));
    assert.ok(message.includes("X".repeat(100)));
    assert.ok(message.length < 400);
  }
});

// ---- numbers ------------------------------------------------------------------------------

test("quantity: a finite non-zero decimal; negative is a short", () => {
  assert.equal(only(parse(file(row("AAPL", "-250.5")))).quantity, -250.5);
  assert.equal(only(parse(file(row("AAPL", "+1e3")))).quantity, 1000);
  assert.equal(only(parse(file(row("AAPL", ".5")))).quantity, 0.5);
  for (const zero of ["0", "-0", "0.000", "0e5"]) {
    assert.deepEqual(problems(parse(file(row("AAPL", zero)))), [[2, "Quantity", Code.ZERO_QUANTITY]], zero);
  }
  for (const bad of [
    "ten",
    "1e308",
    "-1e13",
    "Infinity",
    "-Infinity",
    "NaN",
    "0x10",
    '"1,000"',
    "1_000",
    "$5",
    "5 shares",
    "1e",
    "--5",
    "1.2.3",
  ]) {
    assert.deepEqual(problems(parse(file(row("AAPL", bad)))), [[2, "Quantity", Code.INVALID_NUMBER]], bad);
  }
});

test("prices: greater than 0, finite and within range", () => {
  for (const [price, code] of [
    ["0", Code.NON_POSITIVE_PRICE],
    ["-5.00", Code.NON_POSITIVE_PRICE],
    ["abc", Code.INVALID_NUMBER],
    ["1e308", Code.INVALID_NUMBER],
    ["Infinity", Code.INVALID_NUMBER],
  ] as const) {
    assert.deepEqual(problems(parse(file(row("AAPL", "10", price)))), [[2, "Entry Price Per Share", code]], price);
  }
  assert.equal(only(parse(file(row("AAPL", "10", "1e12")))).entryPrice, 1e12);
  assert.equal(only(parse(file(row("AAPL", "10", "0.0001")))).entryPrice, 0.0001);
});

// ---- dates --------------------------------------------------------------------------------

test("dates: strictly YYYY-MM-DD, real calendar dates, from 1900, not after today", () => {
  assert.equal(only(parse(file(row("AAPL", "1", "1", "2016-02-29")))).entryDate, "2016-02-29");
  assert.equal(only(parse(file(row("AAPL", "1", "1", TODAY)))).entryDate, TODAY, "today itself is allowed");
  for (const bad of [
    "2019-02-29",
    "2019-02-30",
    "2019-13-01",
    "2019-00-10",
    "2019-04-31",
    "2019-1-2",
    "2019/01/02",
    "01/02/2019",
    "20190102",
    "2019-01-02T00:00",
    "1899-12-31",
    "1900-02-29",
  ]) {
    assert.deepEqual(problems(parse(file(row("AAPL", "1", "1", bad)))), [[2, "Entry Date", Code.INVALID_DATE]], bad);
  }
  assert.deepEqual(problems(parse(file(row("AAPL", "1", "1", "2020-01-24")))), [[2, "Entry Date", Code.FUTURE_DATE]]);
});

// ---- exits --------------------------------------------------------------------------------

test("exit: on or after entry, not in the future, exit price > 0 and only with an exit date", () => {
  const p = only(parse(file(row("AAPL", "1", "1", "2019-01-02", "PUBLIC,,,,,,2019-01-02,"))));
  assert.deepEqual([p.exitDate, p.exitPrice], ["2019-01-02", undefined], "exit on the entry date, no exit price: allowed");
  assert.deepEqual(problems(parse(file(row("AAPL", "1", "1", "2019-01-02", ",,,,,,2019-01-01,5")))), [
    [2, "Exit Date", Code.EXIT_BEFORE_ENTRY],
  ]);
  assert.deepEqual(problems(parse(file(row("AAPL", "1", "1", "2019-01-02", ",,,,,,2020-01-24,5")))), [[2, "Exit Date", Code.FUTURE_DATE]]);
  assert.deepEqual(problems(parse(file(row("AAPL", "1", "1", "2019-01-02", ",,,,,,2019-02-31,5")))), [[2, "Exit Date", Code.INVALID_DATE]]);
  assert.deepEqual(problems(parse(file(row("AAPL", "1", "1", "2019-01-02", ",,,,,,2019-03-01,-1")))), [
    [2, "Exit Price Per Share", Code.NON_POSITIVE_PRICE],
  ]);
  assert.deepEqual(problems(parse(file(row("AAPL", "1", "1", "2019-01-02", ",,,,,,2019-03-01,NaN")))), [
    [2, "Exit Price Per Share", Code.INVALID_NUMBER],
  ]);
  assert.deepEqual(problems(parse(file(row("AAPL", "1", "1", "2019-01-02", ",,,,,,,12")))), [[2, "Exit Date", Code.MISSING_VALUE]]);
});

// ---- classes and options -----------------------------------------------------------------

test("class: PUBLIC, OPTIONS, PRIVATE in any case; empty is PUBLIC, or OPTIONS when option fields are present", () => {
  assert.equal(
    only(parse(file(row("HOUSE", "1", "5e5", "2019-01-02", "private,REAL_ESTATE,,,,,,")))).investmentClass,
    InvestmentClass.PRIVATE,
  );
  assert.equal(only(parse(file(row("AAPL")))).investmentClass, InvestmentClass.PUBLIC);
  const inferred = only(parse(file(row("SPY191220P00250000", "-2", "4.15", "2019-01-02", ",,SPY,250,2019-12-20,P,,"))));
  assert.deepEqual([inferred.investmentClass, inferred.multiplier, inferred.optionType], [InvestmentClass.OPTIONS, 100, OptionType.PUT]);
  for (const bad of ["STOCK", "CRYPTO_THING", "OPTION", "PUB"]) {
    assert.deepEqual(
      problems(parse(file(row("AAPL", "1", "1", "2019-01-02", `${bad},,,,,,,`)))),
      [[2, "Investment Class", Code.UNKNOWN_CLASS]],
      bad,
    );
  }
});

test("a PUBLIC or PRIVATE row with option columns filled contradicts itself (UNKNOWN_CLASS)", () => {
  assert.deepEqual(problems(parse(file(row("AAPL", "1", "1", "2019-01-02", "PUBLIC,,,150,,,,")))), [
    [2, "Investment Class", Code.UNKNOWN_CLASS],
  ]);
});

test("OPTIONS needs all four option columns: one OPTION_FIELDS_MISSING per missing one", () => {
  assert.deepEqual(problems(parse(file(row("MYOPT", "1", "1", "2019-01-02", "OPTIONS,,,,,,,")))), [
    [2, "Underlying Symbol", Code.OPTION_FIELDS_MISSING],
    [2, "Strike Price", Code.OPTION_FIELDS_MISSING],
    [2, "Expiration Date", Code.OPTION_FIELDS_MISSING],
    [2, "Option Type", Code.OPTION_FIELDS_MISSING],
  ]);
  const noColumns = utf8("Symbol,Quantity,Entry Price Per Share,Entry Date,Investment Class\nMYOPT,1,1,2019-01-02,OPTIONS");
  assert.equal(problems(parse(noColumns)).length, 4, "absent columns count as missing fields");
});

test("option values are validated: underlying symbol, strike > 0, expiration date, CALL/PUT/C/P", () => {
  assert.deepEqual(problems(parse(file(row("MYOPT", "1", "1", "2019-01-02", "OPTIONS,,SP Y,0,2019-13-01,STRADDLE,,")))), [
    [2, "Underlying Symbol", Code.INVALID_SYMBOL],
    [2, "Strike Price", Code.NON_POSITIVE_PRICE],
    [2, "Expiration Date", Code.INVALID_DATE],
    [2, "Option Type", Code.UNKNOWN_CLASS],
  ]);
  assert.deepEqual(problems(parse(file(row("MYOPT", "1", "1", "2019-06-03", "OPTIONS,,SPY,250,2019-06-01,c,,")))), [
    [2, "Expiration Date", Code.EXIT_BEFORE_ENTRY],
  ]);
});

test("an expiration after today is normal (the option is still open)", () => {
  const p = only(parse(file(row("SPY211217C00300000", "1", "10", "2019-06-03", "OPTIONS,,spy,300,2021-12-17,call,,"))));
  assert.deepEqual([p.underlyingSymbol, p.strikePrice, p.expirationDate, p.optionType], ["SPY", 300, "2021-12-17", OptionType.CALL]);
});

test("a non-OCC option symbol is accepted: its terms come from the option columns", () => {
  const p = only(parse(file(row("MY-OTC-OPTION", "1", "10", "2019-06-03", "OPTIONS,,SPY,300,2019-12-20,PUT,,"))));
  assert.deepEqual([p.investmentClass, p.strikePrice, p.optionType], [InvestmentClass.OPTIONS, 300, OptionType.PUT]);
});

test("an OCC symbol is cross-checked with each option column; every disagreement is INVALID_SYMBOL on Symbol", () => {
  const occ = (rest: string) => parse(file(row("SPY191220P00250000", "-20", "4.15", "2019-01-02", rest)));
  assert.ok(occ("OPTIONS,,SPY,250.000,2019-12-20,P,,").ok);
  const result = occ("OPTIONS,,QQQ,260,2019-12-21,CALL,,");
  assert.deepEqual(problems(result), [
    [2, "Symbol", Code.INVALID_SYMBOL],
    [2, "Symbol", Code.INVALID_SYMBOL],
    [2, "Symbol", Code.INVALID_SYMBOL],
    [2, "Symbol", Code.INVALID_SYMBOL],
  ]);
  const text = messages(result).join("\n");
  for (const column of ["Underlying Symbol", "Strike Price", "Expiration Date", "Option Type"]) assert.ok(text.includes(column), column);
  assert.deepEqual(problems(occ("OPTIONS,,SPY,250.5,2019-12-20,PUT,,")), [[2, "Symbol", Code.INVALID_SYMBOL]]);
  // OCC roots drop punctuation: BRK.B options are BRKB.
  assert.ok(parse(file(row("BRKB200117C00200000", "1", "3", "2019-01-02", "OPTIONS,,BRK.B,200,2020-01-17,CALL,,"))).ok);
});

// ---- duplicates ---------------------------------------------------------------------------

test("duplicates: same normalised symbol and entry date, each reported against the first row", () => {
  const result = parse(file(row("BRK.B"), row("AAPL"), row("brk-b"), row("BRK.B", "1", "1", "2019-01-03"), row("Brk.B", "-3")));
  assert.deepEqual(problems(result), [
    [4, "Symbol", Code.DUPLICATE_POSITION],
    [6, "Symbol", Code.DUPLICATE_POSITION],
  ]);
  assert.ok(messages(result).every((m) => m.includes("row 2")));
});

// ---- structure ----------------------------------------------------------------------------

test("extra empty trailing fields are fine; extra values are malformed, reported, and other rows still checked", () => {
  assert.ok(parse(file(`${row("AAPL")},,,`)).ok);
  assert.deepEqual(problems(parse(file(`${row("AAPL")},oops`, row("MSFT", "0")))), [
    [2, "", MALFORMED_CSV_CODE],
    [3, "Quantity", Code.ZERO_QUANTITY],
  ]);
});

test("a stray quote spoils only its own row; an unclosed quote is reported where it opens", () => {
  assert.deepEqual(problems(parse(file(row('AA"PL'), row("MSFT", "0"), row("JPM")))), [
    [2, "", MALFORMED_CSV_CODE],
    [3, "Quantity", Code.ZERO_QUANTITY],
  ]);
  assert.deepEqual(problems(parse(file(row("AAPL", "0"), row('"MSFT'), row("JPM")))), [
    [2, "Quantity", Code.ZERO_QUANTITY],
    [3, "", MALFORMED_CSV_CODE],
  ]);
  assert.deepEqual(problems(parse(file(row('"AAPL"x')))), [[2, "", MALFORMED_CSV_CODE]]);
});

// ---- encoding -----------------------------------------------------------------------------

test("invalid UTF-8 is INVALID_ENCODING on the row (and cell) where it is, with every other problem", () => {
  const latin1 = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
  const bytes = latin1(
    `${HEADER}\n# caf\xe9 notes\n${row("NESTL\xc9")}\n${row("AAPL", "0")}\n${row("ZZ", "1", "1", "2019-01-02", "PUBLIC,Soci\xe9t\xe9,,,,,,")}`,
  );
  assert.deepEqual(problems(parse(bytes)), [
    [2, "", Code.INVALID_ENCODING],
    [3, "Symbol", Code.INVALID_ENCODING],
    [4, "Quantity", Code.ZERO_QUANTITY],
    [5, "Investment Subtype", Code.INVALID_ENCODING],
  ]);
  assert.deepEqual(problems(parse(latin1(`Symbol,Quantit\xe9,Entry Price Per Share,Entry Date\nAAPL,1,1,2019-01-02`))), [
    [1, "", Code.INVALID_ENCODING],
    [1, "Quantity", Code.MISSING_COLUMN],
  ]);
  // Valid multi-byte UTF-8 is fine where the value allows it.
  assert.equal(
    only(parse(file(row("NESN", "1", "1", "2019-01-02", "PUBLIC,Nestlé S.A. – Aktie,,,,,,")))).investmentSubtype,
    "Nestlé S.A. – Aktie",
  );
});
