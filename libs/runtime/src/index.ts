/**
 * @sigma/runtime: the platform every Sigma service uses to configure itself, log, serve
 * (gRPC + Connect + gRPC-Web with health and reflection), map errors, authorize, call other
 * services and shut down gracefully.
 *
 * @example A service's main.ts (the only file with side effects):
 * ```ts
 * const { base, cfg } = loadServiceConfig("market-data", defineConfig({
 *   databaseUrl: { env: "DATABASE_URL", kind: "url", required: true },
 * })); // throws ConfigError listing every bad variable (PORT, HOST, LOG_LEVEL, SIGMA_AUTH, ...)
 * const logger = createLogger("market-data", { level: base.logLevel });
 * const server = await serve({
 *   name: "market-data", port: base.port, host: base.host, logger, auth: base.auth,
 *   services: [defineService(MarketDataService, createHandlers(deps))],
 * });
 * onShutdown(logger, [
 *   { name: "server", run: () => server.close() },
 *   { name: "database", run: () => db.destroy() },
 * ], { graceMs: 10_000 });
 * ```
 */
export * from "./config.js";
export * from "./logger.js";
export * from "./context.js";
export * from "./errors.js";
export * from "./error-interceptor.js";
export * from "./auth.js";
export * from "./health.js";
export * from "./reflection.js";
export * from "./serve.js";
export * from "./shutdown.js";
export * from "./client.js";
export * from "./retry.js";
export * from "./limits.js";
export * from "./unimplemented.js";
export * from "./service-env.js";
export * from "./peer-url.js";
export * from "./grpc-lb-transport.js";
