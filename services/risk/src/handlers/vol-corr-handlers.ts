/**
 * RiskService ComputeVolatility (phase 5) and ComputeCorrelations (phase 6): proto ↔ use-case
 * translation, validation and authorization; plus the report's volatility/correlation part read from
 * the store. The snapshot service is reached only through its public RPCs (GetSnapshots,
 * GetPositionValueRange).
 */
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type Client, type HandlerContext } from "@connectrpc/connect";
import { countTradingDays, isIsoDate } from "@sigma/calendar";
import {
  type ComputeCorrelationsRequest,
  type ComputeCorrelationsResponseSchema,
  type ComputeVolatilityRequest,
  type ComputeVolatilityResponseSchema,
  CorrelationExclusion as PbCorrelationExclusion,
  type FactorCorrelations,
  FactorCorrelationsSchema,
  InvestmentClass,
  type PhaseCountersSchema,
  type PositionCorrelations,
  PositionCorrelationsSchema,
  SkipReason,
  type SnapshotService,
  type SymbolProblemSchema,
  type SymbolVolatility,
  SymbolVolatilitySchema,
  type VolatilityStats,
  VolatilityStatsSchema,
  type VolTrend,
} from "@sigma/contracts";
import type { PriceSource, RunPriceCache } from "@sigma/prices";
import { FACTOR_ETFS } from "@sigma/quant";
import { type FieldViolation, InvalidArgumentError, type Logger, NotFoundError, requireAdmin } from "@sigma/runtime";
import {
  type CellSet,
  clustersFromLabels,
  type DatedMarks,
  type PortfolioReturns,
  type PortfolioSource,
  type VolCorrOutcome,
  type VolRow,
  volRowComputable,
} from "../domain/vol-corr-model.js";
import type { VolCorrStore } from "../store/vol-corr-store.js";
import { computeCorrelations } from "../usecases/correlations.js";
import { dayMarkColumns, MARKS_MAX_DATES, tradingWindows } from "../adapters/peers.js";
import type { RunMarksCache } from "../adapters/run-marks-cache.js";
import type { RunClaims } from "../usecases/run-claims.js";
import { computeVolatility } from "../usecases/volatility.js";

/** What the phase 5/6 handlers need. */
export interface VolCorrDeps {
  store: VolCorrStore;
  prices: PriceSource;
  /**
   * Run-scoped closes for phases 5 and 6 (one cache each: their lookbacks differ, and each keeps one
   * panel per item whose start moves forward chunk by chunk). Without them every call reads market-data.
   */
  priceCaches?: { volatility: RunPriceCache; correlations: RunPriceCache };
  /** Per-run claims on shared rows (symbol volatility, factor EWMA); without them nothing is shared. */
  claims?: RunClaims;
  /** Per-run reuse of identical marks reads (phases 3, 5 and 6 of a chunk read the same item's marks). */
  marksCache?: RunMarksCache;
  snapshot: Client<typeof SnapshotService>;
  logger: Logger;
}

/** Most (portfolio, date) cells one ComputeVolatility / ComputeCorrelations call may ask for. */
export const MAX_VOL_CORR_CELLS = 100_000;
/** Widest date span of one call, in trading dates (GetPositionValueRange reads at most 1,000). */
export const MAX_VOL_CORR_SPAN_TRADING_DAYS = 1_000;
/** Portfolios per GetPositionValueRange call (the snapshot service accepts 1,000; smaller keeps messages small). */
export const MARKS_PORTFOLIO_BATCH = 100;
/** Longest accepted run_id. */
const MAX_RUN_ID_LENGTH = 128;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Validates a compute request's cells: portfolio ids are UUIDs, dates YYYY-MM-DD, at least one cell,
 * at most {@link MAX_VOL_CORR_CELLS} distinct cells within {@link MAX_VOL_CORR_SPAN_TRADING_DAYS}
 * trading dates. Duplicate portfolios and dates are merged.
 *
 * @throws InvalidArgumentError listing every problem.
 */
