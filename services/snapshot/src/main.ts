import { createLogger, loadConfigOrExit, onShutdown } from "@sigma/runtime";
import { startSnapshot } from "./app.js";
import { loadSnapshotConfig } from "./config.js";

// Composition root: the only module with side effects.
const config = loadConfigOrExit("snapshot", () => loadSnapshotConfig());
const logger = createLogger("snapshot", { level: config.logLevel });
const service = await startSnapshot(config, { logger });
onShutdown(logger, [{ name: "snapshot", run: () => service.close() }]);
