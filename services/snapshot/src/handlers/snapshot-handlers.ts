/** SnapshotService: proto ↔ use-case translation, validation and authorization; no business logic. */
import type { RunPriceCache } from "@sigma/prices";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { countTradingDays, isIsoDate, isTradingDay, toDayNumber } from "@sigma/calendar";
import {
  DatedPositionValuesSchema,
  type PackedPositionValuesSchema,
  ImportErrorCode,
  ImportErrorSchema,
  InvestmentClass,
  OptionType,
  type PhaseCounters,
  PhaseCountersSchema,
  type Portfolio,
  PortfolioSchema,
  PositionSchema,
  type PositionValue,
  PositionValueSchema,
  PriceStatus,
  SkipCountSchema,
  SkipReason,
  type SnapshotService,
  SymbolProblemSchema,
} from "@sigma/contracts";
import {
  type FieldViolation,
  InvalidArgumentError,
  isAdmin,
  NotFoundError,
  PermissionDeniedError,
  type Principal,
  requireAdmin,
  requirePrincipal,
} from "@sigma/runtime";
import type { PortfolioRecord, SnapshotRepository, StoredPosition } from "../domain/portfolio.js";
import type { PositionClass, PositionMark, PriceStatus as DomainPriceStatus, SnapshotRow } from "../domain/snapshot-engine.js";
import { importPortfolio } from "../usecases/import-portfolio.js";
import {
  computePositionValues,
  computeSnapshotCells,
  type SnapshotDeps,
  type SnapshotOutcome,
  type SnapshotSkipReason,
  UnknownPortfolioError,
} from "../usecases/compute-snapshots.js";

/** What the snapshot handlers need. */
export interface SnapshotHandlerDeps extends SnapshotDeps {
  /** The pinned clock's today (YYYY-MM-DD): the import rejects later dates. */
  today(): string;
  /**
   * Run-scoped closes: a ComputeSnapshots call naming a run reads its prices through this cache, so
   * the run's later chunks read only their new dates (prices do not change during a run: phase 1 has
   * finished). Without it (or without a run id) every call reads market-data.
   */
  priceCache?: RunPriceCache;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Cells (portfolio × date) one ComputeSnapshots call may ask for: a chunk of a large run fits easily. */
export const MAX_CELLS_PER_CALL = 100_000;
/** Longest GetSnapshots range (calendar days): 30 years of history in one answer. */
export const MAX_SNAPSHOT_RANGE_DAYS = 366 * 30;

/** Portfolios one GetPositionValueRange call may name. */
export const MAX_RANGE_PORTFOLIOS = 1_000;
/** Trading dates one GetPositionValueRange range may hold (inclusive bounds, NYSE calendar). */
export const MAX_RANGE_TRADING_DAYS = 1_000;
/**
 * Joined rows (a position's mark, or a snapshot date without marks) one GetPositionValueRange answer
 * may hold: about 100 MB of protobuf. Larger asks are refused (never truncated silently).
 */
export const MAX_RANGE_VALUES = 1_000_000;
/** More calendar days than this always hold more than MAX_RANGE_TRADING_DAYS trading days (≈ 1,375). */
const MAX_RANGE_CALENDAR_PRECHECK = 2_000;

const SKIP: Record<SnapshotSkipReason, SkipReason> = {
  BEFORE_FIRST_ENTRY: SkipReason.NOT_ELIGIBLE,
  NO_PRICES: SkipReason.NO_PRICES,
};

const STATUS: Record<DomainPriceStatus, PriceStatus> = {
  live: PriceStatus.LIVE,
  stale: PriceStatus.STALE,
  unpriced: PriceStatus.UNPRICED,
  model_priced: PriceStatus.MODEL_PRICED,
  quoted: PriceStatus.QUOTED,
  private: PriceStatus.PRIVATE,
};

function portfolioIdOf(id: string, field = "portfolio_id"): string {
  if (!UUID.test(id))
    throw new InvalidArgumentError(`${field} is not a portfolio id (UUID): "${id.slice(0, 60)}"`, {
      violations: [{ field, description: "not a UUID" }],
    });
  return id.toLowerCase();
}

function dateOf(value: string, field: string, violations: FieldViolation[]): string {
  if (!isIsoDate(value)) violations.push({ field, description: `not a YYYY-MM-DD date: "${String(value).slice(0, 40)}"` });
  return value;
}

/**
 * The portfolio if the caller may see it: its owner or an admin. Anyone else gets PERMISSION_DENIED
 * whether or not it exists (no existence leak); an admin gets NOT_FOUND for an unknown id.
 */
async function visiblePortfolio(store: SnapshotRepository, principal: Principal, id: string): Promise<PortfolioRecord> {
  const [p] = await store.listPortfolios({ ids: [id], includeInactive: true });
  if (isAdmin(principal)) {
    if (!p) throw new NotFoundError(`portfolio ${id} not found`);
    return p;
  }
  if (!p || p.owner !== principal.sub) throw new PermissionDeniedError(`portfolio ${id} is not yours`);
  return p;
}

/**
 * The portfolios if the caller may read all of them: admins (service tokens included) read every
 * portfolio and get NOT_FOUND naming unknown ids; anyone else gets PERMISSION_DENIED when one of them
 * is missing or not theirs, the same answer for both (no existence leak), as {@link visiblePortfolio}.
 */
async function visiblePortfolios(store: SnapshotRepository, principal: Principal, ids: readonly string[]): Promise<void> {
  const found = new Map((await store.listPortfolios({ ids, includeInactive: true })).map((p) => [p.id, p]));
  if (isAdmin(principal)) {
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length)
      throw new NotFoundError(
        `portfolio${missing.length > 1 ? "s" : ""} not found: ${missing.slice(0, 20).join(", ")}${missing.length > 20 ? ", …" : ""}`,
      );
    return;
  }
  const denied = ids.find((id) => found.get(id)?.owner !== principal.sub);
  if (denied !== undefined) throw new PermissionDeniedError(`portfolio ${denied} is not yours`);
}

