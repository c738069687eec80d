/**
 * Phase 2 (portfolio snapshots) and phase 2.5 (position values) as pure computation over a price
 * panel: SPEC §3 "Portfolio snapshots" / "Position values" and every snapshot rule of §3.1.
 *
 * The engine walks the portfolio's trading dates from its first snapshot date, so a value on a
 * date depends only on the positions and the prices up to that date, never on how a run was cut
 * into chunks: recomputing any range gives bit-identical numbers.
 */
import { addCalendarDays, toDayNumber } from "@sigma/calendar";
import { blackScholes, intrinsicValue, type OptionRight, realizedVolAt, simpleReturns } from "@sigma/quant";

/** How a position is priced (SPEC §3). */
export type PositionClass = "public" | "options" | "private";

/** How a position's price on a date was obtained. */
export type PriceStatus = "live" | "stale" | "unpriced" | "model_priced" | "quoted" | "private";

/** Contract multiplier of listed options (SPEC §3). */
export const OPTION_MULTIPLIER = 100;

/** Window of the realized volatility that prices options (SPEC §3.1: 63 returns). */
export const OPTION_VOL_WINDOW = 63;

/** One position as the engine needs it (validated by the import). */
export interface EnginePosition {
  id: string;
  /** Provider symbol (upper case; for options the OCC symbol, which may carry a quote). */
  symbol: string;
  /** Signed quantity (negative = short); contracts for options. */
  quantity: number;
  /** Entry price per share (per unit of underlying for options). */
  entryPrice: number;
  entryDate: string;
  positionClass: PositionClass;
  /** Options: the underlying's provider symbol, strike, expiration date and right. */
  underlying?: string;
  strike?: number;
  expirationDate?: string;
  optionType?: OptionRight;
  /** Exit date ("" or undefined = still held) and exit price (undefined = that day's mark). */
  exitDate?: string;
  exitPrice?: number;
}

/** Closes aligned to a trading calendar: `closes.get(symbol)[i]` is the close on `dates[i]`, NaN when missing. */
export interface PricePanel {
  /** Ascending trading dates; must start early enough for history lookups (stale prices, RV63). */
  dates: readonly string[];
  closes: ReadonlyMap<string, Float64Array>;
}

/** One snapshot row (SPEC §3 phase 2 fields). Money in dollars, ratios as decimals; NaN = not computable. */
export interface SnapshotRow {
  date: string;
  nav: number;
  cash: number;
  longValue: number;
  shortValue: number;
  grossExposure: number;
  netExposure: number;
  dailyPnl: number;
  dailyReturn: number;
  cumulativePnl: number;
  numPositions: number;
  numLong: number;
  numShort: number;
  numStale: number;
  numModelPriced: number;
  numUnpriced: number;
  numPrivate: number;
  numQuoted: number;
  optionsDeltaDollars: number;
  /** Σ w² × 10 000 with w = |MV of a symbol| / Σ |MV of each symbol|. */
  hhi: number;
  effectiveNumPositions: number;
  top3Concentration: number;
  top10Concentration: number;
}

/** A position's mark on a date (phase 2.5 and the risk phases' weights). */
export interface PositionMark {
  positionId: string;
  symbol: string;
  /** The position's class (the risk phases use PUBLIC non-option positions only). */
  positionClass: PositionClass;
  quantity: number;
  lastPrice: number;
  priceStatus: PriceStatus;
  marketValue: number;
  unrealizedPnl: number;
  /** market value / nav (signed). */
  weight: number;
}

/** What to compute. */
export interface SnapshotRequest {
  positions: readonly EnginePosition[];
  /** Starting equity; undefined = net entry value of the positions active on the first date. */
  startingEquity?: number;
  prices: PricePanel;
  /** Last date to compute (a trading date of the panel). */
  endDate: string;
  /**
   * First date to return rows and marks for (default: the first snapshot date). The walk still
   * starts at the first entry, so every returned value is identical to a full run's; earlier dates
   * only carry the NAV forward (a chunked backfill asks for its chunk, not for the whole history).
   */
  fromDate?: string;
}

/** Snapshots from the first snapshot date (or `fromDate`) to `endDate`, plus the marks on every one of those dates. */
export interface SnapshotResult {
  /** The first trading date on or after the earliest entry date ("" when it is after endDate). */
  firstDate: string;
  snapshots: SnapshotRow[];
  /** marks[k] are the active positions' marks on snapshots[k].date. */
  marks: PositionMark[][];
}

