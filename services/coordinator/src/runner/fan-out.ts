/**
 * Fan-out of a chunk's work into items that any replica of a service can take. The coordinator
 * stays the single owner of run state: it cuts a chunk into items (N symbols, N portfolios'
 * cells), runs up to `concurrency` of them at once (each one RPC, balanced over the replicas by the
 * grpc+lb client), and folds the per-item results in item order. Every item RPC is idempotent
 * (replace semantics per symbol-date / portfolio-date), so an item retried after a replica died
 * rewrites exactly the rows it would have written.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { RunCancelledError, type RetryPolicy } from "../phases/step.js";

/** Options of {@link fanOut}. */
export interface FanOutOptions {
  /** Items in flight at once (≥ 1). */
  concurrency: number;
  /** True once the run was asked to stop: no new item starts, and fanOut throws RunCancelledError. */
  cancelled?: () => boolean;
  /** Aborted on cancel / deadline: no new item starts (items in flight see it through their RPC). */
  signal?: AbortSignal;
  /**
   * Per-item retries (the transport already retries transport failures within its budget; this
   * covers answers such as UNAVAILABLE from a replica that is shutting down). Default: none.
   */
  retry?: RetryPolicy;
  /** Called before an item is retried (attempt = the failed attempt, 1-based). */
  onRetry?: (index: number, attempt: number, err: unknown) => void | Promise<void>;
}

/** The chunk length (trading dates) the configured item sizes are meant for (SPEC §4's example chunk). */
export const ITEM_REFERENCE_DATES = 21;

/**
 * Item size sized by work: the configured size (symbols or portfolios per item) holds for a chunk of
 * {@link ITEM_REFERENCE_DATES} dates; a shorter run done in one chunk (the daily run: one date) packs
 * proportionally more into one item. Every item reads its own history (closes over a lookback of
 * hundreds of days, the marks, the betas), so the one date of a daily run cut into 20 items of 50
 * portfolios read that history 20 times; as one item of 1,000 it reads it once. The executor applies
 * it (runner/run-executor.ts); a long run with short chunks (e.g. SIGMA_CHUNK_DAYS=5) keeps the
 * configured sizes. Pure.
 *
 * @param size the configured size (≥ 1).
 * @param dates trading dates of the run (0 is treated as 1).
 * @param max the largest item a callee accepts (e.g. 1,000 portfolios per risk or snapshot call);
 *   a configured size above it is kept (the callee's validation then says so).
 */
export function itemSizeForDates(size: number, dates: number, max = Number.POSITIVE_INFINITY): number {
  return Math.max(size, Math.min(max, Math.floor((size * ITEM_REFERENCE_DATES) / Math.max(1, dates))));
}

/** Portfolios one risk or snapshot call accepts (MAX_PORTFOLIOS_PER_CALL, MAX_RANGE_PORTFOLIOS). */
export const MAX_ITEM_PORTFOLIOS = 1_000;
/** Symbols per item at most when items grow for a short run (bounds one factor call's panel). */
export const MAX_ITEM_SYMBOLS = 2_000;

/**
 * Cuts `values` into consecutive items of at most `size` values (the last one may be shorter).
 *
 * @throws RangeError when size is not a positive integer.
 */
export function splitItems<T>(values: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`item size must be a positive integer, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}

/**
 * Runs `fn` over every item with at most `concurrency` in flight and returns the results in item
 * order.
 *
 * Failure: the first error that is not retried (or whose retries ran out) stops new items from
 * starting; fanOut waits for the items already in flight to settle (so no RPC of this chunk is
 * still writing when the caller moves on or retries) and then throws that first error. Cancel
 * (`cancelled()` or an aborted `signal`) likewise stops new items, waits, and throws
 * RunCancelledError unless an item failed first.
 *
 * @throws RangeError when concurrency is not a positive integer.
 */
export async function fanOut<T, R>(items: readonly T[], fn: (item: T, index: number) => Promise<R>, opts: FanOutOptions): Promise<R[]> {
  const { concurrency } = opts;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  const results = new Array<R>(items.length);
  const stopped = () => opts.cancelled?.() === true || opts.signal?.aborted === true;
  let next = 0;
  let failure: { err: unknown } | undefined;

  const runItem = async (index: number): Promise<R> => {
    const retry = opts.retry;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn(items[index]!, index);
      } catch (err) {
        if (!retry || attempt >= retry.attempts || !retry.retryable(err) || stopped() || failure) throw err;
        await opts.onRetry?.(index, attempt, err);
        await sleep(retry.backoffMs * 2 ** (attempt - 1));
        if (stopped()) throw err;
      }
    }
  };

  const worker = async (): Promise<void> => {
    while (!failure && !stopped() && next < items.length) {
      const index = next++;
      try {
        results[index] = await runItem(index);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failure) throw failure.err;
  // Workers only leave items unstarted when the run was stopped.
  if (next < items.length) throw new RunCancelledError();
  return results;
}