function counters(o: SnapshotOutcome): PhaseCounters {
  return create(PhaseCountersSchema, {
    inputs: BigInt(o.inputs),
    outputs: BigInt(o.outputs),
    skipped: (Object.entries(o.skipped) as [SnapshotSkipReason, number][])
      .filter(([, n]) => n > 0)
      .map(([r, n]) => create(SkipCountSchema, { reason: SKIP[r], count: BigInt(n) })),
  });
}

const CLASS: Record<PositionClass, InvestmentClass> = {
  public: InvestmentClass.PUBLIC,
  options: InvestmentClass.OPTIONS,
  private: InvestmentClass.PRIVATE,
};

function positionPb(p: StoredPosition) {
  return create(PositionSchema, {
    id: p.id,
    symbol: p.symbol,
    quantity: p.quantity,
    entryPrice: p.entryPrice,
    entryDate: p.entryDate,
    investmentClass: CLASS[p.positionClass] ?? InvestmentClass.PUBLIC,
    investmentSubtype: p.investmentSubtype,
    underlyingSymbol: p.underlying ?? "",
    strikePrice: p.strike,
    expirationDate: p.expirationDate ?? "",
    optionType: p.optionType === "put" ? OptionType.PUT : p.optionType === "call" ? OptionType.CALL : OptionType.UNSPECIFIED,
    exitDate: p.exitDate ?? "",
    exitPrice: p.exitPrice,
  });
}

function portfolioPb(p: PortfolioRecord, positions?: readonly StoredPosition[]): Portfolio {
  return create(PortfolioSchema, {
    id: p.id,
    name: p.name,
    owner: p.owner,
    active: p.active,
    startingEquity: p.startingEquity,
    firstEntryDate: p.firstEntryDate,
    watermarkDate: p.watermarkDate,
    positions: positions?.map(positionPb) ?? [],
  });
}

function snapshotPb(portfolioId: string, r: SnapshotRow) {
  return {
    $typeName: "sigma.snapshot.v1.Snapshot" as const,
    portfolioId,
    date: r.date,
    nav: r.nav,
    cash: r.cash,
    longValue: r.longValue,
    shortValue: r.shortValue,
    grossExposure: r.grossExposure,
    netExposure: r.netExposure,
    dailyPnl: r.dailyPnl,
    dailyReturn: r.dailyReturn,
    cumulativePnl: r.cumulativePnl,
    numPositions: r.numPositions,
    numLong: r.numLong,
    numShort: r.numShort,
    numStale: r.numStale,
    numModelPriced: r.numModelPriced,
    numUnpriced: r.numUnpriced,
    optionsDeltaDollars: r.optionsDeltaDollars,
    hhi: r.hhi,
    effectiveNumPositions: r.effectiveNumPositions,
    top3Concentration: r.top3Concentration,
    top10Concentration: r.top10Concentration,
    numPrivate: r.numPrivate,
    numQuoted: r.numQuoted,
  };
}

