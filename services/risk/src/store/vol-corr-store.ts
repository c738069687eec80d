/**
 * PLACEHOLDER (branch riskcore): the volatility/correlation store is built in branch riskvc and
 * replaces this file at merge. Only the exports the core wiring needs, with no tables.
 */
import type { DataSource } from "typeorm";

/** Stores volatility and correlation rows (phases 5 and 6); placeholder without tables. */
export class VolCorrStore {
  constructor(readonly ds: DataSource) {}

  /** Deletes every volatility/correlation row of a portfolio; the placeholder holds none. */
  async deletePortfolio(_portfolioId: string): Promise<number> {
    return 0;
  }
}

/** Migrations of the volatility/correlation tables (none in the placeholder). */
export const volCorrMigrations: (new () => import("typeorm").MigrationInterface)[] = [];
