/**
 * Synthetic provider: deterministic, factor-structured daily prices for any symbol on the NYSE
 * calendar, so demos, tests and benchmarks run without a data feed and regressions find sensible
 * betas.
 *
 * Model. Seven latent factor returns per trading date (market, value-minus-growth, size, momentum,
 * quality, low volatility, rates) are drawn from a generator seeded by the date alone, scaled by a
 * smooth volatility regime of the date. A symbol's simple daily return is
 *   r = drift + Σ_k loading_k · f_k + idioVol · regime · z,
 * with loadings, drift, idiosyncratic volatility, start price and volume level derived from the
 * FNV-1a hash of the symbol, and z drawn from a generator seeded by (symbol hash, date). The eight
 * factor ETFs have fixed loadings: each loads on the market plus mostly its own factor (SPY is the
 * market itself; TLT is the rates factor with a small negative market loading).
 *
 * Determinism. Every price series starts at {@link SYNTHETIC_EPOCH} and compounds returns, and every
 * draw depends only on (symbol, date), so the close on d is a function of (symbol, d): identical
 * across runs, machines and request ranges (an incremental fetch agrees with a full fetch). Closes
 * are computed per calendar year; each symbol caches its year-end levels, so reaching a late year
 * costs one pass over the earlier years once. Output prices are rounded to 4 decimals.
 *
 * Unavailability rule (for demos of the "symbol unavailable" path): a normalized symbol of exactly
 * five letters ending in "X" (the NASDAQ mutual-fund suffix, e.g. GGIPX, NEAIX, VFIAX) is
 * unavailable. No factor ETF matches the rule.
 */
import { assertDateRange, toDayNumber, tradingDays, yearOf } from "@sigma/calendar";
import { normalizeSymbol } from "../symbols.js";
import { fnv1a32, mix32, mulberry32, standardNormal } from "./prng.js";
import type { DailyBar, FetchResult, PriceProvider } from "./types.js";

/** First trading date of every synthetic series (its close is the symbol's start price). */
export const SYNTHETIC_EPOCH = "2000-01-03";
/** Synthetic series end with this year; later dates are rejected rather than looping for ever. */
export const SYNTHETIC_LAST_YEAR = 2199;

const EPOCH_YEAR = 2000;
const EPOCH_DAY = toDayNumber(SYNTHETIC_EPOCH);

/** Latent factors, in loading order. */
export const SYNTHETIC_FACTORS = ["market", "value", "size", "momentum", "quality", "low_volatility", "rates"] as const;
const K = SYNTHETIC_FACTORS.length;
/** Daily volatility of each latent factor at regime 1 (decimal returns). */
const FACTOR_VOL = [0.01, 0.004, 0.004, 0.005, 0.003, 0.003, 0.008];
/** Daily drift of each latent factor (decimal returns): roughly 7.5% a year for the market. */
const FACTOR_DRIFT = [0.0003, 0, 0, 0.0001, 0.00005, 0, 0.0001];

interface SymbolModel {
  readonly seed: number;
  readonly loadings: readonly number[];
  readonly drift: number;
  readonly idioVol: number;
  readonly startPrice: number;
  readonly baseVolume: number;
}

/** Loadings per factor ETF over SYNTHETIC_FACTORS; value is +VTV / −VUG so the two differ mostly on it. */
const ETF_MODELS: Readonly<Record<string, Omit<SymbolModel, "seed">>> = {
  SPY: { loadings: [1, 0, 0, 0, 0, 0, 0], drift: 0, idioVol: 0.001, startPrice: 145, baseVolume: 8e7 },
  VTV: { loadings: [0.95, 0.6, 0, 0, 0, 0, 0], drift: 0, idioVol: 0.002, startPrice: 50, baseVolume: 2e6 },
  VUG: { loadings: [1.05, -0.6, 0, 0, 0, 0, 0], drift: 0, idioVol: 0.002, startPrice: 55, baseVolume: 1e6 },
  MTUM: { loadings: [1, 0, 0, 1, 0, 0, 0], drift: 0, idioVol: 0.0025, startPrice: 40, baseVolume: 5e5 },
  QUAL: { loadings: [0.95, 0, 0, 0, 1, 0, 0], drift: 0, idioVol: 0.002, startPrice: 35, baseVolume: 6e5 },
  IWM: { loadings: [1.1, 0, 1, 0, 0, 0, 0], drift: 0, idioVol: 0.003, startPrice: 48, baseVolume: 2.5e7 },
  USMV: { loadings: [0.7, 0, 0, 0, 0, 1, 0], drift: 0, idioVol: 0.002, startPrice: 30, baseVolume: 2e6 },
  TLT: { loadings: [-0.15, 0, 0, 0, 0, 0, 1], drift: 0, idioVol: 0.002, startPrice: 80, baseVolume: 9e6 },
};

