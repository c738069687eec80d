import { createNatsPublisher } from "@sigma/events";
import { createLogger, loadConfigOrExit, onShutdown } from "@sigma/runtime";
import { startCoordinator } from "./app.js";
import { loadCoordinatorConfig } from "./config.js";

// Composition root: the only module with side effects.
const config = loadConfigOrExit("coordinator", () => loadCoordinatorConfig());
const logger = createLogger("coordinator", { level: config.logLevel });
const publisher = createNatsPublisher({
  // loadCoordinatorConfig requires NATS_URL unless told otherwise.
  url: config.natsUrl!,
  stream: { name: config.eventsStream, subjectPrefix: config.eventsPrefix },
  logger,
  name: "coordinator",
});
const service = await startCoordinator(config, { logger, publisher });
onShutdown(
  logger,
  [
    { name: "coordinator (cancel runs, stop serving, close db)", run: () => service.close(8_000) },
    { name: "nats", run: () => publisher.close() },
  ],
  { graceMs: 12_000 },
);
