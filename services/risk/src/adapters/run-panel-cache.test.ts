import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RISK_FACTOR_COUNT } from "@sigma/quant";
import type { BetaPanel, SymbolBetaSource } from "../domain/ports.js";
import { RunPanelCache } from "./run-panel-cache.js";

const K = RISK_FACTOR_COUNT;
const DATES = ["2024-01-02", "2024-01-03"];
/** A beta that depends only on (symbol, date, factor). */
const beta = (s: string, d: number, f: number) => s.charCodeAt(0) * 100 + d * 10 + f;

/** A factor service stand-in: counts the symbols it reads; "BAD" is refused (absent from answers). */
function source(): SymbolBetaSource & { asked: string[][]; fail: boolean } {
  const src = {
    asked: [] as string[][],
    fail: false,
    async panel(symbols: readonly string[]): Promise<BetaPanel> {
      src.asked.push([...symbols]);
      if (src.fail) throw new Error("factor unavailable");
      const out = [...new Set(symbols)].filter((s) => s !== "BAD");
      const betas = new Float64Array(out.length * DATES.length * K);
      out.forEach((s, i) => {
        for (let d = 0; d < DATES.length; d++) for (let f = 0; f < K; f++) betas[(i * DATES.length + d) * K + f] = beta(s, d, f);
      });
      return { dates: DATES, symbols: out, betas };
    },
  };
  return src;
}

describe("RunPanelCache", () => {
  it("an item reads only the symbols no earlier item of the run read; panels equal direct reads", async () => {
    const src = source();
    const cache = new RunPanelCache();
    const a = await cache.forRun(src, "r").panel(["A", "B"], DATES[0]!, DATES[1]!);
    const b = await cache.forRun(src, "r").panel(["C", "B", "BAD", "A"], DATES[0]!, DATES[1]!);
    assert.deepEqual(src.asked, [
      ["A", "B"],
      ["C", "BAD"],
    ]);
    assert.deepEqual(a, await source().panel(["A", "B"], DATES[0]!, DATES[1]!));
    assert.deepEqual(
      b,
      await source().panel(["C", "B", "BAD", "A"], DATES[0]!, DATES[1]!),
      "order and values of a direct read; BAD absent",
    );
    // Another run, another date range: read again.
    await cache.forRun(src, "other").panel(["A"], DATES[0]!, DATES[1]!);
    await cache.forRun(src, "r").panel(["A"], DATES[1]!, DATES[1]!);
    assert.equal(src.asked.length, 4);
    assert.equal(cache.forRun(src, ""), src, "no run id: no sharing");
  });

  it("a failed read leaves the run's earlier betas in place and is read again next time", async () => {
    const src = source();
    const c = new RunPanelCache().forRun(src, "r");
    await c.panel(["A"], DATES[0]!, DATES[1]!);
    src.fail = true;
    await assert.rejects(c.panel(["A", "B"], DATES[0]!, DATES[1]!), /unavailable/);
    src.fail = false;
    const p = await c.panel(["A", "B"], DATES[0]!, DATES[1]!);
    assert.deepEqual(p.symbols, ["A", "B"]);
    assert.deepEqual(src.asked, [["A"], ["B"], ["B"]]);
  });
});
