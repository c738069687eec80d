import type { ServiceImpl } from "@connectrpc/connect";
import { isIsoDate } from "@sigma/calendar";
import { FACTOR_ETFS, type MarketDataService, SkipReason, SymbolStatus } from "@sigma/contracts";
import { InvalidArgumentError, loggerKey, requireAdmin, requirePrincipal } from "@sigma/runtime";
import { normalizeSymbol, type PriceProvider } from "../domain/index.js";
import type { PriceStore } from "../store/price-store.js";
import { readAlignedSeries } from "../usecases/price-series.js";
import { syncPrices } from "../usecases/sync-prices.js";

/** What the market-data handlers need. */
export interface MarketDataHandlerDeps {
  store: PriceStore;
  provider: PriceProvider;
  fetchConcurrency: number;
}

/** Normalizes every symbol, reporting all invalid ones at once. */
function normalizeAll(symbols: readonly string[], field = "symbols"): string[] {
  const out: string[] = [];
  const violations: { field: string; description: string }[] = [];
  symbols.forEach((s, i) => {
    try {
      out.push(normalizeSymbol(s));
    } catch (err) {
      violations.push({ field: `${field}[${i}]`, description: (err as Error).message });
    }
  });
  if (violations.length) throw new InvalidArgumentError(`${violations.length} invalid symbol(s)`, { violations });
  return [...new Set(out)];
}

function requireRange(start: string, end: string): void {
  const violations: { field: string; description: string }[] = [];
  if (!isIsoDate(start)) violations.push({ field: "start_date", description: `not a YYYY-MM-DD date: "${start}"` });
  if (!isIsoDate(end)) violations.push({ field: "end_date", description: `not a YYYY-MM-DD date: "${end}"` });
  if (!violations.length && start > end) violations.push({ field: "start_date", description: "after end_date" });
  if (violations.length) throw new InvalidArgumentError("invalid date range", { violations });
}

/** MarketDataService: proto ↔ use-case translation and validation. */
export function marketDataHandlers(deps: MarketDataHandlerDeps): ServiceImpl<typeof MarketDataService> {
  const { store, provider } = deps;
  return {
    async addSymbols(req, ctx) {
      requireAdmin(ctx);
      const symbols = normalizeAll(req.symbols);
      const etfs = symbols.filter((s) => FACTOR_ETFS.includes(s));
      const added =
        (await store.addSymbols(
          symbols.filter((s) => !etfs.includes(s)),
          false,
        )) + (await store.addSymbols(etfs, true));
      return { symbols, added };
    },
    async listSymbols(req, ctx) {
      requirePrincipal(ctx);
      const rows = await store.listSymbols(req.includeFactorEtfs);
      return { symbols: rows.map((r) => ({ ...r, priceRows: BigInt(r.priceRows) })) };
    },
    async syncPrices(req, ctx) {
      requireAdmin(ctx);
      requireRange(req.startDate, req.endDate);
      let symbols = normalizeAll(req.symbols);
      if (symbols.length === 0) symbols = (await store.listSymbols(true)).map((s) => s.symbol);
      if (req.includeFactorEtfs) symbols = [...new Set([...FACTOR_ETFS, ...symbols])];
      await store.addSymbols(
        symbols.filter((s) => FACTOR_ETFS.includes(s)),
        true,
      );
      await store.addSymbols(
        symbols.filter((s) => !FACTOR_ETFS.includes(s)),
        false,
      );
      const results = await syncPrices(
        // The per-RPC logger: its lines carry the rpc name and the caller's run id and phase.
        { store, provider, logger: ctx.values.get(loggerKey), concurrency: deps.fetchConcurrency },
        { symbols, start: req.startDate, end: req.endDate, force: req.force },
        ctx.signal,
      );
      const skipped = new Map<SkipReason, number>();
      let outputs = 0;
      for (const r of results) {
        if (r.status === SymbolStatus.FETCHED || r.status === SymbolStatus.UP_TO_DATE) outputs += 1;
        if (r.reason !== SkipReason.UNSPECIFIED) skipped.set(r.reason, (skipped.get(r.reason) ?? 0) + 1);
      }
      return {
        results: results.map((r) => ({ ...r, rowsFetched: BigInt(r.rowsFetched) })),
        counters: {
          inputs: BigInt(results.length),
          outputs: BigInt(outputs),
          skipped: [...skipped].map(([reason, count]) => ({ reason, count: BigInt(count) })),
        },
      };
    },
    async getPriceSeries(req, ctx) {
      requirePrincipal(ctx);
      requireRange(req.startDate, req.endDate);
      const symbols = normalizeAll(req.symbols);
      if (symbols.length === 0)
        throw new InvalidArgumentError("symbols is required", { violations: [{ field: "symbols", description: "required" }] });
      const aligned = await readAlignedSeries(store, symbols, req.startDate, req.endDate);
      return {
        dates: aligned.dates,
        series: aligned.series.map((s) => ({ symbol: s.symbol, closes: Array.from(s.closes), empty: s.empty })),
      };
    },
    async getProviderInfo(_req, ctx) {
      requirePrincipal(ctx);
      return { kind: provider.kind, description: provider.describe() };
    },
  };
}
