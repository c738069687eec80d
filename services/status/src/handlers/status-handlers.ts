import type { ServiceImpl } from "@connectrpc/connect";
import type { StatusService, WatchStatusResponse } from "@sigma/contracts";
import { InvalidArgumentError, requireAdmin } from "@sigma/runtime";
import { InvalidTargetError, targetFromProto, type TargetRef } from "../domain/target.js";
import type { StatusWatchHub } from "../domain/watch.js";

function target(t: Parameters<typeof targetFromProto>[0]): TargetRef {
  try {
    return targetFromProto(t);
  } catch (err) {
    if (err instanceof InvalidTargetError) {
      throw new InvalidArgumentError(err.message, { violations: [{ field: "target", description: err.message }] });
    }
    throw err;
  }
}

/**
 * StatusService over the in-memory projection. Access: every run today is a universe run, which
 * is operator data, so the admin role is required; a non-admin gets PERMISSION_DENIED whether or
 * not the target exists (no leak of existence). Portfolio owners get access to their portfolios'
 * runs once portfolios (and their owners) exist. WatchStatus bridges the hub's callbacks into the
 * server stream and unsubscribes when the client goes away (ctx.signal).
 */
export function statusHandlers(hub: StatusWatchHub): ServiceImpl<typeof StatusService> {
  return {
    async getStatus(req, ctx) {
      requireAdmin(ctx);
      return { status: hub.projection.getStatus(target(req.target), new Date()) };
    },
    async getActivityLog(req, ctx) {
      requireAdmin(ctx);
      return hub.projection.getActivityLog(target(req.target));
    },
    async *watchStatus(req, ctx) {
      requireAdmin(ctx);
      const t = target(req.target);
      const resumeAfter = Number(req.resumeAfter);
      if (!Number.isSafeInteger(resumeAfter) || resumeAfter < 0) {
        throw new InvalidArgumentError("resume_after must be >= 0", { violations: [{ field: "resume_after", description: "negative" }] });
      }
      const queue: WatchStatusResponse[] = [];
      let wake: (() => void) | undefined;
      const unsubscribe = hub.subscribe(t, resumeAfter, (u) => {
        queue.push(u);
        wake?.();
      });
      const aborted = new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
      try {
        while (!ctx.signal.aborted) {
          while (queue.length) yield queue.shift()!;
          await Promise.race([new Promise<void>((resolve) => (wake = resolve)), aborted]);
          wake = undefined;
        }
      } finally {
        unsubscribe();
      }
    },
  };
}