function positionValuePb(m: PositionMark): PositionValue {
  return create(PositionValueSchema, {
    positionId: m.positionId,
    symbol: m.symbol,
    lastPrice: m.lastPrice,
    marketValue: m.marketValue,
    unrealizedPnl: m.unrealizedPnl,
    weight: m.weight,
    quantity: m.quantity,
    priceStatus: STATUS[m.priceStatus],
    // UNSPECIFIED only for a stored row without a known class (never written by this version).
    investmentClass: CLASS[m.positionClass] ?? InvestmentClass.UNSPECIFIED,
  });
}

/** One day's marks as parallel arrays (GetPositionValueRange with `packed`), in the same order. */
function packedPb(marks: readonly PositionMark[]): MessageInitShape<typeof PackedPositionValuesSchema> {
  return {
    positionIds: marks.map((m) => m.positionId),
    symbols: marks.map((m) => m.symbol),
    lastPrices: marks.map((m) => m.lastPrice),
    marketValues: marks.map((m) => m.marketValue),
    unrealizedPnls: marks.map((m) => m.unrealizedPnl),
    weights: marks.map((m) => m.weight),
    quantities: marks.map((m) => m.quantity),
    priceStatuses: marks.map((m) => STATUS[m.priceStatus]),
    investmentClasses: marks.map((m) => CLASS[m.positionClass] ?? InvestmentClass.UNSPECIFIED),
  };
}

function problemsPb(o: SnapshotOutcome) {
  return o.problems.map((p) =>
    create(SymbolProblemSchema, {
      symbol: p.symbol,
      reason: SKIP[p.reason],
      message: `portfolio ${p.portfolioId}: ${p.message}`,
      date: p.date,
    }),
  );
}

function unknownToNotFound(err: unknown): never {
  if (err instanceof UnknownPortfolioError) throw new NotFoundError(err.message);
  throw err;
}

/**
 * Validates a multi-portfolio range request (GetPositionValueRange, GetReturnSeries): 1 to
 * {@link MAX_RANGE_PORTFOLIOS} portfolio ids (duplicates merged), both dates, start ≤ end, at most
 * {@link MAX_RANGE_TRADING_DAYS} trading days.
 *
 * @throws InvalidArgumentError listing every violation.
 */
function validateRange(
  req: { portfolioIds: readonly string[]; startDate: string; endDate: string },
  rpc: string,
): { ids: string[]; start: string; end: string } {
  const violations: FieldViolation[] = [];
  const n = req.portfolioIds.length;
  if (n === 0) violations.push({ field: "portfolio_ids", description: "name at least one portfolio" });
  if (n > MAX_RANGE_PORTFOLIOS)
    violations.push({ field: "portfolio_ids", description: `at most ${MAX_RANGE_PORTFOLIOS} portfolios per call, got ${n}` });
  const ids = n > MAX_RANGE_PORTFOLIOS ? [] : [...new Set(req.portfolioIds.map((id, i) => portfolioIdOf(id, `portfolio_ids[${i}]`)))];
  if (!req.startDate) violations.push({ field: "start_date", description: "required (YYYY-MM-DD)" });
  else dateOf(req.startDate, "start_date", violations);
  if (!req.endDate) violations.push({ field: "end_date", description: "required (YYYY-MM-DD)" });
  else dateOf(req.endDate, "end_date", violations);
  const { startDate: start, endDate: end } = req;
  if (isIsoDate(start) && isIsoDate(end)) {
    if (start > end) violations.push({ field: "start_date", description: `${start} is after end_date ${end}` });
    else if (toDayNumber(end) - toDayNumber(start) > MAX_RANGE_CALENDAR_PRECHECK || countTradingDays(start, end) > MAX_RANGE_TRADING_DAYS)
      violations.push({
        field: "end_date",
        description: `the range ${start}..${end} holds more than ${MAX_RANGE_TRADING_DAYS} trading days: split it`,
      });
  }
  if (violations.length) throw new InvalidArgumentError(`invalid ${rpc} request`, { violations });
  return { ids, start, end };
}

