import assert from "node:assert/strict";
import { test } from "node:test";
import { parsePortfolioSymbols } from "./portfolio-csv.js";

test("skips comments and blank lines, upper-cases and de-duplicates in file order", () => {
  const text = "# a comment\n\nSymbol,Quantity\nspy,1\n# mid comment\nAAPL,2\r\nSPY,3\n";
  assert.deepEqual(parsePortfolioSymbols(text), ["SPY", "AAPL"]);
});

test("finds the Symbol column wherever it is", () => {
  assert.deepEqual(parsePortfolioSymbols("Quantity,Symbol\n1,MSFT\n"), ["MSFT"]);
});

test("rejects a missing header, a missing Symbol column and an empty symbol", () => {
  assert.throws(() => parsePortfolioSymbols("# only a comment\n"), /no header/);
  assert.throws(() => parsePortfolioSymbols("Ticker,Quantity\nSPY,1\n"), /no Symbol column/);
  assert.throws(() => parsePortfolioSymbols("Symbol,Quantity\n,1\n"), /row 1 has no symbol/);
});
