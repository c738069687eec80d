/**
 * Waiting for a server's gRPC health check (grpc.health.v1.Health/Check with service "").
 */
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from "@sigma/contracts/health";

/** Options of {@link waitForServing}. */
export interface WaitForServingOptions {
  /** Give up after this long (ms, default 30000). */
  timeoutMs?: number;
  /** Delay between attempts (ms, default 100). */
  intervalMs?: number;
  /** Health service name to check ("" = the whole server, the default). */
  service?: string;
  /** Stops waiting early, e.g. when the process under test exited; its reason is thrown. */
  signal?: AbortSignal;
}

/**
 * Polls Health/Check at `baseUrl` until it answers SERVING.
 *
 * Connection refusals and NOT_SERVING answers are expected while a server starts and are retried;
 * the last one is reported if time runs out.
 *
 * @param baseUrl - e.g. "http://127.0.0.1:50051" (gRPC over h2c).
 * @throws Error after `timeoutMs` (with the last failure as cause); the signal's reason when aborted.
 */
export async function waitForServing(baseUrl: string, opts: WaitForServingOptions = {}): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const intervalMs = opts.intervalMs ?? 100;
  const client = createClient(Health, createGrpcTransport({ baseUrl, defaultTimeoutMs: 2000 }));
  const deadline = Date.now() + timeoutMs;
  let last: unknown = new Error("no attempt made");
  for (;;) {
    opts.signal?.throwIfAborted();
    try {
      const res = await client.check({ service: opts.service ?? "" }, { signal: opts.signal });
      if (res.status === ServingStatus.SERVING) return;
      last = new Error(`health status ${ServingStatus[res.status]}`);
    } catch (err) {
      opts.signal?.throwIfAborted();
      last = err;
    }
    if (Date.now() >= deadline) {
      throw new Error(`${baseUrl} not SERVING after ${timeoutMs} ms: ${(last as Error)?.message ?? String(last)}`, { cause: last });
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