/** The SnapshotService implementation over the use cases. */
export function snapshotHandlers(deps: SnapshotHandlerDeps): Partial<ServiceImpl<typeof SnapshotService>> {
  const { store } = deps;
  return {
    async importPortfolio(req, ctx: HandlerContext) {
      const principal = requirePrincipal(ctx);
      const violations: FieldViolation[] = [];
      const name = req.name.trim();
      if (!name) violations.push({ field: "name", description: "a portfolio needs a name" });
      if (name.length > 200) violations.push({ field: "name", description: `at most 200 characters (got ${name.length})` });
      if (req.startingEquity !== undefined && !(Number.isFinite(req.startingEquity) && req.startingEquity > 0)) {
        violations.push({ field: "starting_equity", description: `must be a positive number (got ${req.startingEquity})` });
      }
      if (req.asOfDate) dateOf(req.asOfDate, "as_of_date", violations);
      // Only an admin (the coordinator's service account) may import on someone else's behalf.
      if (req.owner && req.owner !== principal.sub && !isAdmin(principal)) {
        violations.push({ field: "owner", description: "only an admin may import for another owner" });
      }
      if (violations.length) throw new InvalidArgumentError("invalid ImportPortfolio request", { violations });
      const outcome = await importPortfolio(store, {
        csv: req.csv,
        name,
        owner: req.owner || principal.sub,
        startingEquity: req.startingEquity,
        today: req.asOfDate || deps.today(),
      });
      if (!outcome.ok) {
        return {
          portfolioId: "",
          positions: 0,
          firstEntryDate: "",
          errors: outcome.errors.map((e) =>
            create(ImportErrorSchema, { row: e.row, column: e.column, code: e.code as ImportErrorCode, message: e.message }),
          ),
        };
      }
      return {
        portfolioId: outcome.portfolio.id,
        positions: outcome.positions.length,
        firstEntryDate: outcome.portfolio.firstEntryDate,
        errors: [],
      };
    },

    async getPortfolio(req, ctx) {
      const id = portfolioIdOf(req.portfolioId);
      const p = await visiblePortfolio(store, requirePrincipal(ctx), id);
      const positions = (await store.positionsOf([id])).get(id) ?? [];
      return { portfolio: portfolioPb(p, positions) };
    },

    async listPortfolios(req, ctx) {
      const principal = requirePrincipal(ctx);
      const ids = req.portfolioIds.map((id, i) => portfolioIdOf(id, `portfolio_ids[${i}]`));
      // A non-admin only ever sees their own portfolios, whatever the filter says.
      const owner = isAdmin(principal) ? req.owner || undefined : principal.sub;
      const list = await store.listPortfolios({ ids: ids.length ? ids : undefined, owner, includeInactive: req.includeInactive });
      const positions = req.includePositions ? await store.positionsOf(list.map((p) => p.id)) : undefined;
      return { portfolios: list.map((p) => portfolioPb(p, positions?.get(p.id))) };
    },

    async computeSnapshots(req, ctx) {
      requireAdmin(ctx);
      const violations: FieldViolation[] = [];
      let cellCount = 0;
      const cells = req.cells.map((c, i) => {
        cellCount += c.dates.length;
        return {
          portfolioId: portfolioIdOf(c.portfolioId, `cells[${i}].portfolio_id`),
          dates: c.dates.map((d, j) => {
            dateOf(d, `cells[${i}].dates[${j}]`, violations);
            if (isIsoDate(d) && !isTradingDay(d))
              violations.push({ field: `cells[${i}].dates[${j}]`, description: `${d} is not a trading day` });
            return d;
          }),
        };
      });
      if (cellCount > MAX_CELLS_PER_CALL)
        violations.push({
          field: "cells",
          description: `at most ${MAX_CELLS_PER_CALL} (portfolio, date) cells per call, got ${cellCount}`,
        });
      if (violations.length) throw new InvalidArgumentError("invalid ComputeSnapshots request", { violations: violations.slice(0, 20) });
      const prices = deps.priceCache && req.runId ? deps.priceCache.forRun(req.runId) : deps.prices;
      const outcome = await computeSnapshotCells({ ...deps, prices }, cells, ctx.signal).catch(unknownToNotFound);
      return { counters: counters(outcome), problems: problemsPb(outcome) };
    },

    async computePositionValues(req, ctx) {
      requireAdmin(ctx);
      const violations: FieldViolation[] = [];
      const ids = req.portfolioIds.map((id, i) => portfolioIdOf(id, `portfolio_ids[${i}]`));
      dateOf(req.date, "date", violations);
      if (isIsoDate(req.date) && !isTradingDay(req.date))
        violations.push({ field: "date", description: `${req.date} is not a trading day` });
      if (violations.length) throw new InvalidArgumentError("invalid ComputePositionValues request", { violations });
      const outcome = await computePositionValues(deps, ids, req.date, ctx.signal).catch(unknownToNotFound);
      return { counters: counters(outcome) };
    },

    async getSnapshots(req, ctx) {
      const id = portfolioIdOf(req.portfolioId);
      const violations: FieldViolation[] = [];
      const start = req.startDate ? dateOf(req.startDate, "start_date", violations) : "0001-01-01";
      const end = req.endDate ? dateOf(req.endDate, "end_date", violations) : "9999-12-31";
      if (violations.length === 0 && start > end) violations.push({ field: "start_date", description: `after end_date ${end}` });
      if (violations.length) throw new InvalidArgumentError("invalid GetSnapshots request", { violations });
      await visiblePortfolio(store, requirePrincipal(ctx), id);
      // One portfolio has one row per trading date: even the open range is bounded by its history.
      const rows = await store.readSnapshots(id, start, end);
      return { snapshots: rows.map((r) => snapshotPb(id, r)) };
    },

    async getPositionValues(req, ctx) {
      const id = portfolioIdOf(req.portfolioId);
      const violations: FieldViolation[] = [];
      if (req.date) dateOf(req.date, "date", violations);
      if (violations.length) throw new InvalidArgumentError("invalid GetPositionValues request", { violations });
      await visiblePortfolio(store, requirePrincipal(ctx), id);
      const date = await store.latestPositionValueDate(id, req.date || "9999-12-31");
      if (!date) return { date: "", values: [] };
      return { date, values: (await store.readPositionValues(id, date)).map(positionValuePb) };
    },

    async getReturnSeries(req, ctx) {
      const principal = requirePrincipal(ctx);
      const { ids, start, end } = validateRange(req, "GetReturnSeries");
      await visiblePortfolios(store, principal, ids);
      const series = await store.readReturnSeries(ids, start, end);
      // The snapshot's daily return of a portfolio's first date is 0 by definition (stored as such).
      return {
        series: ids.map((id) => ({
          portfolioId: id,
          dates: series.get(id)?.dates ?? [],
          dailyReturns: series.get(id)?.dailyReturns ?? [],
        })),
      };
    },

    async getPositionValueRange(req, ctx) {
      const principal = requirePrincipal(ctx);
      const { ids, start, end } = validateRange(req, "GetPositionValueRange");
      await visiblePortfolios(store, principal, ids);
      const { days, complete } = await store.readPositionValueRange(ids, start, end, MAX_RANGE_VALUES);
      if (!complete)
        throw new InvalidArgumentError(
          `the answer would hold more than ${MAX_RANGE_VALUES} position values: ask for fewer portfolios or a shorter range`,
          { violations: [{ field: "portfolio_ids", description: `more than ${MAX_RANGE_VALUES} position values in ${start}..${end}` }] },
        );
      return {
        days: days.map((d) =>
          create(
            DatedPositionValuesSchema,
            req.packed
              ? { portfolioId: d.portfolioId, date: d.date, nav: d.nav, packed: packedPb(d.marks) }
              : { portfolioId: d.portfolioId, date: d.date, nav: d.nav, values: d.marks.map(positionValuePb) },
          ),
        ),
      };
    },

    async deletePortfolio(req, ctx) {
      const id = portfolioIdOf(req.portfolioId);
      await visiblePortfolio(store, requirePrincipal(ctx), id);
      const counts = await store.deletePortfolio(id);
      if (!counts) throw new NotFoundError(`portfolio ${id} not found`);
      return {
        positionsDeleted: BigInt(counts.positions),
        snapshotsDeleted: BigInt(counts.snapshots),
        positionValuesDeleted: BigInt(counts.positionValues),
      };
    },
  };
}

/** The stable import codes, re-exported for tests. */
export { ImportErrorCode };
