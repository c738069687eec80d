import type { ServiceImpl } from "@connectrpc/connect";
import { type CoordinatorService, RunSource } from "@sigma/contracts";
import { InvalidArgumentError, isAdmin, requireAdmin, requirePrincipal } from "@sigma/runtime";
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

/** A portfolio id must be a UUID (the snapshot service's key): anything else is INVALID_ARGUMENT. */
function requirePortfolioId(id: string): string {
  if (!id) throw new InvalidArgumentError("portfolio_id is required", { violations: [{ field: "portfolio_id", description: "required" }] });
  if (!isRunId(id)) {
    throw new InvalidArgumentError("portfolio_id is not a UUID", {
      violations: [{ field: "portfolio_id", description: `not a UUID: "${id.slice(0, 80)}"` }],
    });
  }
  return id.toLowerCase();
}

/** CoordinatorService: proto ↔ domain translation and authorization, nothing else. */
export function coordinatorHandlers(coordinator: Coordinator): ServiceImpl<typeof CoordinatorService> {
  return {
    async runBatch(req, ctx) {
      const principal = requirePrincipal(ctx);
      const caller = { sub: principal.sub, admin: isAdmin(principal) };
      // Universe runs and as-of pinning are operator actions (SPEC §5 authorization); a portfolio's
      // owner may run (and force) its own portfolio.
      if (!req.portfolioId || req.asOf) requireAdmin(ctx);
      else requirePortfolioId(req.portfolioId);
      const out = await coordinator.runBatch({
        portfolioId: req.portfolioId.toLowerCase(),
        // An unset source defaults to manual, so a bare grpcurl call works.
        source: req.source || RunSource.MANUAL,
        forceRerun: req.forceRerun,
        startDate: req.startDate,
        endDate: req.endDate,
        dryRun: req.dryRun,
        asOf: req.asOf,
        caller,
      });
      return {
        runId: out.runId,
        alreadyUpToDate: out.alreadyUpToDate,
        targetDate: out.plan.targetDate,
        startDate: out.plan.dates[0] ?? "",
        endDate: out.plan.dates.at(-1) ?? "",
        datesTotal: out.plan.dates.length,
        // The (portfolio, date) cells of a dry run; a started run reports its progress instead.
        cells: out.cells,
        dryRun: out.dryRun,
        message: out.message,
      };
    },
    async onboardPortfolio(req, ctx) {
      const principal = requirePrincipal(ctx);
      return coordinator.onboardPortfolio({ csv: req.csv, name: req.name, startingEquity: req.startingEquity, owner: principal.sub });
    },
    async removePortfolio(req, ctx) {
      const principal = requirePrincipal(ctx);
      const id = requirePortfolioId(req.portfolioId);
      return coordinator.removePortfolio(id, { sub: principal.sub, admin: isAdmin(principal) });
    },
    async getRun(req, ctx) {
      const principal = requirePrincipal(ctx);
      const runId = requireRunId(req.runId);
      // Universe runs are operator business (SPEC §5); a portfolio run is readable by its owner.
      return { run: runToProto(await coordinator.getRunAs(runId, { sub: principal.sub, admin: isAdmin(principal) })) };
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
