/**
 * A Connect {@link Transport} backed by a @grpc/grpc-js channel with client-side load balancing
 * (`round_robin`): each call goes to the next ready replica behind the target (a list of addresses
 * or a DNS name resolving to every pod of a headless Service). grpc-js keeps one HTTP/2 connection
 * per replica, skips replicas whose connection failed, and re-resolves DNS names when a connection
 * drops, so a killed replica stops receiving calls and a new one starts receiving them.
 *
 * Typed Connect clients, interceptors (bearer token, correlation headers) and the retry wrapper of
 * `createServiceClient` work on top of it unchanged: messages are (de)serialized with
 * @bufbuild/protobuf from the method's schemas, headers become grpc metadata, the deadline becomes
 * the grpc deadline (sent as grpc-timeout), and a failed call rejects with a ConnectError carrying
 * the same status code, message and error details the server sent.
 */
import { type DescMessage, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor, type Transport, type UnaryResponse } from "@connectrpc/connect";
import { runStreamingCall, runUnaryCall } from "@connectrpc/connect/protocol";
import { findTrailerError } from "@connectrpc/connect/protocol-grpc";
import * as grpc from "@grpc/grpc-js";

/** Options of {@link createGrpcLbTransport}. */
export interface GrpcLbTransportOptions {
  /** grpc-js channel target, e.g. `ipv4:127.0.0.1:5001,127.0.0.1:5002` or `dns:///risk-headless:50051`. */
  target: string;
  /** Interceptors run once per call (as with connect-node's transports). */
  interceptors?: Interceptor[];
  /** Largest request sent (bytes); larger ones fail with RESOURCE_EXHAUSTED before being sent. */
  writeMaxBytes?: number;
  /** Largest response accepted (bytes; default unlimited, like connect-node). */
  readMaxBytes?: number;
  /** Extra grpc-js channel options (merged over the defaults). */
  channelOptions?: grpc.ChannelOptions;
  /**
   * For `dns:` targets: a fresh channel (hence a fresh DNS resolution) is used for calls starting
   * after this many ms (default 30000; 0 = never). grpc-js re-resolves a name only when a connection
   * fails, so without this, pods added by an autoscaler would get no calls until one fails. The
   * channels share grpc-js's subchannel pool, so the replicas already connected are not reconnected.
   */
  reresolveMs?: number;
}

/** A transport that can also close its channel (tests; services keep it for the process lifetime). */
export interface ClosableTransport extends Transport {
  /** Closes the grpc-js channel: calls in flight fail with CANCELLED/UNAVAILABLE, later calls fail. */
  close(): void;
}

/** The service config that turns on round robin (grpc-js's default policy is pick_first). */
export const ROUND_ROBIN_SERVICE_CONFIG = JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] });

function toMetadata(header: Headers): grpc.Metadata {
  const md = new grpc.Metadata();
  header.forEach((value, key) => {
    // Binary headers travel base64 in Headers (connect's convention) and as bytes in grpc-js.
    if (key.endsWith("-bin")) md.add(key, Buffer.from(value, "base64"));
    else md.add(key, value);
  });
  return md;
}

function toHeaders(md: grpc.Metadata | undefined): Headers {
  const h = new Headers();
  if (!md) return h;
  for (const [key, values] of Object.entries(md.toJSON())) {
    for (const v of values) h.append(key, Buffer.isBuffer(v) ? v.toString("base64") : String(v));
  }
  return h;
}

/** grpc-js decodes grpc-message with decodeURI, which leaves reserved characters (":", "/") encoded. */
function decodeMessage(details: string): string {
  try {
    return decodeURIComponent(details);
  } catch {
    return details;
  }
}

/**
 * Maps a grpc-js call error to a ConnectError with the same code. The server's error details
 * (grpc-status-details-bin, e.g. field violations) are kept; the grpc-js error is the cause, so
 * socket errnos (ECONNREFUSED in the message of a call that never connected) stay visible to the
 * retry classification.
 */
export function connectErrorFromGrpc(err: Partial<grpc.ServiceError>): ConnectError {
  const code = typeof err.code === "number" && err.code in Code ? (err.code as unknown as Code) : Code.Unknown;
  const trailer = toHeaders(err.metadata);
  const message = decodeMessage(err.details ?? err.message ?? "");
  const fromDetails = trailer.has("grpc-status-details-bin") ? safeFindTrailerError(trailer) : undefined;
  const e = new ConnectError(message, code, trailer, undefined, err);
  if (fromDetails && fromDetails.code === code) e.details = fromDetails.details;
  return e;
}

function safeFindTrailerError(trailer: Headers): ConnectError | undefined {
  try {
    return findTrailerError(trailer);
  } catch {
    return undefined;
  }
}

function callOptions(timeoutMs: number | undefined): grpc.CallOptions {
  return timeoutMs !== undefined && timeoutMs > 0 ? { deadline: Date.now() + timeoutMs } : {};
}

/**
 * Creates a Connect transport over one grpc-js channel to `target` with the `round_robin` load
 * balancing policy. Unary and server-streaming methods are supported; client- and bidi-streaming
 * calls fail with UNIMPLEMENTED (no service-to-service call uses them).
 *
 * The channel connects lazily (on the first call) and is shared by every call of this transport.
 */
