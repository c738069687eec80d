/** RiskService: proto ↔ use-case translation, validation and authorization; no business logic. */
import { create } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { isIsoDate, isTradingDay } from "@sigma/calendar";
import {
  EtfMoveSchema,
  type FactorExposure,
  FactorContributionSchema,
  FactorExposureSchema,
  FACTORS,
  FactorShockSchema,
  type PhaseCounters,
  PhaseCountersSchema,
  type RiskService,
  ScenarioSchema,
  SkipCountSchema,
  SkipReason,
  type StressResult,
  StressResultSchema,
  type SymbolProblem,
  SymbolProblemSchema,
} from "@sigma/contracts";
import { FACTOR_ETFS, isSpreadFactor, RISK_FACTOR_IDS, type RiskFactorId, STYLE_FACTOR_IDS } from "@sigma/quant";
import {
  type FieldViolation,
  InvalidArgumentError,
  isAdmin,
  NotFoundError,
  PermissionDeniedError,
  requireAdmin,
  requirePrincipal,
} from "@sigma/runtime";
import type { RiskOutcome, RiskSkipReason } from "../domain/outcome.js";
import type {
  ExposureRow,
  PortfolioDirectory,
  PositionMarksSource,
  RiskRepository,
  ScenarioOutcome,
  SymbolBetaSource,
} from "../domain/ports.js";
import { type CustomScenarioInput, SCENARIOS, ScenarioSelectionError, selectScenarios } from "../domain/scenarios.js";
import type { PortfolioCells } from "../usecases/cells.js";
import { computeFactorExposures } from "../usecases/compute-factor-exposures.js";
import { computePositionBetas } from "../usecases/compute-position-betas.js";
import type { FactorCovarianceSource } from "../usecases/factor-covariance.js";
import { computeStress, exposureDate, NoExposuresError, runStress, storedStress } from "../usecases/stress.js";
import type { VolCorrStore } from "../store/vol-corr-store.js";
import { type volCorrHandlers, volCorrReportPart } from "./vol-corr-handlers.js";

/** What the risk handlers need. */
export interface RiskHandlerDeps {
  store: RiskRepository;
  marks: PositionMarksSource;
  /** The marks a compute call of a run reads (e.g. sharing the run's reads, see run-marks-cache.ts); default `marks`. */
  marksForRun?: (runId: string) => PositionMarksSource;
  /** The betas a phase 3 call of a run reads (sharing the run's reads, see run-panel-cache.ts); default `betas`. */
  betasForRun?: (runId: string) => SymbolBetaSource;
  betas: SymbolBetaSource;
  covariance: FactorCovarianceSource;
  directory: PortfolioDirectory;
  /** D of the stress model's rate channel. */
  rateDuration: number;
  /** Phases 5 and 6 (built separately). */
  volCorr: ReturnType<typeof volCorrHandlers>;
  volCorrStore: VolCorrStore;
  /** Deletes every risk row of a portfolio in one transaction; returns rows deleted. */
  deletePortfolio(portfolioId: string): Promise<number>;
}

/** Portfolios per compute call. */
export const MAX_PORTFOLIOS_PER_CALL = 1000;
/** Dates per (portfolio) cell. */
export const MAX_DATES_PER_CELL = 1000;
/** Longest accepted run_id. */
export const MAX_RUN_ID_LENGTH = 128;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const SKIP: Record<RiskSkipReason, SkipReason> = {
  NO_SNAPSHOT: SkipReason.NO_SNAPSHOT,
  NO_BETA: SkipReason.NO_BETA,
  NO_COVERAGE: SkipReason.NO_COVERAGE,
  NOT_ELIGIBLE: SkipReason.NOT_ELIGIBLE,
  INSUFFICIENT_HISTORY: SkipReason.INSUFFICIENT_HISTORY,
};

const FACTOR_ENUM = RISK_FACTOR_IDS.map((id) => {
  const info = FACTORS.find((f) => f.id === id);
  if (!info) throw new Error(`factor ${id} has no proto enum (contracts and @sigma/quant disagree)`);
  return info.factor;
});

