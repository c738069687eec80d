import { createLogger, loadConfigOrExit, onShutdown } from "@sigma/runtime";
import { startMarketData } from "./app.js";
import { loadMarketDataConfig } from "./config.js";

// Composition root: the only module with side effects.
const config = loadConfigOrExit("market-data", () => loadMarketDataConfig());
const logger = createLogger("market-data", { level: config.logLevel });
const service = await startMarketData(config, { logger });
onShutdown(logger, [{ name: "market-data", run: () => service.close() }]);
