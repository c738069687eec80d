import type { ServiceImpl } from "@connectrpc/connect";
import type { StatusService, WatchStatusResponse } from "@sigma/contracts";
import { requirePrincipal } from "@sigma/runtime";
import { targetFromProto } from "../domain/target.js";
import type { StatusQueries } from "../usecases/status-queries.js";

/**
 * StatusService over the status use cases (access rules, readiness and NOT_FOUND live there, so
 * the web API answers alike). WatchStatus bridges the watch's callbacks into the server stream,
 * ends it after the run's final event (or with NOT_FOUND), and cancels the watch when the
 * client goes away (ctx.signal).
 */
export function statusHandlers(queries: StatusQueries): ServiceImpl<typeof StatusService> {
  return {
    async getStatus(req, ctx) {
      return { status: queries.getStatus(requirePrincipal(ctx), targetFromProto(req.target)) };
    },
    async getActivityLog(req, ctx) {
      return queries.getActivityLog(requirePrincipal(ctx), targetFromProto(req.target));
    },
    async *watchStatus(req, ctx) {
      const queue: WatchStatusResponse[] = [];
      let ended: { error?: unknown } | undefined;
      let wake: (() => void) | undefined;
      const cancel = queries.watch(requirePrincipal(ctx), targetFromProto(req.target), Number(req.resumeAfter), {
        start: () => undefined,
        update: (u) => {
          queue.push(u);
          wake?.();
        },
        end: (error) => {
          ended = { error };
          wake?.();
        },
      });
      const aborted = new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
      try {
        while (!ctx.signal.aborted) {
          while (queue.length) yield queue.shift()!;
          if (ended) {
            if (ended.error !== undefined) throw ended.error;
            return;
          }
          await Promise.race([new Promise<void>((resolve) => (wake = resolve)), aborted]);
          wake = undefined;
        }
      } finally {
        cancel();
      }
    },
  };
}
