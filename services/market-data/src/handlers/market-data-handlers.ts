import type { ServiceImpl } from "@connectrpc/connect";
import { type Clock, isIsoDate } from "@sigma/calendar";
import { FACTOR_ETFS, type MarketDataService, SkipReason, SymbolStatus } from "@sigma/contracts";
import { InvalidArgumentError, loggerKey, requireAdmin, requirePrincipal } from "@sigma/runtime";
import { normalizeSymbol, type PriceProvider } from "../domain/index.js";
import type { PriceStore } from "../store/price-store.js";
import type { PriceSourceGate } from "../usecases/price-source.js";
import { readAlignedSeries, seriesRequestTooLarge } from "../usecases/price-series.js";
import { syncPrices } from "../usecases/sync-prices.js";

/**
 * Most symbols one AddSymbols (or an explicit SyncPrices list) may name: 10,000, ~8× the largest
 * universe in use (1,193). 1,000,000 symbols used to be committed while the client saw
 * RESOURCE_EXHAUSTED (the echoed response was too large).
 */
export const MAX_SYMBOLS_PER_CALL = 10_000;

/** What the market-data handlers need. */
export interface MarketDataHandlerDeps {
  store: PriceStore;
  provider: PriceProvider;
  fetchConcurrency: number;
  /** "Today" for the future-date check of SyncPrices. */
  clock: Pick<Clock, "today">;
  /** The price source's usability; SyncPrices is refused while it is unusable. Absent: never refused. */
  priceSource?: PriceSourceGate;
}

/** Refuses more than {@link MAX_SYMBOLS_PER_CALL} symbols before anything is normalized or written. */
function requireSymbolCount(symbols: readonly string[], field = "symbols"): void {
  if (symbols.length > MAX_SYMBOLS_PER_CALL) {
    throw new InvalidArgumentError(`too many symbols: at most ${MAX_SYMBOLS_PER_CALL.toLocaleString("en-US")} per call`, {
      violations: [{ field, description: `${symbols.length} given, limit ${MAX_SYMBOLS_PER_CALL}; split the list` }],
    });
  }
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
      requireSymbolCount(req.symbols);
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
      requireSymbolCount(req.symbols);
      await deps.priceSource?.require();
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
        { store, provider, logger: ctx.values.get(loggerKey), concurrency: deps.fetchConcurrency, clock: deps.clock },
        { symbols, start: req.startDate, end: req.endDate, force: req.force },
        ctx.signal,
      );
      const skipped = new Map<SkipReason, number>();
      const rowsSkipped = new Map<SkipReason, number>();
      let outputs = 0;
      for (const r of results) {
        if (r.status === SymbolStatus.FETCHED || r.status === SymbolStatus.UP_TO_DATE) outputs += 1;
        if (r.reason !== SkipReason.UNSPECIFIED) skipped.set(r.reason, (skipped.get(r.reason) ?? 0) + 1);
        for (const s of r.rowsSkipped) rowsSkipped.set(s.reason, (rowsSkipped.get(s.reason) ?? 0) + s.count);
      }
      return {
        results: results.map(({ problems: _problems, ...r }) => ({
          ...r,
          rowsFetched: BigInt(r.rowsFetched),
          rowsSkipped: r.rowsSkipped.map((s) => ({ reason: s.reason, count: BigInt(s.count) })),
        })),
        problems: results.flatMap((r) => r.problems),
        rowsSkipped: [...rowsSkipped].map(([reason, count]) => ({ reason, count: BigInt(count) })),
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
      const tooLarge = seriesRequestTooLarge(symbols.length, req.startDate, req.endDate);
      if (tooLarge) throw new InvalidArgumentError(`request too large: ${tooLarge}`);
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
