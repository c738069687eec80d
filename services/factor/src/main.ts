import { createLogger, defineConfig, loadServiceConfig, onShutdown, serviceTokenSource } from "@sigma/runtime";
import { startFactor } from "./app.js";

// Composition root: the only module with side effects.
const { base, cfg } = loadServiceConfig(
  "factor",
  defineConfig({
    databaseUrl: { env: "DATABASE_URL", kind: "url", required: true, description: "postgres://user@host:5432/db" },
    schema: { env: "DB_SCHEMA", kind: "string", default: "factor" },
    marketDataUrl: {
      env: "SIGMA_MARKET_DATA_URL",
      kind: "url",
      default: "http://127.0.0.1:50052",
      description: "market-data service base URL",
    },
  }),
);
const logger = createLogger("factor", { level: base.logLevel });
const service = await startFactor({
  ...cfg,
  port: base.port,
  host: base.host,
  auth: base.auth,
  serviceToken: serviceTokenSource(base.auth, "service:factor"),
  logger,
});
onShutdown(logger, [{ name: "factor", run: () => service.close() }]);
