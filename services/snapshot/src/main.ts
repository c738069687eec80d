import { createLogger, defineConfig, loadServiceConfig, onShutdown } from "@sigma/runtime";
import { startSnapshot } from "./app.js";

// Composition root: the only module with side effects.
const { base } = loadServiceConfig("snapshot", defineConfig({}));
const logger = createLogger("snapshot", { level: base.logLevel });
const service = await startSnapshot({ port: base.port, host: base.host, auth: base.auth, logger });
onShutdown(logger, [{ name: "snapshot", run: () => service.close() }]);
