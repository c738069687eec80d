/**
 * Per-RPC values that interceptors put into the Connect context for handlers to read
 * (`ctx.values.get(key)`): the authenticated principal and the per-RPC child logger.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { createContextKey } from "@connectrpc/connect";
import { pino } from "pino";
import type { Logger } from "pino";

/** A role a principal can hold. Every authenticated caller is a "user"; some are also "admin". */
export type Role = "user" | "admin";

/** The authenticated caller of an RPC. */
export interface Principal {
  /** Subject: the user (or service account) id from the token's `sub` claim. */
  sub: string;
  /** Roles from the token's `roles` claim. */
  roles: readonly Role[];
}

/**
 * Context key of the authenticated principal; `undefined` when the RPC is anonymous (health,
 * reflection) or served without the auth interceptor. Prefer `requirePrincipal(ctx)`.
 */
export const principalKey = createContextKey<Principal | undefined>(undefined, {
  description: "sigma authenticated principal",
});

/**
 * Context key of the per-RPC child logger (bound to the rpc name and request correlation fields)
 * set by `errorInterceptor`. The default is a silent logger so handler tests through
 * `createRouterTransport` without interceptors do not crash.
 */
export const loggerKey = createContextKey<Logger>(pino({ level: "silent" }), {
  description: "sigma per-RPC logger",
});

/**
 * Request headers that carry correlation fields; when present they are bound to the per-RPC
 * logger as `runId`, `phase` and `date` so one run's lines can be followed across services.
 */
export const CORRELATION_HEADERS = {
  runId: "sigma-run-id",
  phase: "sigma-phase",
  date: "sigma-date",
} as const;

/** Correlation fields of the work in progress (forwarded on every outgoing call, bound to log lines). */
export interface Correlation {
  runId?: string;
  phase?: string;
  date?: string;
}

/**
 * The correlation of the current asynchronous call chain. Servers enter it for every RPC (from the
 * request's correlation headers) and callers enter it around the work of a run phase; clients made
 * by `createServiceClient` forward it, so one run's log lines can be followed across services
 * without passing ids through every function.
 */
const correlationStore = new AsyncLocalStorage<Correlation>();

/**
 * Runs `fn` with `c` merged over the current correlation (fields of `c` that are undefined or
 * empty keep the outer value). Everything `fn` starts, including promises it awaits later,
 * sees the merged value through {@link currentCorrelation}.
 *
 * @returns whatever `fn` returns.
 */
export function withCorrelation<T>(c: Correlation, fn: () => T): T {
  const merged: Correlation = { ...correlationStore.getStore() };
  for (const key of ["runId", "phase", "date"] as const) {
    const v = c[key];
    if (v) merged[key] = v;
  }
  return correlationStore.run(merged, fn);
}

/** The correlation of the current call chain (an empty object outside any {@link withCorrelation}). */
export function currentCorrelation(): Correlation {
  return correlationStore.getStore() ?? {};
}

/**
 * True for the infrastructure services every server hosts (grpc.health.v1.Health and
 * grpc.reflection.v1/v1alpha.ServerReflection): they are always anonymous (Kubernetes probes
 * and grpcurl carry no token) and logged at debug level (probes would flood the log).
 */
export function isInfrastructureService(typeName: string): boolean {
  return typeName.startsWith("grpc.health.v1.") || typeName.startsWith("grpc.reflection.");
}
