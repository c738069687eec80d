/** Handler tests in memory (createRouterTransport): validation, authorization, translation, loud failures. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { tradingDays } from "@sigma/calendar";
import { BetaQuality, Factor, FactorService, SkipReason } from "@sigma/contracts";
import { type AuthConfig, createLogger, createRoutes, createServerInterceptors, defineService, issueToken } from "@sigma/runtime";
import type { SymbolFactorTable, SymbolMetricsTable } from "../domain/index.js";
import type { FactorRepository, ReplaceScope } from "../store/factor-store.js";
import { type PriceSource, RunPriceCache } from "@sigma/prices";
import { factorHandlers } from "./factor-handlers.js";

/** Deterministic closes: a random walk from a small LCG, so every regression has variance. */
function walk(n: number, seed: number, firstClose = 0): Float64Array {
  let s = seed >>> 0;
  const out = new Float64Array(n).fill(NaN);
  let p = 100;
  for (let i = firstClose; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    p *= 1 + (s / 2 ** 32 - 0.5) * 0.04;
    out[i] = p;
  }
  return out;
}

/**
 * Prices for any symbol; "ZZZZ" is unknown, "NEWCO" lists 5 days before the end, "HALT" has no close on
 * the last 3 dates (a delisting), `missingEtf` has no closes.
 */
function fakePrices(missingEtf?: string): PriceSource & { calls: number } {
  const src = {
    calls: 0,
    async closes(symbols: readonly string[], startDate: string, endDate: string) {
      src.calls++;
      const dates = tradingDays(startDate, endDate);
      const closes = new Map<string, Float64Array>();
      symbols.forEach((sym, k) => {
        if (sym === "ZZZZ" || sym === missingEtf) closes.set(sym, new Float64Array(dates.length).fill(NaN));
        else {
          const c = walk(dates.length, 17 + k * 7919 + sym.charCodeAt(0), sym === "NEWCO" ? dates.length - 5 : 0);
          if (sym === "HALT") c.fill(NaN, dates.length - 3);
          closes.set(sym, c);
        }
      });
      return { dates, closes };
    },
  };
  return src;
}

/** In-memory repository keeping the last written tables per scope (enough for read-after-write). */
class MemoryStore implements FactorRepository {
  factors: SymbolFactorTable | undefined;
  metrics: SymbolMetricsTable | undefined;
  writes = 0;
  async replaceFactors(_s: ReplaceScope, t: SymbolFactorTable) {
    this.writes++;
    this.factors = t;
    return t.rowCount;
  }
  async replaceMetrics(_s: ReplaceScope, t: SymbolMetricsTable) {
    this.writes++;
    this.metrics = t;
    return t.rowCount;
  }
  async readFactors(s: ReplaceScope): Promise<SymbolFactorTable> {
    const t = this.factors!;
    const keep = t.symbol.map((sym, r) => s.symbols.includes(sym) && t.date[r]! >= s.startDate && t.date[r]! <= s.endDate);
    const idx = keep.flatMap((k, r) => (k ? [r] : []));
    const pick = <A extends Float64Array | Int32Array | Uint8Array>(a: A, make: (n: number) => A): A => {
      const out = make(idx.length * 12);
      idx.forEach((r, i) => out.set(a.subarray(r * 12, r * 12 + 12), i * 12));
      return out;
    };
    return {
      factors: t.factors,
      rowCount: idx.length,
      symbol: idx.map((r) => t.symbol[r]!),
      date: idx.map((r) => t.date[r]!),
      beta: pick(t.beta, (n) => new Float64Array(n)),
      r2: pick(t.r2, (n) => new Float64Array(n)),
      nObs: pick(t.nObs, (n) => new Int32Array(n)),
      quality: pick(t.quality, (n) => new Uint8Array(n)),
    };
  }
  async readMetrics(_s: ReplaceScope): Promise<SymbolMetricsTable> {
    return this.metrics!;
  }
}

const SECRET = "a-test-secret-that-is-at-least-32-bytes-long";

