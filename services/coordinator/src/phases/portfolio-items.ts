import { type Phase, phaseInfo } from "@sigma/contracts";
import { fanOut, splitItems } from "../runner/fan-out.js";
import { retryOnCodes, type StepContext, TRANSIENT_CODES } from "./step.js";

/** One (portfolio, dates) cell of a chunk, as the snapshot and risk compute RPCs take them. */
export interface ChunkCell {
  portfolioId: string;
  dates: string[];
}

/** An item answered UNAVAILABLE (e.g. its replica is shutting down) is redone, on another replica. */
const ITEM_RETRY = retryOnCodes(3, 500, ...TRANSIENT_CODES);

/**
 * Runs one portfolio phase's chunk as items of `ctx.items.portfolios` portfolios' cells (a short
 * run in one chunk gets larger items, see itemSizeForDates), at most
 * `ctx.items.concurrency` in flight, each one idempotent RPC balanced over the service's replicas
 * (see runner/fan-out.ts). Results come back in item order, so folding them is deterministic.
 *
 * @param call the phase's compute RPC for one item's cells.
 */
export async function fanOutCells<R>(
  ctx: StepContext,
  phase: Phase,
  cells: readonly ChunkCell[],
  call: (cells: ChunkCell[]) => Promise<R>,
): Promise<R[]> {
  const items = splitItems(cells, ctx.items.portfolios);
  return fanOut(items, (item) => call(item), {
    concurrency: ctx.items.concurrency,
    cancelled: ctx.cancelled,
    signal: ctx.signal,
    retry: ITEM_RETRY,
    onRetry: (i, attempt, err) =>
      ctx.reporter.warn(
        `${phaseInfo(phase).name}: item ${i + 1}/${items.length} (${items[i]!.length} portfolios): ${err instanceof Error ? err.message : String(err)}; retry ${attempt}`,
        { phase },
      ),
  });
}
