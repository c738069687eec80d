/**
 * Test doubles at the risk service's edge (never used by the service itself): in-memory marks, beta
 * panels, owners and a price source over the shared price file; and the reference vectors' inputs.
 */
import { tradingDays } from "@sigma/calendar";
import type { PriceSource } from "@sigma/prices";
import { RISK_FACTOR_COUNT, RISK_FACTOR_IDS } from "@sigma/quant";
import { loadPricePanel, loadVectors } from "@sigma/quant/testing";
import { normalizeSymbol } from "../domain/position-betas.js";
import type {
  BetaPanel,
  PortfolioDay,
  PortfolioDirectory,
  PositionMarksSource,
  RiskPositionClass,
  SymbolBetaSource,
} from "../domain/ports.js";

/** Marks held in memory; counts calls. */
export class FakeMarks implements PositionMarksSource {
  calls = 0;
  constructor(public days_: PortfolioDay[] = []) {}
  async days(ids: readonly string[], start: string, end: string): Promise<PortfolioDay[]> {
    this.calls++;
    return this.days_.filter((d) => ids.includes(d.portfolioId) && d.date >= start && d.date <= end);
  }
}

/** symbol → date → 12 betas (NaN = none); answers a dense panel over the range's trading days. */
export class FakeBetas implements SymbolBetaSource {
  calls = 0;
  readonly table = new Map<string, Map<string, Float64Array>>();
  set(symbol: string, date: string, betas: Float64Array): void {
    const s = normalizeSymbol(symbol);
    let m = this.table.get(s);
    if (!m) this.table.set(s, (m = new Map()));
    m.set(date, betas);
  }
  async panel(symbols: readonly string[], start: string, end: string): Promise<BetaPanel> {
    this.calls++;
    const dates = tradingDays(start, end);
    const k = RISK_FACTOR_COUNT;
    const betas = new Float64Array(symbols.length * dates.length * k).fill(Number.NaN);
    symbols.forEach((s, si) => {
      const m = this.table.get(s);
      if (!m) return;
      dates.forEach((d, di) => {
        const b = m.get(d);
        if (b) betas.set(b, (si * dates.length + di) * k);
      });
    });
    return { dates, symbols: [...symbols], betas };
  }
}

/** A fixed owner map. */
export function fakeDirectory(owners: Record<string, string>): PortfolioDirectory {
  return { owners: async (ids) => new Map(ids.filter((id) => id in owners).map((id) => [id, owners[id]!])) };
}

/** Closes of the shared real price file (SPY calendar), sliced to the requested range. */
export function filePriceSource(): PriceSource {
  const P = loadPricePanel();
  return {
    async closes(symbols, start, end) {
      const i0 = P.dates.findIndex((d) => d >= start);
      let i1 = P.dates.length;
      while (i1 > 0 && P.dates[i1 - 1]! > end) i1--;
      const lo = i0 < 0 ? P.dates.length : i0;
      const dates = P.dates.slice(lo, Math.max(lo, i1));
      return {
        dates,
        closes: new Map(
          symbols.map((s) => [s, (P.closes.get(s) ?? new Float64Array(P.dates.length).fill(Number.NaN)).slice(lo, lo + dates.length)]),
        ),
      };
    },
  };
}

type Num = number | null;
/** The parts of libs/quant/test/vectors/risk.json the service tests compare with. */
export interface RiskVectors {
  tolerance: { ratio_abs: number; ratio_rel: number; money_relative_to_nav: number };
  portfolios: Record<
    string,
    {
      dates: Record<
        string,
        {
          nav: number;
          positions: { symbol: string; cls: string; market_value: number; eligible: boolean; betas: Record<string, Num> }[];
          exposures: Record<
            string,
            {
              beta: number;
              dollar_exposure: number;
              covered: number;
              eligible: number;
              coverage_by_count: Num;
              coverage_by_value: Num;
              no_coverage: boolean;
            }
          >;
          data_quality_failure: boolean;
          stress?: Record<
            string,
            {
              active_by_default: boolean;
              shocks: Record<string, number>;
              direct: { contributions: Record<string, number>; total: number; pct_of_nav: number; loss_exceeds_nav: boolean };
              correlated: {
                contributions: Record<string, number>;
                total: number;
                pct_of_nav: number;
                loss_exceeds_nav: boolean;
                etf_moves: Record<string, number>;
                spread_moves: Record<string, number>;
                spread_contributions: Record<string, number>;
              };
            }
          >;
        }
      >;
    }
  >;
}

/** The reference vectors (cached by the loader's caller). */
export function riskVectors(): RiskVectors {
  return loadVectors<RiskVectors>("risk.json");
}

const CLASS: Record<string, RiskPositionClass> = { PUBLIC: "public", OPTIONS: "option", PRIVATE: "private" };

/**
 * Feeds a reference portfolio into the fakes under `portfolioId`: its marks on every vector date
 * (market values × `scale`, nav × `scale`) and its positions' reference betas.
 */
export function loadReferencePortfolio(
  v: RiskVectors,
  name: string,
  portfolioId: string,
  marks: FakeMarks,
  betas: FakeBetas,
  scale = 1,
): void {
  for (const [date, e] of Object.entries(v.portfolios[name]!.dates)) {
    marks.days_.push({
      portfolioId,
      date,
      nav: e.nav * scale,
      positions: e.positions.map((p, i) => ({
        positionId: `${name}-${i}`,
        symbol: p.symbol,
        marketValue: p.market_value * scale,
        positionClass: CLASS[p.cls] ?? "private",
      })),
    });
    for (const p of e.positions) {
      if (!p.eligible) continue;
      betas.set(
        p.symbol,
        date,
        Float64Array.from(RISK_FACTOR_IDS, (f) => p.betas[f] ?? Number.NaN),
      );
    }
  }
}
