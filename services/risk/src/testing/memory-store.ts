/** An in-memory {@link RiskRepository} for unit tests (same replace semantics as the Postgres store). */
import type { ExposureRow, PositionBetaRow, RiskRepository, ScenarioOutcome, StoredStress } from "../domain/ports.js";

const key = (p: string, d: string) => `${p}|${d}`;

export class MemoryRiskStore implements RiskRepository {
  readonly betas = new Map<string, PositionBetaRow>();
  readonly exposures = new Map<string, ExposureRow>();
  readonly stress = new Map<string, StoredStress>();
  reads = 0;

  async replacePositionBetas(rows: readonly PositionBetaRow[]): Promise<number> {
    for (const r of rows) this.betas.set(key(r.portfolioId, r.date), r);
    return rows.length;
  }
  async readPositionBetas(cells: readonly { portfolioId: string; date: string }[]): Promise<PositionBetaRow[]> {
    this.reads++;
    return [...new Set(cells.map((c) => key(c.portfolioId, c.date)))].flatMap((k) => this.betas.get(k) ?? []);
  }
  async replaceExposures(rows: readonly ExposureRow[]): Promise<number> {
    for (const r of rows) this.exposures.set(key(r.portfolioId, r.date), r);
    return rows.length;
  }
  async readExposures(cells: readonly { portfolioId: string; date: string }[]): Promise<ExposureRow[]> {
    this.reads++;
    return [...new Set(cells.map((c) => key(c.portfolioId, c.date)))].flatMap((k) => this.exposures.get(k) ?? []);
  }
  async exposureDates(portfolioId: string): Promise<string[]> {
    return [...this.exposures.values()]
      .filter((r) => r.portfolioId === portfolioId)
      .map((r) => r.date)
      .sort();
  }
  async replaceStress(
    items: readonly { portfolioId: string; date: string; nav: number; outcomes: readonly ScenarioOutcome[] }[],
  ): Promise<number> {
    for (const it of items) this.stress.set(key(it.portfolioId, it.date), { date: it.date, nav: it.nav, outcomes: [...it.outcomes] });
    return items.reduce((s, it) => s + it.outcomes.length, 0);
  }
  async readStress(portfolioId: string, date: string): Promise<StoredStress | undefined> {
    if (date) return this.stress.get(key(portfolioId, date));
    const dates = [...this.stress.keys()].filter((k) => k.startsWith(`${portfolioId}|`)).sort();
    return dates.length ? this.stress.get(dates.at(-1)!) : undefined;
  }
}
