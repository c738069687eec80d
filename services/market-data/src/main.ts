import { createLogger, defineConfig, loadServiceConfig, onShutdown } from "@sigma/runtime";
import { startMarketData } from "./app.js";

// Composition root: the only module with side effects.
const { base, cfg } = loadServiceConfig(
  "market-data",
  defineConfig({
    databaseUrl: { env: "DATABASE_URL", kind: "url", required: true, description: "postgres://user@host:5432/db" },
    schema: { env: "DB_SCHEMA", kind: "string", default: "market_data" },
    prices: { env: "SIGMA_PRICES", kind: "string", default: "synthetic", description: "synthetic | csv:PATH | http" },
    fetchConcurrency: { env: "SIGMA_FETCH_CONCURRENCY", kind: "int", default: 8, min: 1, max: 64 },
  }),
);
const logger = createLogger("market-data", { level: base.logLevel });
const service = await startMarketData({ ...cfg, port: base.port, host: base.host, auth: base.auth, logger });
onShutdown(logger, [{ name: "market-data", run: () => service.close() }]);
