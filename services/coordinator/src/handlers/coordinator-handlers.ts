import type { ServiceImpl } from "@connectrpc/connect";
import { type CoordinatorService, RunSource } from "@sigma/contracts";
import { InvalidArgumentError, isAdmin, PermissionDeniedError, requireAdmin, requirePrincipal, UnimplementedError } from "@sigma/runtime";
import type { Coordinator } from "../runner/coordinator.js";
import { isRunId } from "../domain/run-record.js";
import { runToProto, statusFilter } from "./run-mapper.js";

/** A run id must be a UUID (the run table's key): anything else is the caller's mistake, not NOT_FOUND. */
function requireRunId(runId: string): string {
  if (!runId) throw new InvalidArgumentError("run_id is required", { violations: [{ field: "run_id", description: "required" }] });
  if (!isRunId(runId)) {
    throw new InvalidArgumentError("run_id is not a UUID", {
      violations: [{ field: "run_id", description: `not a UUID: "${runId.slice(0, 80)}"` }],
    });
  }
  return runId.toLowerCase();
}

/** CoordinatorService: proto ↔ domain translation and authorization, nothing else. */
export function coordinatorHandlers(coordinator: Coordinator): ServiceImpl<typeof CoordinatorService> {
  return {
    async runBatch(req, ctx) {
      // Universe runs, as-of pinning and forced ranges are operator actions (SPEC §5 authorization).
      requireAdmin(ctx);
      const out = await coordinator.runBatch({
        portfolioId: req.portfolioId,
        // An unset source defaults to manual, so a bare grpcurl call works.
        source: req.source || RunSource.MANUAL,
        forceRerun: req.forceRerun,
        startDate: req.startDate,
        endDate: req.endDate,
        dryRun: req.dryRun,
        asOf: req.asOf,
      });
      return {
        runId: out.runId,
        alreadyUpToDate: out.alreadyUpToDate,
        targetDate: out.plan.targetDate,
        startDate: out.plan.dates[0] ?? "",
        endDate: out.plan.dates.at(-1) ?? "",
        datesTotal: out.plan.dates.length,
        // Cells are (portfolio, date) pairs; none until portfolios exist.
        cells: [],
        dryRun: out.dryRun,
        message: out.message,
      };
    },
    async onboardPortfolio(_req, ctx) {
      requirePrincipal(ctx);
      throw new UnimplementedError("portfolio onboarding (CSV import, snapshots and the scoped backfill)");
    },
    async removePortfolio(_req, ctx) {
      requirePrincipal(ctx);
      throw new UnimplementedError("portfolio removal across services");
    },
    async getRun(req, ctx) {
      const principal = requirePrincipal(ctx);
      const runId = requireRunId(req.runId);
      // Universe runs are operator business (SPEC §5). Portfolio runs would be readable by their
      // owner, but portfolio ownership is not built yet, so only admins read runs. The answer is
      // the same whether or not the run exists, so a non-admin learns nothing about run ids.
      if (!isAdmin(principal)) throw new PermissionDeniedError("admin role required to read this run");
      return { run: runToProto(await coordinator.getRun(runId)) };
    },
    async listRuns(req, ctx) {
      requireAdmin(ctx);
      if (req.limit < 0) {
        throw new InvalidArgumentError("invalid limit", {
          violations: [{ field: "limit", description: `must be 0 (default 20) or positive, got ${req.limit}` }],
        });
      }
      const runs = await coordinator.listRuns(req.limit, statusFilter(req.runStatus, req.status));
      return { runs: runs.map(runToProto) };
    },
    async cancelRun(req, ctx) {
      requireAdmin(ctx);
      return { run: runToProto(await coordinator.cancelRun(requireRunId(req.runId))) };
    },
  };
}
