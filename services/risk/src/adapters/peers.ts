/**
 * Adapters from the risk ports to the peer services' Protobuf APIs (snapshot: marks and owners; factor:
 * the columnar beta panel). Each port call is a few bulk RPCs, never one per portfolio-date.
 */
import type { Client } from "@connectrpc/connect";
import { tradingDays } from "@sigma/calendar";
import { type DatedPositionValues, type FactorService, FACTORS, InvestmentClass, type SnapshotService } from "@sigma/contracts";
import { RISK_FACTOR_COUNT, RISK_FACTOR_IDS } from "@sigma/quant";
import type { BetaPanel, PortfolioDirectory, PositionMarksSource, RiskPositionClass, SymbolBetaSource } from "../domain/ports.js";

/** Limits of one GetPositionValueRange call (snapshot.proto): portfolios and trading dates. */
export const MARKS_MAX_PORTFOLIOS = 1000;
export const MARKS_MAX_DATES = 1000;
/** Symbols per GetFactorPanel call: 500 × 1,000 dates × 12 factors = 6 M cells, under the factor service's 20 M panel limit. */
export const PANEL_BATCH_SYMBOLS = 500;

const CLASS: Record<number, RiskPositionClass> = {
  [InvestmentClass.PUBLIC]: "public",
  [InvestmentClass.OPTIONS]: "option",
  [InvestmentClass.PRIVATE]: "private",
};

/** A peer answered something the risk service cannot use (a contract mismatch, not a transient error). */
export class PeerAnswerError extends Error {
  override readonly name = "PeerAnswerError";
}

/** Symbols the factor service accepts (its validation); others cannot have betas and are answered uncovered. */
const FACTOR_SYMBOL = /^[A-Za-z0-9._-]{1,20}$/;

/** Splits [start, end] into windows of at most `max` trading dates. */
export function tradingWindows(start: string, end: string, max: number): [string, string][] {
  const days = tradingDays(start, end);
  const out: [string, string][] = [];
  for (let i = 0; i < days.length; i += max) out.push([days[i]!, days[Math.min(i + max, days.length) - 1]!]);
  return out;
}

/** {@link PositionMarksSource} over the snapshot service's GetPositionValueRange. */
export function snapshotMarksSource(client: Client<typeof SnapshotService>): PositionMarksSource {
  return {
    async days(portfolioIds, startDate, endDate, signal) {
      const out = [];
      for (let p = 0; p < portfolioIds.length; p += MARKS_MAX_PORTFOLIOS) {
        const ids = portfolioIds.slice(p, p + MARKS_MAX_PORTFOLIOS);
        for (const [s, e] of tradingWindows(startDate, endDate, MARKS_MAX_DATES)) {
          const res = await client.getPositionValueRange({ portfolioIds: ids, startDate: s, endDate: e, packed: true }, { signal });
          for (const d of res.days) {
            const m = dayMarkColumns(d);
            out.push({
              portfolioId: d.portfolioId,
              date: d.date,
              nav: d.nav,
              positions: m.positionIds.map((positionId, i) => {
                const positionClass = CLASS[m.investmentClasses[i]!];
                // Eligibility depends on the class: never guess it (an older snapshot service leaves it unset).
                if (!positionClass)
                  throw new PeerAnswerError(
                    `snapshot service answered position ${positionId} of portfolio ${d.portfolioId} on ${d.date} without an investment class`,
                  );
                return { positionId, symbol: m.symbols[i]!, marketValue: m.marketValues[i]!, positionClass };
              }),
            });
          }
        }
      }
      return out;
    },
  };
}

/** The columns of one day's marks the risk phases use, in the answer's position order. */
export interface DayMarkColumns {
  positionIds: readonly string[];
  symbols: readonly string[];
  marketValues: readonly number[];
  investmentClasses: readonly InvestmentClass[];
}

/**
 * One day of a GetPositionValueRange answer as columns: its packed arrays (asked with `packed`), or
 * its per-position messages from a snapshot service that predates `packed` (rolling upgrades).
 *
 * @throws PeerAnswerError when the packed arrays' lengths differ.
 */
export function dayMarkColumns(d: DatedPositionValues): DayMarkColumns {
  const p = d.packed;
  if (!p) {
    return {
      positionIds: d.values.map((v) => v.positionId),
      symbols: d.values.map((v) => v.symbol),
      marketValues: d.values.map((v) => v.marketValue),
      investmentClasses: d.values.map((v) => v.investmentClass),
    };
  }
  const n = p.positionIds.length;
  if (p.symbols.length !== n || p.marketValues.length !== n || p.investmentClasses.length !== n)
    throw new PeerAnswerError(
      `snapshot service answered portfolio ${d.portfolioId} on ${d.date} with packed marks of unequal lengths ` +
        `(${n} ids, ${p.symbols.length} symbols, ${p.marketValues.length} market values, ${p.investmentClasses.length} classes)`,
    );
  return p;
}

/** {@link SymbolBetaSource} over the factor service's columnar GetFactorPanel (all 12 factors). */
export function factorPanelSource(client: Client<typeof FactorService>): SymbolBetaSource {
  const k = RISK_FACTOR_COUNT;
  const column = new Map(RISK_FACTOR_IDS.map((id, f) => [FACTORS.find((x) => x.id === id)!.factor, f]));
  return {
    async panel(symbols, startDate, endDate, signal) {
      const dates = tradingDays(startDate, endDate);
      const asked = symbols.filter((s) => FACTOR_SYMBOL.test(s));
      const all: string[] = [];
      const parts: { offset: number; n: number; res: Awaited<ReturnType<Client<typeof FactorService>["getFactorPanel"]>> }[] = [];
      for (let i = 0; i < asked.length; i += PANEL_BATCH_SYMBOLS) {
        const res = await client.getFactorPanel({ symbols: asked.slice(i, i + PANEL_BATCH_SYMBOLS), startDate, endDate }, { signal });
        if (res.dates.length !== dates.length || res.dates.some((d, j) => d !== dates[j]))
          throw new PeerAnswerError(`factor service answered a different calendar for ${startDate}..${endDate}`);
        parts.push({ offset: all.length, n: res.symbols.length, res });
        all.push(...res.symbols);
      }
      const nd = dates.length;
      const betas = new Float64Array(all.length * nd * k).fill(Number.NaN);
      for (const { offset, n, res } of parts) {
        for (const col of res.columns) {
          const f = column.get(col.factor);
          if (f === undefined) continue;
          if (col.betas.length !== n * nd)
            throw new PeerAnswerError(`factor panel column ${col.factor} has ${col.betas.length} values for ${n} × ${nd}`);
          for (let s = 0; s < n; s++) for (let d = 0; d < nd; d++) betas[((offset + s) * nd + d) * k + f] = col.betas[s * nd + d]!;
        }
      }
      return { dates, symbols: all, betas } satisfies BetaPanel;
    },
  };
}

/** {@link PortfolioDirectory} over the snapshot service's ListPortfolios (called with the service token). */
export function snapshotDirectory(client: Client<typeof SnapshotService>): PortfolioDirectory {
  return {
    async owners(portfolioIds, signal) {
      if (portfolioIds.length === 0) return new Map();
      const res = await client.listPortfolios({ portfolioIds: [...portfolioIds], includeInactive: true }, { signal });
      return new Map(res.portfolios.map((p) => [p.id, p.owner]));
    },
  };
}
