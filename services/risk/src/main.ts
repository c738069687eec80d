import { createLogger, defineConfig, loadServiceConfig, onShutdown } from "@sigma/runtime";
import { startRisk } from "./app.js";

// Composition root: the only module with side effects.
const { base } = loadServiceConfig("risk", defineConfig({}));
const logger = createLogger("risk", { level: base.logLevel });
const service = await startRisk({ port: base.port, host: base.host, auth: base.auth, logger });
onShutdown(logger, [{ name: "risk", run: () => service.close() }]);