export function validateCells(cells: readonly { portfolioId: string; dates: readonly string[] }[], runId: string): CellSet {
  const violations: FieldViolation[] = [];
  const byPortfolio = new Map<string, Set<string>>();
  if (cells.length === 0) violations.push({ field: "cells", description: "at least one (portfolio, dates) cell is required" });
  if (runId.trim().length > MAX_RUN_ID_LENGTH)
    violations.push({ field: "run_id", description: `longer than ${MAX_RUN_ID_LENGTH} characters` });
  cells.forEach((c, i) => {
    const id = c.portfolioId.trim().toLowerCase();
    if (!UUID.test(id))
      violations.push({ field: `cells[${i}].portfolio_id`, description: `not a portfolio id (UUID): "${c.portfolioId}"` });
    if (c.dates.length === 0) violations.push({ field: `cells[${i}].dates`, description: "at least one date is required" });
    let set = byPortfolio.get(id);
    if (!set) byPortfolio.set(id, (set = new Set()));
    c.dates.forEach((d, j) => {
      if (!isIsoDate(d)) violations.push({ field: `cells[${i}].dates[${j}]`, description: `not a YYYY-MM-DD date: "${d}"` });
      else set.add(d);
    });
  });
  let count = 0;
  for (const s of byPortfolio.values()) count += s.size;
  if (count > MAX_VOL_CORR_CELLS) {
    violations.push({
      field: "cells",
      description: `${count} (portfolio, date) cells exceed the limit of ${MAX_VOL_CORR_CELLS} per call; send smaller chunks`,
    });
  }
  if (violations.length) throw new InvalidArgumentError("invalid cells", { violations });
  const sorted = new Map([...byPortfolio].map(([id, s]) => [id, [...s].sort()]));
  let minDate = "9999-12-31";
  let maxDate = "0000-01-01";
  for (const d of sorted.values()) {
    if (d[0]! < minDate) minDate = d[0]!;
    if (d.at(-1)! > maxDate) maxDate = d.at(-1)!;
  }
  const span = countTradingDays(minDate, maxDate);
  if (span > MAX_VOL_CORR_SPAN_TRADING_DAYS) {
    throw new InvalidArgumentError("invalid cells", {
      violations: [
        {
          field: "cells",
          description: `dates span ${minDate}..${maxDate} (${span} trading dates), more than ${MAX_VOL_CORR_SPAN_TRADING_DAYS} per call`,
        },
      ],
    });
  }
  return { byPortfolio: sorted, count, minDate, maxDate };
}

/** A NOT_FOUND from the snapshot service names the portfolio the caller asked for. */
async function snapshotCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ConnectError && err.code === Code.NotFound) throw new NotFoundError(`${what}: ${err.rawMessage}`, { cause: err });
    throw err;
  }
}

