/**
 * @sigma/testing: the harness of Sigma's integration and end-to-end tests — throwaway Postgres
 * databases and NATS streams, free loopback ports, service processes with captured output and
 * health-checked readiness, the whole six-service system, and the CLI as a subprocess.
 */
export { PRICES_CSV, repoRoot, sharedDataPath, sharedDir } from "./paths.js";
export { freePort, freePorts } from "./ports.js";
export { createTestDatabase, DEFAULT_ADMIN_DATABASE_URL, type TestDatabase } from "./postgres.js";
export { startPrivatePostgres, type PrivatePostgres } from "./private-postgres.js";
export { createTestStream, DEFAULT_NATS_URL, type TestStream } from "./nats.js";
export { OutputBuffer } from "./output-buffer.js";
export { waitForServing, type WaitForServingOptions } from "./health.js";
export { childEnv, ServiceProcess, startServiceProcess, type ProcessExit, type ServiceProcessOptions } from "./service-process.js";
export { cliJson, runCli, type CliResult, type RunCliOptions } from "./cli.js";
export { replicaCounts, SERVICE_NAMES, startSystem, type System, type SystemClients, type SystemOptions } from "./system.js";
export { parsePortfolioSymbols, readPortfolioSymbols } from "./portfolio-csv.js";
export {
  collectWatch,
  describeWatch,
  eventKind,
  readRunEvents,
  type CollectWatchOptions,
  type ReadRunEventsOptions,
} from "./run-events.js";
