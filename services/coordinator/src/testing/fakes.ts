/**
 * Test doubles at the edge of the coordinator (the peer services) and a throw-away Postgres schema.
 * Used by this service's integration tests only.
 */
import { randomBytes } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { createClient, createRouterTransport, type ServiceImpl } from "@connectrpc/connect";
import { tradingDays } from "@sigma/calendar";
import { FactorService, MarketDataService, RiskService, SnapshotService, SymbolStatus, SymbolSyncResultSchema } from "@sigma/contracts";
import { closeDataSource, createDataSource } from "@sigma/db";
import type { DataSource } from "typeorm";
import type { PhaseServices } from "../phases/step.js";
import { terminalEventEncoder } from "../runner/reporter.js";
import { COORDINATOR_MIGRATIONS } from "../store/migrations.js";
import { RunRepository } from "../store/run-repository.js";

/** Options of {@link fakeServices}. */
export interface FakeServiceOptions {
  universe?: string[];
  /** Replaces the factor service's answer for one chunk (default: one row per symbol-date). */
  analytics?: (phase: "factors" | "metrics", req: { symbols: string[]; startDate: string; endDate: string }) => Promise<unknown>;
  /** Awaited before every SyncPrices answer. */
  beforeSync?: () => Promise<void>;
  /** Snapshot service stand-in (default: no portfolio). */
  snapshot?: Partial<ServiceImpl<typeof SnapshotService>>;
  /** Risk service stand-in (default: see {@link fakeRisk}). */
  risk?: Partial<ServiceImpl<typeof RiskService>>;
}

/** Market data, factor, snapshot and risk stand-ins: every symbol fetched; one row per symbol-date unless `analytics` says otherwise. */
export function fakeServices(opts: FakeServiceOptions = {}): PhaseServices {
  const analytics = (phase: "factors" | "metrics") => async (req: { symbols: string[]; startDate: string; endDate: string }) => {
    if (opts.analytics) return opts.analytics(phase, req) as never;
    const rows = req.symbols.length * tradingDays(req.startDate, req.endDate).length;
    return { counters: { inputs: BigInt(req.symbols.length), outputs: BigInt(rows), skipped: [] }, problems: [] };
  };
  const md: Partial<ServiceImpl<typeof MarketDataService>> = {
    async listSymbols() {
      return { symbols: (opts.universe ?? ["AAA", "BBB"]).map((symbol) => ({ symbol })) };
    },
    async syncPrices(req) {
      await opts.beforeSync?.();
      return {
        results: req.symbols.map((symbol) =>
          create(SymbolSyncResultSchema, {
            symbol,
            status: SymbolStatus.FETCHED,
            rowsFetched: 10n,
            firstDate: "2019-01-02",
            lastDate: "2020-01-23",
          }),
        ),
      };
    },
  };
  const transport = createRouterTransport(({ service }) => {
    service(MarketDataService, md);
    service(FactorService, { computeSymbolFactors: analytics("factors"), computeSymbolMetrics: analytics("metrics") });
  });
  return {
    marketData: createClient(MarketDataService, transport),
    factor: createClient(FactorService, transport),
    snapshot: noPortfolios(opts.snapshot),
    risk: fakeRisk(opts.risk),
  };
}

/** One row per (portfolio, date) cell: what the risk stand-in answers by default. */
const perCell = async (req: { cells: { dates: string[] }[] }) => {
  const n = req.cells.reduce((s, c) => s + c.dates.length, 0);
  return { counters: { inputs: BigInt(n), outputs: BigInt(n), skipped: [] }, problems: [] };
};

/**
 * A risk service stand-in: every compute RPC writes one row per (portfolio, date) cell, ComputeStress
 * one per portfolio, DeletePortfolioRisk removes nothing; `impl` overrides any of them.
 */
export function fakeRisk(impl: Partial<ServiceImpl<typeof RiskService>> = {}) {
  const transport = createRouterTransport(({ service }) => {
    service(RiskService, {
      computePositionBetas: perCell,
      computeFactorExposures: perCell,
      computeVolatility: perCell,
      computeCorrelations: perCell,
      async computeStress(req) {
        const n = BigInt(req.portfolioIds.length);
        return { counters: { inputs: n, outputs: n, skipped: [] }, problems: [] };
      },
      async deletePortfolioRisk() {
        return { rowsDeleted: 0n };
      },
      ...impl,
    });
  });
  return createClient(RiskService, transport);
}

/** A snapshot service stand-in: no portfolio unless `impl` says otherwise. */
export function noPortfolios(impl: Partial<ServiceImpl<typeof SnapshotService>> = {}) {
  const transport = createRouterTransport(({ service }) => {
    service(SnapshotService, {
      async listPortfolios() {
        return { portfolios: [] };
      },
      ...impl,
    });
  });
  return createClient(SnapshotService, transport);
}

/** A fresh coordinator schema on the test Postgres, dropped by `drop()`. */
export async function testStore(databaseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres"): Promise<{
  db: DataSource;
  schema: string;
  repo: RunRepository;
  drop(): Promise<void>;
}> {
  const schema = `coord_test_${randomBytes(4).toString("hex")}`;
  const db = await createDataSource({ url: databaseUrl, schema, entities: [], migrations: COORDINATOR_MIGRATIONS });
  return {
    db,
    schema,
    repo: new RunRepository(
      db,
      schema,
      terminalEventEncoder(() => new Date()),
    ),
    async drop() {
      await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await closeDataSource(db);
    },
  };
}