function portfolioIdOf(id: string, field: string, violations?: FieldViolation[]): string {
  if (!UUID.test(id)) {
    const v = { field, description: `not a portfolio id (UUID): "${id.slice(0, 60)}"` };
    if (violations) violations.push(v);
    else throw new InvalidArgumentError(`${field} is not a portfolio id (UUID): "${id.slice(0, 60)}"`, { violations: [v] });
  }
  return id.toLowerCase();
}

function tradingDateOf(value: string, field: string, violations: FieldViolation[]): string {
  if (!isIsoDate(value)) violations.push({ field, description: `not a YYYY-MM-DD date: "${String(value).slice(0, 40)}"` });
  else if (!isTradingDay(value)) violations.push({ field, description: `${value} is not a trading day` });
  return value;
}

function runIdOf(runId: string, violations: FieldViolation[]): void {
  if (runId.length > MAX_RUN_ID_LENGTH) violations.push({ field: "run_id", description: `longer than ${MAX_RUN_ID_LENGTH} characters` });
}

function cellsOf(
  rpc: string,
  req: { cells: readonly { portfolioId: string; dates: readonly string[] }[]; runId: string },
): PortfolioCells[] {
  const violations: FieldViolation[] = [];
  if (req.cells.length > MAX_PORTFOLIOS_PER_CALL)
    violations.push({ field: "cells", description: `at most ${MAX_PORTFOLIOS_PER_CALL} portfolios per call, got ${req.cells.length}` });
  runIdOf(req.runId, violations);
  if (violations.length) throw new InvalidArgumentError(`invalid ${rpc} request`, { violations });
  const cells = req.cells.map((c, i) => {
    if (c.dates.length > MAX_DATES_PER_CELL)
      violations.push({ field: `cells[${i}].dates`, description: `at most ${MAX_DATES_PER_CELL} dates per cell, got ${c.dates.length}` });
    return {
      portfolioId: portfolioIdOf(c.portfolioId, `cells[${i}].portfolio_id`, violations),
      dates: c.dates.slice(0, MAX_DATES_PER_CELL).map((d, j) => tradingDateOf(d, `cells[${i}].dates[${j}]`, violations)),
    };
  });
  if (violations.length) throw new InvalidArgumentError(`invalid ${rpc} request`, { violations: violations.slice(0, 20) });
  return cells;
}

/** Optional date of a read ("" = latest): must be a calendar date when given. */
function readDateOf(rpc: string, date: string): string {
  if (date && !isIsoDate(date))
    throw new InvalidArgumentError(`invalid ${rpc} request`, {
      violations: [{ field: "date", description: `not a YYYY-MM-DD date: "${String(date).slice(0, 40)}"` }],
    });
  return date;
}

/**
 * Lets the caller read a portfolio's risk: an admin (service accounts included) always; anyone else
 * only their own portfolio, PERMISSION_DENIED otherwise whether or not it exists (no existence leak),
 * exactly like the snapshot service.
 */
async function authorizeRead(deps: RiskHandlerDeps, ctx: HandlerContext, id: string): Promise<void> {
  const principal = requirePrincipal(ctx);
  if (isAdmin(principal)) return;
  const owner = (await deps.directory.owners([id], ctx.signal)).get(id);
  if (owner !== principal.sub) throw new PermissionDeniedError(`portfolio ${id} is not yours`);
}

function counters(o: RiskOutcome): PhaseCounters {
  return create(PhaseCountersSchema, {
    inputs: BigInt(o.inputs),
    outputs: BigInt(o.outputs),
    skipped: (Object.entries(o.skipped) as [RiskSkipReason, number][])
      .filter(([, n]) => n > 0)
      .map(([r, n]) => create(SkipCountSchema, { reason: SKIP[r], count: BigInt(n) })),
  });
}

function problems(o: RiskOutcome): SymbolProblem[] {
  return o.problems.map((p) => create(SymbolProblemSchema, { symbol: p.symbol, reason: SKIP[p.reason], message: p.message, date: p.date }));
}