/** The symbols with fixed factor-ETF loadings (must equal the platform's factor ETF list, SPEC §3). */
export const SYNTHETIC_FACTOR_ETFS: readonly string[] = Object.keys(ETF_MODELS);

/**
 * Why the synthetic provider treats `symbol` as unavailable, or undefined when it is available.
 * Rule: exactly five letters A-Z ending in "X" (mutual-fund style tickers such as GGIPX).
 * @param symbol - a normalized symbol.
 */
export function syntheticUnavailableReason(symbol: string): string | undefined {
  return /^[A-Z]{4}X$/.test(symbol) ? "synthetic provider does not cover mutual funds (5-letter symbols ending in X)" : undefined;
}

/** Deterministic model parameters of a symbol: fixed for the factor ETFs, hash-derived otherwise. */
function modelOf(symbol: string): SymbolModel {
  const seed = fnv1a32(symbol);
  const etf = ETF_MODELS[symbol];
  if (etf) return { seed, ...etf };
  const u = mulberry32(seed ^ 0x5bd1e995);
  const between = (lo: number, hi: number) => lo + (hi - lo) * u();
  const loadings = [
    between(0.6, 1.5), // market beta
    between(-0.6, 0.6),
    between(-0.6, 0.6),
    between(-0.6, 0.6),
    between(-0.6, 0.6),
    between(-0.6, 0.6),
    between(-0.3, 0.3), // rates: most stocks have a small rate sensitivity
  ];
  return {
    seed,
    loadings,
    drift: between(-0.0001, 0.0002),
    idioVol: between(0.008, 0.022),
    startPrice: Math.round(between(10, 250) * 100) / 100,
    baseVolume: Math.round(between(2e5, 2e7)),
  };
}

/**
 * Volatility regime of a date (day number): a smooth positive multiplier around 1 so volatility
 * clusters (HAR forecasts and vol trends have something to find), yet depends on the date alone.
 */
function regime(dayNumber: number): number {
  const n = dayNumber - EPOCH_DAY;
  const g = 1 + 0.4 * Math.sin((2 * Math.PI * n) / 900) + 0.25 * Math.sin((2 * Math.PI * n) / 230 + 1.3);
  return Math.max(0.45, g);
}

/** One calendar year of trading dates and their latent factor returns (row-major, K per date). */
interface FactorYear {
  readonly dates: readonly string[];
  readonly dayNumbers: Int32Array;
  readonly regimes: Float64Array;
  readonly returns: Float64Array;
}

const factorYears = new Map<number, FactorYear>();

