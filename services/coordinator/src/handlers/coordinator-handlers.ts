import type { ServiceImpl } from "@connectrpc/connect";
import { type CoordinatorService, RunSource } from "@sigma/contracts";
import { InvalidArgumentError, requireAdmin, requirePrincipal, UnimplementedError } from "@sigma/runtime";
import type { Coordinator } from "../domain/coordinator.js";
import { runToProto, statusFilter } from "./run-mapper.js";

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
      requirePrincipal(ctx);
      if (!req.runId) throw new InvalidArgumentError("run_id is required", { violations: [{ field: "run_id", description: "required" }] });
      return { run: runToProto(await coordinator.getRun(req.runId)) };
    },
    async listRuns(req, ctx) {
      requireAdmin(ctx);
      const runs = await coordinator.listRuns(req.limit, statusFilter(req.status));
      return { runs: runs.map(runToProto) };
    },
    async cancelRun(req, ctx) {
      requireAdmin(ctx);
      if (!req.runId) throw new InvalidArgumentError("run_id is required", { violations: [{ field: "run_id", description: "required" }] });
      return { run: runToProto(await coordinator.cancelRun(req.runId)) };
    },
  };
}