/** Thrown when the panel cannot answer the request (a programming or wiring error, not bad data). */
export class PanelRangeError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = "PanelRangeError";
  }
}

interface Mark {
  price: number;
  status: PriceStatus;
  /** Option delta per unit of underlying (0 when not model-computable). */
  delta: number;
  /** The underlying's price used for the delta (NaN when none). */
  spot: number;
}

/** Per-position facts resolved once against the panel. */
interface Prepared {
  pos: EnginePosition;
  multiplier: number;
  /** First panel index on or after the entry date. */
  entryIndex: number;
  /** Panel index of the exit booking date (exit or expiry, moved to the next trading date); Infinity when none. */
  exitIndex: number;
  /** Price booked on the exit date when known in advance (explicit exit price or expiry intrinsic); NaN = that day's mark. */
  fixedExitPrice: number;
  closes: Float64Array | undefined;
  /** lastClose[i] = index of the last finite close at or before i (−1 when none). */
  lastClose: Int32Array | undefined;
  underlyingCloses: Float64Array | undefined;
  underlyingReturns: Float64Array | undefined;
  expiryDay: number;
}

/**
 * Computes phase 2 snapshots (and the position marks behind them) for one portfolio from its first
 * snapshot date through `endDate`.
 *
 * Rules (SPEC §3, §3.1): active when entry ≤ t < exit (exits and expiries on non-trading dates are
 * booked on the next trading date); PUBLIC price = close on t, else the last earlier close (stale),
 * else the entry price (unpriced); PRIVATE at its entry price; OPTIONS = a close of the option symbol
 * dated t (quoted), else Black–Scholes from the underlying's close on t and its 63-return realized
 * vol (model_priced), else the entry price (unpriced); an option expires at intrinsic value with S =
 * the underlying's last close on or before expiry. Daily P&L = Σ qty × multiplier × (price − ref),
 * ref = the previous date's price if the position was active then, else the entry price; exits book
 * the exit price (or that day's mark). The first date has nav = starting equity and zero P&L.
 *
 * @throws PanelRangeError when endDate is not a date of the panel or a position's entry precedes the panel.
 */
export function computeSnapshots(req: SnapshotRequest): SnapshotResult {
  const { dates } = req.prices;
  const endIndex = dates.indexOf(req.endDate);
  if (endIndex < 0) throw new PanelRangeError(`end date ${req.endDate} is not a trading date of the price panel`);
  if (req.positions.length === 0) return { firstDate: "", snapshots: [], marks: [] };
  const earliestEntry = req.positions.map((p) => p.entryDate).sort()[0]!;
  const firstIndex = firstIndexOnOrAfter(dates, earliestEntry);
  if (firstIndex === 0 && dates[0]! > earliestEntry) {
    throw new PanelRangeError(`price panel starts ${dates[0]} after the earliest entry date ${earliestEntry}`);
  }
  if (firstIndex > endIndex) return { firstDate: firstIndex < dates.length ? dates[firstIndex]! : "", snapshots: [], marks: [] };

  const prepared = req.positions.map((p) => prepare(p, req.prices));
  const snapshots: SnapshotRow[] = [];
  const marks: PositionMark[][] = [];
  let nav = Number.NaN;
  let cumulative = 0;
  for (let i = firstIndex; i <= endIndex; i++) {
    const date = dates[i]!;
    const isFirst = i === firstIndex;
    let pnl = 0;
    const dayMarks: { prep: Prepared; mark: Mark }[] = [];
    for (const prep of prepared) {
      const active = isActive(prep, i);
      const exiting = i === prep.exitIndex && prep.entryIndex <= i;
      if (!active && !exiting) continue;
      const mark = markAt(prep, i, dates);
      if (!isFirst) {
        const ref = isActive(prep, i - 1) ? markAt(prep, i - 1, dates).price : prep.pos.entryPrice;
        const price = exiting ? (Number.isNaN(prep.fixedExitPrice) ? mark.price : prep.fixedExitPrice) : mark.price;
        pnl += prep.pos.quantity * prep.multiplier * (price - ref);
      }
      if (active) dayMarks.push({ prep, mark });
    }
    if (isFirst) {
      nav = req.startingEquity ?? dayMarks.reduce((s, { prep }) => s + prep.pos.quantity * prep.pos.entryPrice * prep.multiplier, 0);
      pnl = 0;
    }
    const previousNav = nav;
    if (!isFirst) {
      nav = previousNav + pnl;
      cumulative += pnl;
    }
    if (req.fromDate !== undefined && date < req.fromDate) continue;
    const row = summarize(date, nav, pnl, isFirst ? 0 : previousNav === 0 ? Number.NaN : pnl / previousNav, cumulative, dayMarks);
    snapshots.push(row);
    marks.push(
      dayMarks.map(({ prep, mark }) => {
        const marketValue = prep.pos.quantity * mark.price * prep.multiplier;
        return {
          positionId: prep.pos.id,
          symbol: prep.pos.symbol,
          positionClass: prep.pos.positionClass,
          quantity: prep.pos.quantity,
          lastPrice: mark.price,
          priceStatus: mark.status,
          marketValue,
          unrealizedPnl: prep.pos.quantity * prep.multiplier * (mark.price - prep.pos.entryPrice),
          weight: nav === 0 ? Number.NaN : marketValue / nav,
        };
      }),
    );
  }
  return { firstDate: dates[firstIndex]!, snapshots, marks };
}