/** The factor returns of `year` (cached: they are shared by every symbol and never change). */
function factorYear(year: number): FactorYear {
  let fy = factorYears.get(year);
  if (fy) return fy;
  const first = year === EPOCH_YEAR ? SYNTHETIC_EPOCH : `${year}-01-01`;
  const dates = tradingDays(first, `${year}-12-31`);
  const dayNumbers = new Int32Array(dates.length);
  const regimes = new Float64Array(dates.length);
  const returns = new Float64Array(dates.length * K);
  for (let i = 0; i < dates.length; i++) {
    const day = toDayNumber(dates[i]!);
    dayNumbers[i] = day;
    const g = regime(day);
    regimes[i] = g;
    const u = mulberry32(mix32(0x51a7e11c, day));
    for (let k = 0; k < K; k++) returns[i * K + k] = FACTOR_DRIFT[k]! + FACTOR_VOL[k]! * g * standardNormal(u);
  }
  fy = { dates, dayNumbers, regimes, returns };
  factorYears.set(year, fy);
  return fy;
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

/**
 * Deterministic synthetic {@link PriceProvider}. Dates before {@link SYNTHETIC_EPOCH} have no bars
 * (an `ok` result with fewer or no bars, like a symbol before its listing).
 */
export class SyntheticPriceProvider implements PriceProvider {
  readonly kind = "synthetic" as const;
  /** symbol -> model and closing level at the end of each computed year (index year - EPOCH_YEAR). */
  private readonly symbols = new Map<string, { model: SymbolModel; yearEnd: number[] }>();

  /** @inheritDoc */
  describe(): string {
    return `synthetic factor-model prices from ${SYNTHETIC_EPOCH} (deterministic; 5-letter symbols ending in X are unavailable)`;
  }

  /**
   * Bars of `symbol` in [start, end].
   * @throws RangeError for malformed dates, start > end, years after {@link SYNTHETIC_LAST_YEAR},
   *   or an invalid symbol.
   */
  async fetchDaily(symbol: string, start: string, end: string, signal?: AbortSignal): Promise<FetchResult> {
    signal?.throwIfAborted();
    assertDateRange(start, end);
    const sym = normalizeSymbol(symbol);
    const reason = syntheticUnavailableReason(sym);
    if (reason) return { status: "unavailable", reason, requests: 0 };
    const endYear = yearOf(end);
    if (endYear > SYNTHETIC_LAST_YEAR) throw new RangeError(`synthetic prices end in ${SYNTHETIC_LAST_YEAR}, got end ${end}`);
    if (end < SYNTHETIC_EPOCH) return { status: "ok", bars: [], requests: 0 };
    const bars: DailyBar[] = [];
    const firstYear = Math.max(EPOCH_YEAR, yearOf(start));
    for (let year = firstYear; year <= endYear; year++) this.appendYear(sym, year, start, end, bars);
    return { status: "ok", bars, requests: 0 };
  }

  private state(symbol: string): { model: SymbolModel; yearEnd: number[] } {
    let s = this.symbols.get(symbol);
    if (!s) {
      s = { model: modelOf(symbol), yearEnd: [] };
      this.symbols.set(symbol, s);
    }
    return s;
  }

  /** Unrounded closes of `year` for a symbol; fills the year-end cache of earlier years first. */
  private closesOf(symbol: string, year: number): Float64Array {
    const s = this.state(symbol);
    // Year-end levels must exist for every earlier year: compute them in order (each once).
    while (s.yearEnd.length < year - EPOCH_YEAR) {
      const y = EPOCH_YEAR + s.yearEnd.length;
      const closes = this.compound(s.model, y, this.startLevel(s, y));
      s.yearEnd.push(closes[closes.length - 1]!);
    }
    return this.compound(s.model, year, this.startLevel(s, year));
  }

  /** Close before the first date of `year` (the epoch close itself for the epoch year). */
  private startLevel(s: { model: SymbolModel; yearEnd: number[] }, year: number): number {
    return year === EPOCH_YEAR ? s.model.startPrice : s.yearEnd[year - EPOCH_YEAR - 1]!;
  }

  private compound(model: SymbolModel, year: number, level: number): Float64Array {
    const fy = factorYear(year);
    const closes = new Float64Array(fy.dates.length);
    let close = level;
    for (let i = 0; i < fy.dates.length; i++) {
      // The epoch date has no return: its close is the start price.
      if (year !== EPOCH_YEAR || i > 0) {
        let r = model.drift;
        for (let k = 0; k < K; k++) r += model.loadings[k]! * fy.returns[i * K + k]!;
        const z = standardNormal(mulberry32(mix32(model.seed, fy.dayNumbers[i]!)));
        r += model.idioVol * fy.regimes[i]! * z;
        // A simple return below -90% would be a near-wipe-out; bound it so prices stay positive.
        close *= 1 + Math.max(r, -0.9);
      }
      closes[i] = close;
    }
    return closes;
  }

  private appendYear(symbol: string, year: number, start: string, end: string, out: DailyBar[]): void {
    const fy = factorYear(year);
    const closes = this.closesOf(symbol, year);
    const model = this.state(symbol).model;
    for (let i = 0; i < fy.dates.length; i++) {
      const date = fy.dates[i]!;
      if (date < start) continue;
      if (date > end) break;
      const close = closes[i]!;
      const prev = i > 0 ? closes[i - 1]! : year === EPOCH_YEAR ? close : this.startLevel(this.state(symbol), year);
      // A separate stream for the intraday shape, so OHLV never perturb the close series.
      const u = mulberry32(mix32(model.seed ^ 0xa5a5a5a5, fy.dayNumbers[i]!));
      const open = prev * (1 + 0.25 * model.idioVol * standardNormal(u));
      const high = Math.max(open, close) * (1 + 0.001 + 0.004 * Math.abs(standardNormal(u)));
      const low = Math.min(open, close) * (1 - 0.001 - 0.004 * Math.abs(standardNormal(u)));
      const move = Math.abs(close / prev - 1);
      const volume = Math.round(model.baseVolume * Math.exp(0.3 * standardNormal(u)) * (1 + 5 * move));
      out.push({ date, open: round4(open), high: round4(high), low: round4(low), close: round4(close), volume });
    }
  }
}