export function createGrpcLbTransport(opts: GrpcLbTransportOptions): ClosableTransport {
  const newClient = () =>
    new grpc.Client(opts.target, grpc.credentials.createInsecure(), {
      "grpc.service_config": ROUND_ROBIN_SERVICE_CONFIG,
      "grpc.max_send_message_length": opts.writeMaxBytes ?? -1,
      "grpc.max_receive_message_length": opts.readMaxBytes ?? -1,
      // A replica restarted by Kubernetes comes back at the same DNS name within seconds.
      "grpc.initial_reconnect_backoff_ms": 200,
      "grpc.max_reconnect_backoff_ms": 5000,
      "grpc.dns_min_time_between_resolutions_ms": 5000,
      ...opts.channelOptions,
    });
  const reresolveMs = opts.target.startsWith("dns:") ? (opts.reresolveMs ?? 30_000) : 0;
  let current = { client: newClient(), createdAt: Date.now() };
  let closed = false;
  /** The channel for a call starting now (a fresh one when the current one is older than reresolveMs). */
  const channel = (): grpc.Client => {
    if (!closed && reresolveMs > 0 && Date.now() - current.createdAt >= reresolveMs) {
      const old = current.client;
      current = { client: newClient(), createdAt: Date.now() };
      // Calls in flight on the old channel finish; it only stops taking new ones.
      old.close();
    }
    return current.client;
  };
  const url = (method: { parent: { typeName: string }; name: string }) => `${opts.target}/${method.parent.typeName}/${method.name}`;
  const serializer =
    <T extends DescMessage>(schema: T) =>
    (m: unknown) =>
      Buffer.from(toBinary(schema, m as never));
  const deserializer =
    <T extends DescMessage>(schema: T) =>
    (b: Buffer) =>
      fromBinary(schema, b);

  return {
    unary(method, signal, timeoutMs, header, message, contextValues) {
      return runUnaryCall({
        interceptors: opts.interceptors,
        signal,
        timeoutMs,
        req: {
          stream: false,
          service: method.parent,
          method,
          requestMethod: "POST",
          url: url(method),
          header: new Headers(header),
          contextValues: contextValues ?? ({} as never),
          message,
        },
        next: (req) =>
          new Promise<UnaryResponse<never, never>>((resolve, reject) => {
            if (req.signal.aborted) {
              reject(ConnectError.from(req.signal.reason, Code.Canceled));
              return;
            }
            let responseHeader = new Headers();
            let trailer = new Headers();
            const call = channel().makeUnaryRequest(
              `/${method.parent.typeName}/${method.name}`,
              serializer(method.input),
              deserializer(method.output),
              req.message,
              toMetadata(req.header),
              callOptions(timeoutMs),
              (err, value) => {
                req.signal.removeEventListener("abort", onAbort);
                // grpc-js emits "status" (with the trailers) right after this callback, in the same tick.
                queueMicrotask(() => {
                  if (err) reject(connectErrorFromGrpc(err));
                  else resolve({ stream: false, service: method.parent, method, header: responseHeader, trailer, message: value } as never);
                });
              },
            );
            call.on("metadata", (md: grpc.Metadata) => {
              responseHeader = toHeaders(md);
            });
            call.on("status", (s: grpc.StatusObject) => {
              trailer = toHeaders(s.metadata);
            });
            const onAbort = () => call.cancel();
            req.signal.addEventListener("abort", onAbort, { once: true });
          }),
      }) as never;
    },

    stream(method, signal, timeoutMs, header, input, contextValues) {
      return runStreamingCall({
        interceptors: opts.interceptors,
        signal,
        timeoutMs,
        req: {
          stream: true,
          service: method.parent,
          method,
          requestMethod: "POST",
          url: url(method),
          header: new Headers(header),
          contextValues: contextValues ?? ({} as never),
          message: input,
        },
        next: async (req) => {
          if (method.methodKind !== "server_streaming") {
            throw new ConnectError(`${method.methodKind} calls are not supported by the grpc+lb transport`, Code.Unimplemented);
          }
          // A server stream has exactly one request message.
          let first: unknown;
          let n = 0;
          for await (const m of req.message) {
            first = m;
            n++;
          }
          if (n !== 1) throw new ConnectError(`server-streaming call needs exactly one request message, got ${n}`, Code.Internal);
          const call = channel().makeServerStreamRequest(
            `/${method.parent.typeName}/${method.name}`,
            serializer(method.input),
            deserializer(method.output),
            first,
            toMetadata(req.header),
            callOptions(timeoutMs),
          );
          // The iterator below reports errors; this listener only keeps a late CANCELLED (after the
          // consumer stopped) from being an unhandled 'error' event.
          call.on("error", () => {});
          const onAbort = () => call.cancel();
          req.signal.addEventListener("abort", onAbort, { once: true });
          const trailer = new Headers();
          // Headers arrive before the first message (or with the status of a trailers-only answer).
          const responseHeader = await new Promise<Headers>((resolve) => {
            call.once("metadata", (md: grpc.Metadata) => resolve(toHeaders(md)));
            call.once("status", () => resolve(new Headers()));
            call.once("error", () => resolve(new Headers()));
          });
          call.on("status", (s: grpc.StatusObject) => {
            toHeaders(s.metadata).forEach((v, k) => trailer.append(k, v));
          });
          async function* messages() {
            try {
              for await (const m of call) yield m;
            } catch (e) {
              throw connectErrorFromGrpc(e as grpc.ServiceError);
            } finally {
              req.signal.removeEventListener("abort", onAbort);
              call.cancel();
            }
          }
          return { stream: true, service: method.parent, method, header: responseHeader, trailer, message: messages() } as never;
        },
      }) as never;
    },

    close() {
      closed = true;
      current.client.close();
    },
  };
}
