import { createLogger, defineConfig, loadServiceConfig, onShutdown } from "@sigma/runtime";
import { startFactor } from "./app.js";

// Composition root: the only module with side effects.
const { base } = loadServiceConfig("factor", defineConfig({}));
const logger = createLogger("factor", { level: base.logLevel });
const service = await startFactor({ port: base.port, host: base.host, auth: base.auth, logger });
onShutdown(logger, [{ name: "factor", run: () => service.close() }]);