function summarize(
  date: string,
  nav: number,
  pnl: number,
  dailyReturn: number,
  cumulative: number,
  dayMarks: readonly { prep: Prepared; mark: Mark }[],
): SnapshotRow {
  let longValue = 0;
  let shortValue = 0;
  let numLong = 0;
  let numShort = 0;
  const counts: Record<PriceStatus, number> = { live: 0, stale: 0, unpriced: 0, model_priced: 0, quoted: 0, private: 0 };
  let deltaDollars = 0;
  const bySymbol = new Map<string, number>();
  for (const { prep, mark } of dayMarks) {
    const q = prep.pos.quantity;
    const mv = q * mark.price * prep.multiplier;
    if (mv > 0) longValue += mv;
    else shortValue += mv;
    if (q > 0) numLong++;
    else if (q < 0) numShort++;
    counts[mark.status]++;
    if (prep.pos.positionClass === "options" && mark.delta !== 0 && Number.isFinite(mark.spot)) {
      deltaDollars += q * prep.multiplier * mark.delta * mark.spot;
    }
    bySymbol.set(prep.pos.symbol, (bySymbol.get(prep.pos.symbol) ?? 0) + mv);
  }
  const gross = longValue - shortValue;
  const net = longValue + shortValue;
  const symbolAbs = [...bySymbol.values()].map(Math.abs).sort((a, b) => b - a);
  const totalAbs = symbolAbs.reduce((s, v) => s + v, 0);
  let hhi = Number.NaN;
  if (totalAbs > 0) {
    hhi = 0;
    for (const v of symbolAbs) hhi += (v / totalAbs) ** 2;
    hhi *= 10_000;
  }
  const topN = (n: number) => (gross > 0 ? symbolAbs.slice(0, n).reduce((s, v) => s + v, 0) / gross : Number.NaN);
  return {
    date,
    nav,
    cash: nav - net,
    longValue,
    shortValue,
    grossExposure: gross,
    netExposure: net,
    dailyPnl: pnl,
    dailyReturn,
    cumulativePnl: cumulative,
    numPositions: dayMarks.length,
    numLong,
    numShort,
    numStale: counts.stale,
    numModelPriced: counts.model_priced,
    numUnpriced: counts.unpriced,
    numPrivate: counts.private,
    numQuoted: counts.quoted,
    optionsDeltaDollars: deltaDollars,
    hhi,
    effectiveNumPositions: hhi > 0 ? 10_000 / hhi : Number.NaN,
    top3Concentration: topN(3),
    top10Concentration: topN(10),
  };
}

function isActive(prep: Prepared, i: number): boolean {
  return i >= prep.entryIndex && i < prep.exitIndex;
}

