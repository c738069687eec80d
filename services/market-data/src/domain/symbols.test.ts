import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidSymbolError, normalizeSymbol } from "./symbols.js";

describe("normalizeSymbol", () => {
  it("trims, upper-cases and maps '.' to '-'", () => {
    assert.equal(normalizeSymbol("  brk.b "), "BRK-B");
    assert.equal(normalizeSymbol("aapl"), "AAPL");
    assert.equal(normalizeSymbol("BF_B"), "BF_B");
  });

  it("is idempotent", () => {
    for (const s of ["brk.b", "SPY", "a.b.c", "x-1"]) assert.equal(normalizeSymbol(normalizeSymbol(s)), normalizeSymbol(s));
  });

  it("accepts exactly 1..20 characters", () => {
    assert.equal(normalizeSymbol("A"), "A");
    assert.equal(normalizeSymbol("A".repeat(20)), "A".repeat(20));
    assert.throws(() => normalizeSymbol("A".repeat(21)), InvalidSymbolError);
    assert.throws(() => normalizeSymbol("   "), InvalidSymbolError);
  });

  it("rejects characters outside [A-Za-z0-9._-]", () => {
    for (const bad of ["BRK B", "SPY$", "ÄPFEL", "A/B", "A,B"]) assert.throws(() => normalizeSymbol(bad), InvalidSymbolError, bad);
  });
});