function exposuresPb(e: ExposureRow): FactorExposure[] {
  return RISK_FACTOR_IDS.map((_, f) =>
    create(FactorExposureSchema, {
      factor: FACTOR_ENUM[f]!,
      beta: e.beta[f]!,
      dollarExposure: e.dollar[f]!,
      positionsCovered: e.covered[f]!,
      positionsEligible: e.eligible,
      coverageByCount: e.coverageCount[f]!,
      coverageByValue: e.coverageValue[f]!,
      noCoverage: e.noCoverage[f] === 1,
    }),
  );
}

const CORRELATED = new Set<RiskFactorId>([...STYLE_FACTOR_IDS, "ir"]);

/** The answered shape of one scenario outcome (RunStressTest and GetStoredStress alike). */
export function stressResultPb(o: ScenarioOutcome): StressResult {
  return create(StressResultSchema, {
    scenarioId: o.scenarioId,
    directImpact: o.directTotal,
    correlatedImpact: o.correlatedTotal,
    directPctOfNav: o.directPct,
    correlatedPctOfNav: o.correlatedPct,
    lossExceedsNav: o.directLossExceedsNav,
    correlatedLossExceedsNav: o.correlatedLossExceedsNav,
    correlatedAvailable: o.correlatedAvailable,
    activeByDefault: o.activeByDefault,
    contributions: RISK_FACTOR_IDS.map((id, f) =>
      create(FactorContributionSchema, {
        factor: FACTOR_ENUM[f]!,
        directDollars: o.direct[f]!,
        correlatedDollars: o.correlated[f]!,
        impliedMove: o.impliedMoves[f]!,
        shocked: !Number.isNaN(o.shocks[f]!),
        correlated: CORRELATED.has(id) || isSpreadFactor(id),
        inTotal: !isSpreadFactor(id),
      }),
    ),
    // Without a covariance there is no ETF model: no moves rather than misleading zeros.
    etfMoves: o.correlatedAvailable ? FACTOR_ETFS.map((etf, k) => create(EtfMoveSchema, { etf, move: o.etfMoves[k]! })) : [],
    shocks: RISK_FACTOR_IDS.flatMap((_, f) =>
      Number.isNaN(o.shocks[f]!) ? [] : [create(FactorShockSchema, { factor: FACTOR_ENUM[f]!, shock: o.shocks[f]! })],
    ),
  });
}

function notFound(err: unknown): never {
  if (err instanceof NoExposuresError) throw new NotFoundError(err.message);
  if (err instanceof ScenarioSelectionError)
    throw new InvalidArgumentError(err.message.slice(0, 2000), {
      violations: err.problems.slice(0, 20).map((p) => ({ field: p.field, description: p.description })),
    });
  throw err;
}