function prepare(pos: EnginePosition, panel: PricePanel): Prepared {
  const { dates } = panel;
  const multiplier = pos.positionClass === "options" ? OPTION_MULTIPLIER : 1;
  let exitIndex = Number.POSITIVE_INFINITY;
  let fixedExitPrice = Number.NaN;
  if (pos.exitDate) {
    exitIndex = indexOnOrAfterOrInfinity(dates, pos.exitDate);
    if (pos.exitPrice !== undefined) fixedExitPrice = pos.exitPrice;
  }
  const closes = panel.closes.get(pos.symbol);
  let underlyingCloses: Float64Array | undefined;
  let underlyingReturns: Float64Array | undefined;
  let expiryDay = Number.NaN;
  if (pos.positionClass === "options" && pos.expirationDate) {
    underlyingCloses = pos.underlying ? panel.closes.get(pos.underlying) : undefined;
    underlyingReturns = underlyingCloses ? simpleReturns(underlyingCloses) : undefined;
    expiryDay = toDayNumber(pos.expirationDate);
    const expiryIndex = indexOnOrAfterOrInfinity(dates, pos.expirationDate);
    // An expiry before an explicit exit is the exit (at intrinsic value).
    if (expiryIndex < exitIndex || (expiryIndex === exitIndex && pos.exitPrice === undefined)) {
      exitIndex = expiryIndex;
      fixedExitPrice = intrinsicAtExpiry(pos, underlyingCloses, dates);
      // No underlying close on or before expiry: the option expires at its entry value (unpriced).
      if (Number.isNaN(fixedExitPrice)) fixedExitPrice = pos.entryPrice;
    }
  }
  return {
    pos,
    multiplier,
    entryIndex: firstIndexOnOrAfter(dates, pos.entryDate),
    exitIndex,
    fixedExitPrice,
    closes,
    lastClose: closes ? lastFiniteIndex(closes) : undefined,
    underlyingCloses,
    underlyingReturns,
    expiryDay,
  };
}

function markAt(prep: Prepared, i: number, dates: readonly string[]): Mark {
  const { pos } = prep;
  if (pos.positionClass === "private") return { price: pos.entryPrice, status: "private", delta: 0, spot: Number.NaN };
  if (pos.positionClass === "public") {
    const last = prep.lastClose?.[i] ?? -1;
    if (last === i) return { price: prep.closes![i]!, status: "live", delta: 0, spot: Number.NaN };
    if (last >= 0) return { price: prep.closes![last]!, status: "stale", delta: 0, spot: Number.NaN };
    return { price: pos.entryPrice, status: "unpriced", delta: 0, spot: Number.NaN };
  }
  // Options: a quote dated t wins; else Black–Scholes from the underlying; else entry value.
  const spot = prep.underlyingCloses?.[i] ?? Number.NaN;
  const vol = prep.underlyingReturns ? realizedVolAt(prep.underlyingReturns, i, OPTION_VOL_WINDOW) : Number.NaN;
  const right = pos.optionType ?? "call";
  const years = (prep.expiryDay - toDayNumber(dates[i]!)) / 365;
  const model = Number.isFinite(spot) && Number.isFinite(vol) ? blackScholes(right, spot, pos.strike ?? Number.NaN, years, vol) : undefined;
  const delta = model && Number.isFinite(model.delta) ? model.delta : 0;
  const quote = prep.closes?.[i];
  if (quote !== undefined && Number.isFinite(quote) && quote > 0) return { price: quote, status: "quoted", delta, spot };
  if (model && Number.isFinite(model.price)) return { price: model.price, status: "model_priced", delta, spot };
  return { price: pos.entryPrice, status: "unpriced", delta: 0, spot: Number.NaN };
}

/** Intrinsic value with S = the underlying's last close on or before the expiration date. */
function intrinsicAtExpiry(pos: EnginePosition, underlying: Float64Array | undefined, dates: readonly string[]): number {
  if (!underlying || !pos.expirationDate) return Number.NaN;
  let i = firstIndexOnOrAfter(dates, addCalendarDays(pos.expirationDate, 1)) - 1;
  for (; i >= 0; i--) {
    const c = underlying[i]!;
    if (Number.isFinite(c)) return intrinsicValue(pos.optionType ?? "call", c, pos.strike ?? Number.NaN);
  }
  return Number.NaN;
}

function lastFiniteIndex(closes: Float64Array): Int32Array {
  const out = new Int32Array(closes.length);
  let last = -1;
  for (let i = 0; i < closes.length; i++) {
    if (Number.isFinite(closes[i]!) && closes[i]! > 0) last = i;
    out[i] = last;
  }
  return out;
}

/** First index whose date is ≥ `date` (dates.length when none). */
function firstIndexOnOrAfter(dates: readonly string[], date: string): number {
  let lo = 0;
  let hi = dates.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (dates[mid]! < date) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function indexOnOrAfterOrInfinity(dates: readonly string[], date: string): number {
  const i = firstIndexOnOrAfter(dates, date);
  return i < dates.length ? i : Number.POSITIVE_INFINITY;
}
