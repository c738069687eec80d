import assert from "node:assert/strict";
import { test } from "node:test";
import { OptionType } from "@sigma/contracts";
import { occRootOf, parseOccSymbol } from "./occ-symbol.js";

test("an OCC symbol is root, yymmdd, C/P and strike × 1000 in 8 digits", () => {
  assert.deepEqual(parseOccSymbol("SPY191220P00250000"), {
    root: "SPY",
    expirationDate: "2019-12-20",
    optionType: OptionType.PUT,
    strikePrice: 250,
  });
  assert.deepEqual(parseOccSymbol("AAPL200117C00160000"), {
    root: "AAPL",
    expirationDate: "2020-01-17",
    optionType: OptionType.CALL,
    strikePrice: 160,
  });
  assert.equal(parseOccSymbol("F210115C00007500")?.strikePrice, 7.5);
  assert.equal(parseOccSymbol("SPXW231215P04512500")?.strikePrice, 4512.5);
});

test("anything else is not an OCC symbol", () => {
  for (const s of [
    "SPY",
    "SPY191220X00250000",
    "SPY191230P0025000",
    "SPY190230P00250000",
    "TOOLONGR191220P00250000",
    "191220P00250000",
    "spy191220p00250000",
  ]) {
    assert.equal(parseOccSymbol(s), undefined, s);
  }
});

test("roots are compared without punctuation (BRK.B → BRKB)", () => {
  assert.equal(occRootOf("brk.b"), "BRKB");
  assert.equal(occRootOf("BRK-B"), "BRKB");
});
