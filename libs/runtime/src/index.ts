/**
 * @sigma/runtime: the platform every Sigma service uses to configure itself, log, serve
 * (gRPC + Connect + gRPC-Web with health and reflection), map errors, authorize, call other
 * services and shut down gracefully.
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
export * from "./unimplemented.js";
export * from "./service-env.js";
