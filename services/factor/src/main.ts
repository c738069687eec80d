import { createLogger, loadConfigOrExit, onShutdown } from "@sigma/runtime";
import { startFactor } from "./app.js";
import { loadFactorConfig } from "./config.js";

// Composition root: the only module with side effects.
const config = loadConfigOrExit("factor", () => loadFactorConfig());
const logger = createLogger("factor", { level: config.logLevel });
const service = await startFactor(config, { logger });
onShutdown(logger, [{ name: "factor", run: () => service.close() }]);