/** {@link PortfolioSource} over the snapshot service's public RPCs. */
export function snapshotPortfolioSource(client: Client<typeof SnapshotService>, batch = MARKS_PORTFOLIO_BATCH): PortfolioSource {
  return {
    async returnSeries(portfolioIds, startDate, endDate, signal) {
      // The snapshot service answers at most 1,000 trading days per call: read in windows, oldest first.
      const parts = new Map<string, { dates: string[]; returns: number[] }>(portfolioIds.map((id) => [id, { dates: [], returns: [] }]));
      for (let i = 0; i < portfolioIds.length; i += batch) {
        const ids = portfolioIds.slice(i, i + batch);
        for (const [s, e] of tradingWindows(startDate, endDate, MARKS_MAX_DATES)) {
          const res = await snapshotCall(`return series of ${ids.length} portfolio(s)`, () =>
            client.getReturnSeries({ portfolioIds: ids, startDate: s, endDate: e }, { signal }),
          );
          for (const r of res.series) {
            const part = parts.get(r.portfolioId.toLowerCase());
            if (!part) continue;
            part.dates.push(...r.dates);
            part.returns.push(...r.dailyReturns);
          }
        }
      }
      const out = new Map<string, PortfolioReturns>();
      for (const [id, p] of parts) out.set(id, { dates: p.dates, dailyReturn: Float64Array.from(p.returns) });
      return out;
    },
    async positionMarks(portfolioIds, startDate, endDate, signal) {
      const out: DatedMarks[] = [];
      for (let i = 0; i < portfolioIds.length; i += batch) {
        const ids = portfolioIds.slice(i, i + batch);
        const res = await snapshotCall(`position values of ${ids.length} portfolio(s)`, () =>
          client.getPositionValueRange({ portfolioIds: ids, startDate, endDate, packed: true }, { signal }),
        );
        for (const d of res.days) {
          const m = dayMarkColumns(d);
          out.push({
            portfolioId: d.portfolioId.toLowerCase(),
            date: d.date,
            nav: d.nav,
            positions: m.symbols.map((symbol, i) => ({
              symbol,
              marketValue: m.marketValues[i]!,
              isPublic: m.investmentClasses[i] === InvestmentClass.PUBLIC,
            })),
          });
        }
      }
      return out;
    },
  };
}

/** Proto counters of an outcome (only the reasons that occurred). */
function countersPb(o: VolCorrOutcome): MessageInitShape<typeof PhaseCountersSchema> {
  return {
    inputs: BigInt(o.inputs),
    outputs: BigInt(o.outputs),
    skipped: Object.entries(o.skipped)
      .filter(([, n]) => (n ?? 0) > 0)
      .map(([reason, n]) => ({ reason: SkipReason[reason as keyof typeof SkipReason], count: BigInt(n ?? 0) })),
  };
}

function problemsPb(o: VolCorrOutcome): MessageInitShape<typeof SymbolProblemSchema>[] {
  return o.problems.map((p) => ({ symbol: p.symbol, reason: SkipReason[p.reason], message: p.message, date: p.date }));
}

/** The ComputeVolatility and ComputeCorrelations implementations (admin only, like every compute RPC). */
export function volCorrHandlers(deps: VolCorrDeps): {
  computeVolatility(req: ComputeVolatilityRequest, ctx: HandlerContext): Promise<MessageInitShape<typeof ComputeVolatilityResponseSchema>>;
  computeCorrelations(
    req: ComputeCorrelationsRequest,
    ctx: HandlerContext,
  ): Promise<MessageInitShape<typeof ComputeCorrelationsResponseSchema>>;
} {
  /** One call's ports: the run's marks reads, closes (through the phase's cache) and claims. */
  const portsFor = (runId: string, prices: RunPriceCache | undefined) => ({
    portfolios: snapshotPortfolioSource(deps.marksCache ? deps.marksCache.client(deps.snapshot, runId) : deps.snapshot),
    prices: prices?.forRun(runId) ?? deps.prices,
    store: deps.store,
    shared: deps.claims?.forRun(runId),
  });
  return {
    async computeVolatility(req, ctx) {
      requireAdmin(ctx);
      const cells = validateCells(req.cells, req.runId);
      const o = await computeVolatility(portsFor(req.runId, deps.priceCaches?.volatility), cells, ctx.signal);
      deps.logger.info(
        { runId: req.runId, cells: o.inputs, portfolioRows: o.portfolioOutputs, symbolRows: o.symbolOutputs, skipped: o.skipped },
        "volatility computed",
      );
      if (o.cellsWithoutMarks > 0) {
        deps.logger.warn(
          { runId: req.runId, cells: o.cellsWithoutMarks },
          "snapshot dates without position marks: their positions' volatility is missing (GetPositionValueRange returned no day)",
        );
      }
      return { counters: countersPb(o), problems: problemsPb(o) };
    },
    async computeCorrelations(req, ctx) {
      requireAdmin(ctx);
      const cells = validateCells(req.cells, req.runId);
      const o = await computeCorrelations(portsFor(req.runId, deps.priceCaches?.correlations), cells, ctx.signal);
      deps.logger.info(
        { runId: req.runId, cells: o.inputs, correlationRows: o.correlationOutputs, ewmaRows: o.ewmaOutputs, skipped: o.skipped },
        "correlations computed",
      );
      return { counters: countersPb(o), problems: problemsPb(o) };
    },
  };
}

