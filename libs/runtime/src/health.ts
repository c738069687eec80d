/**
 * grpc.health.v1.Health as a Connect service (the grpc-health-check package only works with
 * grpc-js servers). Kubernetes `grpc:` probes call Check with service "" (overall health).
 */
import { EventEmitter, on } from "node:events";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import {
  type Health,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
  type HealthCheckResponse,
} from "@sigma/contracts/health";

export { HealthCheckResponse_ServingStatus as ServingStatus } from "@sigma/contracts/health";

/** Mutable health state of one server, shared by its Health handlers. */
export interface HealthState {
  /** Sets the status of `name` ("" = whole server) and notifies watchers when it changes. */
  setStatus(name: string, status: ServingStatus): void;
  /** The status of `name`, or undefined when the name was never registered. */
  getStatus(name: string): ServingStatus | undefined;
  /** Sets every registered name (including "") to `status`, e.g. NOT_SERVING on shutdown. */
  setAll(status: ServingStatus): void;
  /** Snapshot of all registered names and their statuses. */
  entries(): Array<[string, ServingStatus]>;
  /** The Connect implementation of grpc.health.v1.Health over this state. */
  readonly impl: ServiceImpl<typeof Health>;
}

/** Event name on the internal emitter; payload is the service name that changed. */
const CHANGED = "changed";

/**
 * Creates the health state with `""` and each of `names` set to `initial`.
 *
 * Check answers NOT_FOUND for an unknown name. Watch sends the current status at once
 * (SERVICE_UNKNOWN for an unknown name, without ending the call), then every change, until the
 * client cancels or the server shuts down (the handler signal aborts).
 *
 * @param names Fully-qualified service names to register, e.g. "sigma.marketdata.v1.MarketDataService".
 * @param initial Initial status (default SERVING).
 */
export function createHealth(names: readonly string[] = [], initial: ServingStatus = ServingStatus.SERVING): HealthState {
  const statuses = new Map<string, ServingStatus>();
  const events = new EventEmitter();
  // Every Watch call adds a listener; many concurrent watchers are legitimate.
  events.setMaxListeners(0);
  for (const n of ["", ...names]) statuses.set(n, initial);

  const setStatus = (name: string, status: ServingStatus): void => {
    const prev = statuses.get(name);
    statuses.set(name, status);
    if (prev !== status) events.emit(CHANGED, name);
  };
  const response = (status: ServingStatus): HealthCheckResponse => create(HealthCheckResponseSchema, { status });

  const impl: ServiceImpl<typeof Health> = {
    check(req) {
      const status = statuses.get(req.service);
      if (status === undefined) throw new ConnectError(`unknown service ${JSON.stringify(req.service)}`, Code.NotFound);
      return response(status);
    },
    async *watch(req, ctx) {
      // Subscribe before reading the current status so a change in between is not lost.
      const changes = on(events, CHANGED, { signal: ctx.signal });
      let last = statuses.get(req.service) ?? ServingStatus.SERVICE_UNKNOWN;
      yield response(last);
      try {
        for await (const [name] of changes) {
          if (name !== req.service) continue;
          const now = statuses.get(req.service) ?? ServingStatus.SERVICE_UNKNOWN;
          if (now === last) continue;
          last = now;
          yield response(now);
        }
      } catch (e) {
        // The abort of ctx.signal (client cancel / server shutdown) ends the stream normally.
        if (ctx.signal.aborted) return;
        throw e;
      }
    },
    list() {
      return {
        statuses: Object.fromEntries([...statuses].map(([n, s]) => [n, response(s)])),
      };
    },
  };

  return {
    setStatus,
    getStatus: (name) => statuses.get(name),
    setAll(status) {
      for (const n of [...statuses.keys()]) setStatus(n, status);
    },
    entries: () => [...statuses],
    impl,
  };
}