/** The RiskService implementation over the use cases. */
export function riskHandlers(deps: RiskHandlerDeps): ServiceImpl<typeof RiskService> {
  const { store } = deps;
  return {
    async computePositionBetas(req, ctx) {
      requireAdmin(ctx);
      const cells = cellsOf("ComputePositionBetas", req);
      const o = await computePositionBetas(
        { ...deps, marks: deps.marksForRun?.(req.runId) ?? deps.marks, betas: deps.betasForRun?.(req.runId) ?? deps.betas },
        cells,
        ctx.signal,
      );
      return { counters: counters(o), problems: problems(o) };
    },

    async computeFactorExposures(req, ctx) {
      requireAdmin(ctx);
      const cells = cellsOf("ComputeFactorExposures", req);
      const o = await computeFactorExposures(deps, cells);
      return { counters: counters(o), problems: problems(o) };
    },

    computeVolatility: (req, ctx) => deps.volCorr.computeVolatility(req, ctx),
    computeCorrelations: (req, ctx) => deps.volCorr.computeCorrelations(req, ctx),

    async getFactorExposures(req, ctx) {
      const id = portfolioIdOf(req.portfolioId, "portfolio_id");
      const date = readDateOf("GetFactorExposures", req.date);
      await authorizeRead(deps, ctx, id);
      const d = await exposureDate(store, id, date).catch(notFound);
      const [e] = await store.readExposures([{ portfolioId: id, date: d }]);
      if (!e) throw new NotFoundError(new NoExposuresError(id, d).message);
      return { date: e.date, nav: e.nav, exposures: exposuresPb(e), dataQualityFailure: e.dataQualityFailure };
    },

    async listScenarios(req, ctx) {
      requirePrincipal(ctx);
      return {
        scenarios: SCENARIOS.filter((s) => req.includeInactive || s.activeByDefault).map((s) =>
          create(ScenarioSchema, {
            id: s.id,
            name: s.name,
            active: s.activeByDefault,
            shocks: RISK_FACTOR_IDS.flatMap((fid, f) => {
              const v = s.shocks[fid];
              return v === undefined ? [] : [create(FactorShockSchema, { factor: FACTOR_ENUM[f]!, shock: v })];
            }),
          }),
        ),
      };
    },

    async runStressTest(req, ctx) {
      const id = portfolioIdOf(req.portfolioId, "portfolio_id");
      const date = readDateOf("RunStressTest", req.date);
      const custom: CustomScenarioInput[] = req.customScenarios.map((c) => ({
        id: c.id,
        name: c.name,
        shocks: c.shocks.map((s) => ({
          factor: FACTORS.find((f) => f.factor === s.factor)?.id ?? `enum value ${s.factor}`,
          shock: s.shock,
        })),
      }));
      let scenarios: ReturnType<typeof selectScenarios>;
      try {
        scenarios = selectScenarios(req.scenarioIds, custom);
      } catch (err) {
        notFound(err);
      }
      await authorizeRead(deps, ctx, id);
      const r = await runStress(deps, id, date, scenarios, ctx.signal).catch(notFound);
      return { date: r.date, nav: r.nav, results: r.outcomes.map(stressResultPb) };
    },

    async computeStress(req, ctx) {
      requireAdmin(ctx);
      const violations: FieldViolation[] = [];
      if (req.portfolioIds.length > MAX_PORTFOLIOS_PER_CALL)
        violations.push({
          field: "portfolio_ids",
          description: `at most ${MAX_PORTFOLIOS_PER_CALL} portfolios per call, got ${req.portfolioIds.length}`,
        });
      const ids = req.portfolioIds.slice(0, MAX_PORTFOLIOS_PER_CALL).map((p, i) => portfolioIdOf(p, `portfolio_ids[${i}]`, violations));
      tradingDateOf(req.date, "date", violations);
      runIdOf(req.runId, violations);
      if (violations.length) throw new InvalidArgumentError("invalid ComputeStress request", { violations: violations.slice(0, 20) });
      const o = await computeStress(deps, ids, req.date, ctx.signal);
      return { counters: counters(o), problems: problems(o) };
    },

    async getStoredStress(req, ctx) {
      const id = portfolioIdOf(req.portfolioId, "portfolio_id");
      const date = readDateOf("GetStoredStress", req.date);
      await authorizeRead(deps, ctx, id);
      const s = await storedStress(store, id, date);
      if (!s)
        throw new NotFoundError(
          `no stress results stored for portfolio ${id}${date ? ` on ${date}` : ""} (a run stores them at its last date)`,
        );
      return { date: s.date, nav: s.nav, results: s.outcomes.map(stressResultPb) };
    },

    async getRiskReport(req, ctx) {
      const id = portfolioIdOf(req.portfolioId, "portfolio_id");
      const date = readDateOf("GetRiskReport", req.date);
      await authorizeRead(deps, ctx, id);
      const availableDates = await store.exposureDates(id);
      const d = date || availableDates.at(-1);
      if (!d) throw new NotFoundError(new NoExposuresError(id, "").message);
      const [e] = await store.readExposures([{ portfolioId: id, date: d }]);
      if (!e) throw new NotFoundError(new NoExposuresError(id, d).message);
      const part = await volCorrReportPart(deps.volCorrStore, id, d);
      return {
        date: d,
        nav: e.nav,
        exposures: exposuresPb(e),
        dataQualityFailure: e.dataQualityFailure,
        portfolioVolatility: part.portfolioVolatility,
        positionVolatility: part.positionVolatility,
        correlations: part.correlations,
        factorCorrelations: part.factorCorrelations,
        availableDates,
      };
    },

    async deletePortfolioRisk(req, ctx) {
      const id = portfolioIdOf(req.portfolioId, "portfolio_id");
      await authorizeRead(deps, ctx, id);
      return { rowsDeleted: BigInt(await deps.deletePortfolio(id)) };
    },
  };
}
