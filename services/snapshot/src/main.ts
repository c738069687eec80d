import { createLogger, defineConfig, loadServiceConfig, onShutdown, serviceTokenSource } from "@sigma/runtime";
import { startSnapshot } from "./app.js";

// Composition root: the only module with side effects.
const { base, cfg } = loadServiceConfig(
  "snapshot",
  defineConfig({
    databaseUrl: { env: "DATABASE_URL", kind: "url", required: true, description: "postgres://user@host:5432/db" },
    schema: { env: "DB_SCHEMA", kind: "string", default: "snapshot" },
    marketDataUrl: {
      env: "SIGMA_MARKET_DATA_URL",
      kind: "url",
      default: "http://127.0.0.1:50052",
      description: "market-data service base URL",
    },
  }),
);
const logger = createLogger("snapshot", { level: base.logLevel });
const service = await startSnapshot({
  ...cfg,
  port: base.port,
  host: base.host,
  auth: base.auth,
  serviceToken: serviceTokenSource(base.auth, "service:snapshot"),
  logger,
});
onShutdown(logger, [{ name: "snapshot", run: () => service.close() }]);
