/**
 * A small fake MarketDataService and StatusService used by this package's tests (not exported
 * from the package index). Each method exercises one path of the runtime: success with the
 * principal, a domain error, an unexpected error, an admin check, a retryable error and a
 * server stream that ignores cancellation.
 */
import { create } from "@bufbuild/protobuf";
import { MarketDataService, StatusService, WatchStatusResponseSchema } from "@sigma/contracts";
import { requireAdmin, requirePrincipal } from "./auth.js";
import { InvalidArgumentError, NotFoundError, UnavailableError } from "./errors.js";
import { defineService, type ServiceRegistration } from "./serve.js";

/** The secret the unexpected error carries; tests assert it never reaches a client. */
export const LEAKY_DETAIL = "password=hunter2 at db.internal:5432";

/** Counters the tests read to see how often each method ran. */
export interface FakeCounters {
  syncPrices: number;
  addSymbols: number;
}

/**
 * Builds the fake services.
 *
 * - GetProviderInfo: returns kind "fake" and `hello <sub>` (requires a principal).
 * - GetPriceSeries: NotFoundError for any symbol except "KNOWN"; InvalidArgumentError with a
 *   field violation when start_date is "bad".
 * - ListSymbols: throws a plain Error containing LEAKY_DETAIL (must become a generic INTERNAL).
 * - AddSymbols: admin only; counts calls.
 * - SyncPrices: UnavailableError for the first `unavailableTimes` calls, then succeeds.
 * - StatusService.WatchStatus: sends one message, then waits forever without watching its
 *   signal (a badly behaved stream that close() must still get rid of).
 */
export function fakeServices(unavailableTimes = 0): { services: ServiceRegistration[]; counters: FakeCounters } {
  const counters: FakeCounters = { syncPrices: 0, addSymbols: 0 };
  const marketdata = defineService(MarketDataService, {
    getProviderInfo(_req, ctx) {
      const p = requirePrincipal(ctx);
      return { kind: "fake", description: `hello ${p.sub}` };
    },
    getPriceSeries(req) {
      if (req.startDate === "bad") {
        throw new InvalidArgumentError("invalid request", {
          violations: [{ field: "start_date", description: "not a date" }],
        });
      }
      if (req.symbols.length !== 1 || req.symbols[0] !== "KNOWN") {
        throw new NotFoundError(`unknown symbols: ${req.symbols.join(",")}`, { cause: new Error("row count 0") });
      }
      return { dates: ["2020-01-02"], series: [{ symbol: "KNOWN", closes: [1.5] }] };
    },
    listSymbols() {
      throw new Error(`connection refused: ${LEAKY_DETAIL}`);
    },
    addSymbols(req, ctx) {
      requireAdmin(ctx);
      counters.addSymbols++;
      return { symbols: req.symbols, added: req.symbols.length };
    },
    syncPrices() {
      counters.syncPrices++;
      if (counters.syncPrices <= unavailableTimes) throw new UnavailableError("provider down");
      return {};
    },
  });
  const status = defineService(StatusService, {
    async *watchStatus() {
      yield create(WatchStatusResponseSchema, { seq: 1n });
      // Deliberately ignores ctx.signal.
      await new Promise(() => {});
    },
  });
  return { services: [marketdata, status], counters };
}