function setup(opts: { auth?: AuthConfig; missingEtf?: string; cache?: boolean } = {}) {
  const store = new MemoryStore();
  const prices = fakePrices(opts.missingEtf);
  const priceCache = opts.cache ? new RunPriceCache(prices) : undefined;
  const auth = opts.auth ?? { mode: "dev" };
  const transport = createRouterTransport(
    createRoutes({ services: [defineService(FactorService, factorHandlers({ prices, store, priceCache }))] }),
    {
      router: { interceptors: createServerInterceptors(createLogger("factor-test", { level: "silent" }), auth) },
    },
  );
  return { store, prices, client: createClient(FactorService, transport) };
}

const hasCode = (c: Code) => (err: unknown) => err instanceof ConnectError && err.code === c;

describe("factor handlers", () => {
  it("computes, counts skips by reason and reads back typed betas", async () => {
    const { client, prices } = setup();
    const res = await client.computeSymbolFactors({
      symbols: ["abc", "SPY", "ZZZZ", "abc"],
      startDate: "2024-03-01",
      endDate: "2024-03-28",
    });
    const days = tradingDays("2024-03-01", "2024-03-28").length;
    assert.equal(prices.calls, 1, "one price request for symbols + ETFs");
    assert.equal(res.counters!.inputs, 3n, "duplicates collapse after normalization");
    assert.equal(res.counters!.outputs, BigInt(2 * days));
    assert.deepEqual(
      res.counters!.skipped.map((s) => [s.reason, s.count]),
      [[SkipReason.NO_PRICES, 1n]],
    );
    assert.deepEqual(
      res.problems.map((p) => [p.symbol, p.reason]),
      [["ZZZZ", SkipReason.NO_PRICES]],
    );
    assert.equal(res.fits, BigInt(2 * days * 7));

    const read = await client.getSymbolFactors({ symbols: ["SPY"], startDate: "2024-03-28", factors: [Factor.MARKET, Factor.IR] });
    assert.equal(read.rows.length, 1);
    const [market, ir] = read.rows[0]!.betas;
    assert.equal(market!.factor, Factor.MARKET);
    assert.ok(Math.abs(market!.beta - 1) < 1e-12 && Math.abs(market!.r2 - 1) < 1e-12, "SPY on SPY is beta 1, r² 1");
    assert.equal(market!.quality, BetaQuality.FULL);
    assert.equal(market!.nObs, 90);
    assert.equal(ir!.factor, Factor.IR);
  });

  it("returns metrics with unset fields for nulls", async () => {
    const { client } = setup();
    const res = await client.computeSymbolMetrics({ symbols: ["ABC", "NEWCO"], startDate: "2024-03-01", endDate: "2024-03-28" });
    const days = tradingDays("2024-03-01", "2024-03-28");
    // Per-date skips are still counted; the symbol is reported once (never silently stale).
    assert.deepEqual(
      res.counters!.skipped.map((s) => [s.reason, s.count]),
      [[SkipReason.NO_CLOSE, BigInt(days.length - 5)]],
    );
    assert.deepEqual(
      res.problems.map((p) => [p.symbol, p.reason, p.message, p.date]),
      [["NEWCO", SkipReason.NO_CLOSE, `no close on ${days.length - 5} of ${days.length} dates (last close 2024-03-28)`, "2024-03-01"]],
    );
    const read = await client.getSymbolMetrics({ symbols: ["ABC", "NEWCO"], startDate: "2024-03-01", endDate: "2024-03-28" });
    const newco = read.rows.filter((r) => r.symbol === "NEWCO");
    assert.equal(newco.length, 5);
    assert.equal(newco[0]!.return1d, undefined, "first close: no 1-day return");
    assert.equal(typeof newco[1]!.return1d, "number");
    assert.equal(newco[4]!.return21d, undefined);
    assert.equal(typeof read.rows[0]!.sma200, "number");
  });

  it("reports a symbol whose closes stop inside the range once per call, as NO_CLOSE with the first missing date", async () => {
    const { client } = setup();
    const days = tradingDays("2024-03-01", "2024-03-28");
    const f = await client.computeSymbolFactors({ symbols: ["ABC", "HALT"], startDate: "2024-03-01", endDate: "2024-03-28" });
    const want = [["HALT", SkipReason.NO_CLOSE, `no close on 3 of ${days.length} dates (last close ${days.at(-4)})`, days.at(-3)]];
    assert.deepEqual(
      f.problems.map((p) => [p.symbol, p.reason, p.message, p.date]),
      want,
    );
    const m = await client.computeSymbolMetrics({ symbols: ["ABC", "HALT"], startDate: "2024-03-01", endDate: "2024-03-28" });
    assert.deepEqual(
      m.problems.map((p) => [p.symbol, p.reason, p.message, p.date]),
      want,
    );
    assert.deepEqual(
      m.counters!.skipped.map((s) => [s.reason, s.count]),
      [[SkipReason.NO_CLOSE, 3n]],
    );
    assert.equal(m.counters!.outputs, BigInt(2 * days.length - 3));
  });

  it("serves a columnar panel equal to GetSymbolFactors cell by cell, NaN / 0 / unspecified where no row", async () => {
    const { client } = setup();
    await client.computeSymbolFactors({ symbols: ["ABC", "SPY"], startDate: "2024-03-01", endDate: "2024-03-28" });
    const req = { symbols: ["spy", "ABC", "NOROWS"], startDate: "2024-02-28", endDate: "2024-03-28", factors: [Factor.IR, Factor.MARKET] };
    const panel = await client.getFactorPanel(req);
    const rows = await client.getSymbolFactors(req);
    assert.deepEqual(panel.symbols, ["SPY", "ABC", "NOROWS"]);
    assert.deepEqual(panel.dates, tradingDays("2024-02-28", "2024-03-28"));
    assert.deepEqual(
      panel.columns.map((c) => c.factor),
      [Factor.MARKET, Factor.IR],
      "canonical factor order",
    );
    const D = panel.dates.length;
    let seen = 0;
    for (const col of panel.columns) {
      assert.equal(col.betas.length, 3 * D);
      assert.ok(col.r2.length === 3 * D && col.nObs.length === 3 * D && col.quality.length === 3 * D);
      for (let s = 0; s < 3; s++) {
        for (let d = 0; d < D; d++) {
          const i = s * D + d;
          const row = rows.rows.find((r) => r.symbol === panel.symbols[s] && r.date === panel.dates[d]);
          const b = row?.betas.find((x) => x.factor === col.factor);
          if (b === undefined) {
            assert.ok(Number.isNaN(col.betas[i]!) && Number.isNaN(col.r2[i]!), `${panel.symbols[s]} ${panel.dates[d]} empty`);
            assert.equal(col.nObs[i], 0);
            assert.equal(col.quality[i], BetaQuality.UNSPECIFIED);
            continue;
          }
          assert.deepEqual([col.betas[i], col.r2[i], col.nObs[i], col.quality[i]], [b.beta, b.r2, b.nObs, b.quality]);
          seen++;
        }
      }
    }
    assert.equal(seen, 2 * 2 * tradingDays("2024-03-01", "2024-03-28").length, "every stored cell of SPY and ABC");
    const all = await client.getFactorPanel({ symbols: ["SPY"], startDate: "2024-03-28", endDate: "" });
    assert.equal(all.columns.length, 12, "empty factors = all 12");
    assert.deepEqual(all.dates, ["2024-03-28"]);
  });

  it("validates panel requests (fields named, size capped) and requires a principal", async () => {
    const { client } = setup();
    await assert.rejects(
      client.getFactorPanel({ symbols: ["ok", "no way"], startDate: "2024-03-01", endDate: "2024-02-30" }),
      (err: unknown) => {
        assert.ok(err instanceof ConnectError && err.code === Code.InvalidArgument);
        assert.match(err.rawMessage, /symbols\[1\]/);
        return true;
      },
    );
    await assert.rejects(client.getFactorPanel({ symbols: ["A"], startDate: "2024-03-01", endDate: "bad" }), (err: unknown) => {
      assert.ok(err instanceof ConnectError && err.code === Code.InvalidArgument);
      assert.match(err.rawMessage, /end_date/);
      return true;
    });
    await assert.rejects(
      client.getFactorPanel({ symbols: ["A"], startDate: "2024-03-01", factors: [Factor.UNSPECIFIED] }),
      hasCode(Code.InvalidArgument),
    );
    const many = Array.from({ length: 2000 }, (_, i) => `S${i}`);
    await assert.rejects(client.getFactorPanel({ symbols: many, startDate: "2016-01-01", endDate: "2019-12-31" }), (err: unknown) => {
      assert.ok(err instanceof ConnectError && err.code === Code.InvalidArgument);
      assert.match(err.rawMessage, /limit 20000000/);
      return true;
    });
    const jwt = setup({ auth: { mode: "jwt", secret: SECRET } });
    await assert.rejects(jwt.client.getFactorPanel({ symbols: ["A"], startDate: "2024-03-01" }), hasCode(Code.Unauthenticated));
  });

  it("reuses a run's prices across compute calls naming the same run_id, and only then", async () => {
    const { client, prices } = setup({ cache: true });
    const range = { symbols: ["ABC"], startDate: "2024-03-01", endDate: "2024-03-28" };
    await client.computeSymbolFactors({ ...range, runId: "run-1" });
    // Metrics need a subset of the symbols + ETFs just read: served from the run's panel.
    await client.computeSymbolMetrics({ ...range, runId: "run-1" });
    assert.equal(prices.calls, 1);
    await client.computeSymbolMetrics(range);
    await client.computeSymbolMetrics({ ...range, runId: "run-2" });
    assert.equal(prices.calls, 3, "no run id, or another run: read again");
    await assert.rejects(client.computeSymbolMetrics({ ...range, runId: "r".repeat(129) }), hasCode(Code.InvalidArgument));
    assert.equal(prices.calls, 3);
  });

  it("rejects bad input with every violation, before any price read", async () => {
    const { client, prices } = setup();
    await assert.rejects(
      client.computeSymbolFactors({ symbols: ["bad symbol!", ""], startDate: "2024-02-30", endDate: "x" }),
      (err: unknown) => {
        assert.ok(err instanceof ConnectError && err.code === Code.InvalidArgument);
        assert.match(err.rawMessage, /symbols\[0\]/);
        return true;
      },
    );
    await assert.rejects(
      client.computeSymbolFactors({ symbols: ["A"], startDate: "2024-03-10", endDate: "2024-03-01" }),
      hasCode(Code.InvalidArgument),
    );
    await assert.rejects(
      client.getSymbolFactors({ symbols: ["A"], startDate: "2024-03-01", factors: [Factor.UNSPECIFIED] }),
      hasCode(Code.InvalidArgument),
    );
    // A weekend has no trading date: nothing to compute is a caller error, not a silent success.
    await assert.rejects(
      client.computeSymbolMetrics({ symbols: ["A"], startDate: "2024-03-02", endDate: "2024-03-03" }),
      hasCode(Code.InvalidArgument),
    );
    assert.equal(prices.calls, 0);
  });

  it("counts too little history as an INSUFFICIENT_HISTORY skip, not a failure (issue #6.9)", async () => {
    const a = setup();
    // NEWCO has 5 closes: below every minimum, so no factor row at all — a counted skip the run goes on from.
    const res = await a.client.computeSymbolFactors({ symbols: ["NEWCO"], startDate: "2024-03-01", endDate: "2024-03-28" });
    assert.equal(res.counters?.outputs, 0n);
    assert.ok((res.counters?.skipped ?? []).some((s) => s.reason === SkipReason.INSUFFICIENT_HISTORY && s.count > 0n));
    assert.deepEqual(
      res.problems.map((p) => [p.symbol, p.reason]),
      [["NEWCO", SkipReason.INSUFFICIENT_HISTORY]],
    );
  });

  it("fails loudly (FAILED_PRECONDITION, nothing written) when a factor ETF lacks prices", async () => {
    const b = setup({ missingEtf: "TLT" });
    await assert.rejects(
      b.client.computeSymbolFactors({ symbols: ["ABC"], startDate: "2024-03-01", endDate: "2024-03-28" }),
      (err: unknown) => {
        assert.ok(err instanceof ConnectError && err.code === Code.FailedPrecondition);
        assert.match(err.rawMessage, /TLT/);
        return true;
      },
    );
    assert.equal(b.store.writes, 0);
  });

  it("requires the admin role to compute and a principal to read", async () => {
    const { client } = setup({ auth: { mode: "jwt", secret: SECRET } });
    const user = await issueToken(SECRET, "reader", ["user"], "5m");
    const headers = { authorization: `Bearer ${user}` };
    await assert.rejects(
      client.computeSymbolFactors({ symbols: ["ABC"], startDate: "2024-03-01", endDate: "2024-03-28" }, { headers }),
      hasCode(Code.PermissionDenied),
    );
    await assert.rejects(client.getSymbolMetrics({ symbols: ["ABC"], startDate: "2024-03-01" }), hasCode(Code.Unauthenticated));
  });
});
