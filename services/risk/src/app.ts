import { FactorService, MarketDataService, RiskService, SnapshotService } from "@sigma/contracts";
import { closeDataSource, createDataSource, withTransaction } from "@sigma/db";
import { marketDataPriceSource, type PriceSource, RunPriceCache } from "@sigma/prices";
import { createServiceClient, defineService, type Logger, serve, serviceTokenSource } from "@sigma/runtime";
import { factorPanelSource, snapshotDirectory, snapshotMarksSource } from "./adapters/peers.js";
import type { RiskConfig } from "./config.js";
import type { PortfolioDirectory, PositionMarksSource, SymbolBetaSource } from "./domain/ports.js";
import { riskHandlers } from "./handlers/risk-handlers.js";
import { volCorrHandlers } from "./handlers/vol-corr-handlers.js";
import { RISK_MIGRATIONS } from "./store/migrations.js";
import { PgRiskStore } from "./store/risk-store.js";
import { VolCorrStore, volCorrMigrations } from "./store/vol-corr-store.js";
import { ewmaCovarianceSource } from "./usecases/factor-covariance.js";
import { RunMarksCache } from "./adapters/run-marks-cache.js";
import { RunPanelCache } from "./adapters/run-panel-cache.js";
import { RunClaims } from "./usecases/run-claims.js";

// The public entry point of the service (package "."): its configuration loader and start function.
export { loadRiskConfig, type RiskConfig } from "./config.js";
export type { DatedMark, PortfolioDay, PortfolioDirectory, PositionMarksSource, SymbolBetaSource, BetaPanel } from "./domain/ports.js";

/** What the risk service shares with its process (the same in main.ts, `sigma dev` and tests). */
export interface RiskShared {
  logger: Logger;
  /**
   * Replaces the peer adapters (tests: a fake marks source, beta panel, price source or owner
   * directory at the system's edge); unset ones use the peer services named in the config.
   */
  ports?: Partial<{ marks: PositionMarksSource; betas: SymbolBetaSource; prices: PriceSource; directory: PortfolioDirectory }>;
}

/** Composition root of the risk service: database → peer clients → handlers → server. */
export async function startRisk(config: RiskConfig, o: RiskShared) {
  const db = await createDataSource({
    url: config.databaseUrl,
    schema: config.schema,
    entities: [],
    migrations: [...RISK_MIGRATIONS, ...volCorrMigrations],
    logger: o.logger,
    applicationName: "risk",
  });
  const token = serviceTokenSource(config.auth, "service:risk");
  const peer = { token, timeoutMs: config.peerTimeoutMs };
  const marketData = createServiceClient(MarketDataService, config.marketDataUrl, peer);
  const factor = createServiceClient(FactorService, config.factorUrl, peer);
  const snapshot = createServiceClient(SnapshotService, config.snapshotUrl, peer);
  const prices = o.ports?.prices ?? marketDataPriceSource(marketData);
  const store = new PgRiskStore(db, config.schema);
  const volCorrStore = new VolCorrStore(db, config.schema);
  // Phases 3, 5 and 6 of a chunk read the same item's marks: one read per run, item and chunk.
  const marksCache = new RunMarksCache();
  // Phase 3's items of a chunk overlap in symbols: each symbol's betas are read once per run and chunk.
  const panelCache = new RunPanelCache();
  const betas = factorPanelSource(factor);
  let server: Awaited<ReturnType<typeof serve>>;
  try {
    server = await serve({
      name: "risk",
      port: config.port,
      host: config.host,
      logger: o.logger,
      auth: config.auth,
      services: [
        defineService(
          RiskService,
          riskHandlers({
            store,
            marks: o.ports?.marks ?? snapshotMarksSource(snapshot),
            marksForRun: o.ports?.marks ? undefined : (runId) => snapshotMarksSource(marksCache.client(snapshot, runId)),
            betas: o.ports?.betas ?? betas,
            betasForRun: o.ports?.betas ? undefined : (runId) => panelCache.forRun(betas, runId),
            covariance: ewmaCovarianceSource(prices),
            directory: o.ports?.directory ?? snapshotDirectory(snapshot),
            rateDuration: config.rateDuration,
            volCorr: volCorrHandlers({
              store: volCorrStore,
              prices,
              priceCaches: { volatility: new RunPriceCache(prices), correlations: new RunPriceCache(prices) },
              claims: new RunClaims(),
              marksCache,
              snapshot,
              logger: o.logger,
            }),
            volCorrStore,
            // Every risk table of the portfolio in ONE transaction: the volatility/correlation store runs
            // on the transaction's manager (it only issues queries through the handle it is given).
            deletePortfolio: (id) =>
              withTransaction(db, async (tx) => {
                const core = await store.on(tx).deletePortfolio(id);
                const volCorr = await new VolCorrStore(tx, config.schema).deletePortfolio(id);
                return core + volCorr;
              }),
          }),
        ),
      ],
    });
  } catch (err) {
    await closeDataSource(db);
    throw err;
  }
  o.logger.info({ port: server.port, rateDuration: config.rateDuration }, "risk service listening");
  return {
    name: "risk",
    port: server.port,
    url: server.url,
    async close() {
      await server.close();
      await closeDataSource(db);
    },
  };
}