/** Proto VolatilityStats of a stored row (NaN → unset optional; trend code as stored). */
export function volatilityStatsPb(r: VolRow): VolatilityStats {
  const opt = (v: number) => (Number.isNaN(v) ? undefined : v);
  return create(VolatilityStatsSchema, {
    realizedVol21d: opt(r.rv21),
    realizedVol63d: opt(r.rv63),
    harH1: opt(r.harH1),
    harH21: opt(r.harH21),
    trend: r.trend as VolTrend,
    trendSlope: opt(r.trendSlope),
    trendR2: opt(r.trendR2),
    percentile: opt(r.percentile),
  });
}

/** What the risk report shows of phases 5 and 6 for a portfolio on a date. */
export interface VolCorrReportPart {
  /** Unset when no row is stored or nothing is computable (series too short). */
  portfolioVolatility?: VolatilityStats;
  /** One entry per PUBLIC symbol the portfolio held that day (position order); unset fields = not computable. */
  positionVolatility: SymbolVolatility[];
  /** Unset when phase 6 stored nothing for the date. */
  correlations?: PositionCorrelations;
  /** Unset when no factor EWMA exists for the date (fewer than 252 returns ending there). */
  factorCorrelations?: FactorCorrelations;
}

/**
 * Reads the stored volatility, correlations and factor EWMA of a portfolio on a date (four point reads
 * plus one read of the held symbols' rows).
 *
 * The symbols listed are those stored with the portfolio's volatility row; without one, those of the
 * correlation row (included, then excluded).
 */
export async function volCorrReportPart(store: VolCorrStore, portfolioId: string, date: string): Promise<VolCorrReportPart> {
  const id = portfolioId.toLowerCase();
  const [pv, corr, ewma] = await Promise.all([
    store.readPortfolioVolatility(id, date),
    store.readCorrelations(id, date),
    store.readFactorEwma(date),
  ]);
  const symbols = pv?.symbols ?? (corr ? [...corr.included, ...corr.excluded.map((x) => x.symbol)] : []);
  const symVol = await store.readSymbolVolatility(symbols, date);
  const out: VolCorrReportPart = {
    positionVolatility: symbols.map((symbol) => {
      const r = symVol.get(symbol);
      return create(SymbolVolatilitySchema, { symbol, stats: r ? volatilityStatsPb(r) : create(VolatilityStatsSchema, {}) });
    }),
  };
  if (pv && volRowComputable(pv.stats)) out.portfolioVolatility = volatilityStatsPb(pv.stats);
  if (corr) {
    const opt = (v: number) => (Number.isNaN(v) ? undefined : v);
    out.correlations = create(PositionCorrelationsSchema, {
      included: corr.included,
      excluded: corr.excluded.map((x) => ({
        symbol: x.symbol,
        reason: PbCorrelationExclusion[x.reason],
        nReturns: x.nReturns,
      })),
      matrix: Array.from(corr.matrix),
      psdRepaired: corr.psdRepaired,
      avgAbsCorr: opt(corr.avgAbsCorr),
      diversificationRatio: opt(corr.diversificationRatio),
      clusters: clustersFromLabels(corr.clusterOf).map((c) => ({ symbols: c.map((i) => corr.included[i]!) })),
      minEigenvalue: opt(corr.minEigenvalue),
    });
  }
  if (ewma) {
    out.factorCorrelations = create(FactorCorrelationsSchema, {
      etfs: [...FACTOR_ETFS],
      correlation: Array.from(ewma.corrClipped),
      covariance: Array.from(ewma.cov),
    });
  }
  return out;
}
