import { addCalendarDays, countTradingDays } from "@sigma/calendar";
import {
  InvestmentClass,
  InvestmentClassSchema,
  OptionTypeSchema,
  type Portfolio,
  type Position,
  type PositionValue,
  PriceStatusSchema,
  type Snapshot,
} from "@sigma/contracts";
import { enumWord } from "./words.js";

/**
 * The `--json` shapes of the portfolio commands (snake_case keys, like `factors` / `metrics`):
 * money in dollars, ratios as decimals, and null for a value that is not computable (JSON has no NaN).
 */

/** A number, or null when it is NaN or infinite. */
export function finite(v: number | undefined): number | null {
  return v === undefined || !Number.isFinite(v) ? null : v;
}

/**
 * Trading days a portfolio's snapshots are behind `target`: those after its watermark up to and
 * including `target` (all of them from the first entry date when it has no snapshot yet); null
 * without a first entry date.
 */
export function lagTradingDays(p: Pick<Portfolio, "watermarkDate" | "firstEntryDate">, target: string): number | null {
  if (p.watermarkDate) return countTradingDays(addCalendarDays(p.watermarkDate, 1), target);
  return p.firstEntryDate ? countTradingDays(p.firstEntryDate, target) : null;
}

/** One entry of `portfolios list --json`. */
export interface PortfolioListJson {
  id: string;
  name: string;
  owner: string;
  first_entry_date: string;
  watermark_date: string | null;
  lag_trading_days: number | null;
  active: boolean;
}

/** A portfolio as `portfolios list --json` prints it, its lag measured against `target`. */
export function portfolioListJson(p: Portfolio, target: string): PortfolioListJson {
  return {
    id: p.id,
    name: p.name,
    owner: p.owner,
    first_entry_date: p.firstEntryDate,
    watermark_date: p.watermarkDate || null,
    lag_trading_days: lagTradingDays(p, target),
    active: p.active,
  };
}

/** A position as `portfolios show --json` prints it (option fields only for options, market_value only for private). */
export function positionJson(pos: Position): Record<string, string | number | null> {
  const json: Record<string, string | number | null> = {
    symbol: pos.symbol,
    quantity: pos.quantity,
    entry_price: pos.entryPrice,
    entry_date: pos.entryDate,
    investment_class: enumWord(InvestmentClassSchema, pos.investmentClass),
  };
  if (pos.investmentClass === InvestmentClass.OPTIONS) {
    json.underlying_symbol = pos.underlyingSymbol;
    json.option_type = enumWord(OptionTypeSchema, pos.optionType);
    json.strike_price = finite(pos.strikePrice);
    json.expiration_date = pos.expirationDate || null;
  }
  if (pos.investmentClass === InvestmentClass.PRIVATE) json.market_value = finite(pos.marketValue);
  json.exit_date = pos.exitDate || null;
  json.exit_price = finite(pos.exitPrice);
  return json;
}

/** `portfolios show --json`: the portfolio with its positions. */
export function portfolioJson(p: Portfolio, target: string) {
  return {
    ...portfolioListJson(p, target),
    starting_equity: finite(p.startingEquity),
    positions: p.positions.map(positionJson),
  };
}

/** The keys of one `snapshots --json` entry, in order, with their proto field names. */
const SNAPSHOT_FIELDS = [
  ["nav", "nav"],
  ["cash", "cash"],
  ["long_value", "longValue"],
  ["short_value", "shortValue"],
  ["gross_exposure", "grossExposure"],
  ["net_exposure", "netExposure"],
  ["daily_pnl", "dailyPnl"],
  ["daily_return", "dailyReturn"],
  ["cumulative_pnl", "cumulativePnl"],
  ["num_positions", "numPositions"],
  ["num_long", "numLong"],
  ["num_short", "numShort"],
  ["num_stale", "numStale"],
  ["num_model_priced", "numModelPriced"],
  ["num_unpriced", "numUnpriced"],
  ["num_private", "numPrivate"],
  ["num_quoted", "numQuoted"],
  ["options_delta_dollars", "optionsDeltaDollars"],
  ["hhi", "hhi"],
  ["effective_num_positions", "effectiveNumPositions"],
  ["top_3_concentration", "top3Concentration"],
  ["top_10_concentration", "top10Concentration"],
] as const satisfies readonly (readonly [string, keyof Snapshot])[];

/** One `snapshots --json` entry: `date` then every metric of the day (null when not computable). */
export function snapshotJson(s: Snapshot): Record<string, string | number | null> {
  const json: Record<string, string | number | null> = { date: s.date };
  for (const [key, field] of SNAPSHOT_FIELDS) json[key] = finite(s[field]);
  return json;
}

/** One `positions --json` entry. */
export function positionValueJson(v: PositionValue) {
  return {
    symbol: v.symbol,
    quantity: v.quantity,
    last_price: finite(v.lastPrice),
    price_status: enumWord(PriceStatusSchema, v.priceStatus),
    market_value: finite(v.marketValue),
    unrealized_pnl: finite(v.unrealizedPnl),
    weight: finite(v.weight),
  };
}
