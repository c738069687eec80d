import { createLogger, loadConfigOrExit, onShutdown } from "@sigma/runtime";
import { startRisk } from "./app.js";
import { loadRiskConfig } from "./config.js";

// Composition root: the only module with side effects.
const config = loadConfigOrExit("risk", () => loadRiskConfig());
const logger = createLogger("risk", { level: config.logLevel });
const service = await startRisk(config, { logger });
onShutdown(logger, [{ name: "risk", run: () => service.close() }]);
