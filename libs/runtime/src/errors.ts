/**
 * Named domain errors and their one mapping to RPC status codes.
 *
 * Domain code throws these (with a `cause` when wrapping a lower-level failure); the error
 * interceptor turns them into `ConnectError`s with a client-safe message. Anything that is not
 * a domain error or a `ConnectError` becomes `Internal` with a generic message: its details
 * (SQL, stack, hostnames) stay in the server log.
 */
import { Code, ConnectError } from "@connectrpc/connect";

/** Longest echoed value (characters) kept in an error message or log field. */
export const MAX_ECHO_CHARS = 200;
/** Longest error message (characters) sent to a caller or logged. */
export const MAX_ERROR_MESSAGE_CHARS = 4000;
/** Field violations listed in an InvalidArgumentError message (all are kept in `violations`). */
const MAX_LISTED_VIOLATIONS = 50;

/**
 * Shortens a value echoed back to a caller or into a log: oversized input must never be copied
 * into error messages or log lines in full (one 20 MB symbol made a 20 MB log line per request).
 *
 * @returns `text` unchanged when at most `max` characters, else its first `max` characters
 *   followed by "… (N bytes)" with N the UTF-8 size of the whole value.
 */
export function truncateEcho(text: string, max: number = MAX_ECHO_CHARS): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${Buffer.byteLength(text, "utf8")} bytes)`;
}

/** One invalid field of a request (mirrors google.rpc.BadRequest.FieldViolation). */
export interface FieldViolation {
  /** Path of the field, e.g. "start_date" or "positions[3].symbol". */
  field: string;
  /** What is wrong with it, safe to show to the caller. */
  description: string;
}

/** Options shared by every domain error. */
export interface DomainErrorOptions {
  /** The lower-level error that caused this one (logged server-side, never sent). */
  cause?: unknown;
}

/**
 * Base class of every domain error. `message` is client-safe: it is what the caller sees.
 * Subclasses fix the status `code`.
 */
export abstract class DomainError extends Error {
  /** The RPC status code this error maps to. */
  abstract readonly code: Code;

  constructor(message: string, options?: DomainErrorOptions) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
  }

  /** Response metadata (gRPC trailers) to attach; none by default. */
  metadata(): Record<string, string> {
    return {};
  }
}

/** A named entity does not exist (or the caller may not know it exists). → NOT_FOUND */
export class NotFoundError extends DomainError {
  override readonly name = "NotFoundError";
  readonly code = Code.NotFound;
}

/**
 * The request is malformed regardless of system state (bad date, unknown enum, ...).
 * → INVALID_ARGUMENT. Field violations, when given, are appended to the message one per line
 * so every problem is reported at once.
 */
export class InvalidArgumentError extends DomainError {
  override readonly name = "InvalidArgumentError";
  readonly code = Code.InvalidArgument;
  /** The individual field problems (possibly empty). */
  readonly violations: readonly FieldViolation[];

  constructor(message: string, options?: DomainErrorOptions & { violations?: readonly FieldViolation[] }) {
    const violations = (options?.violations ?? []).map((v) => ({ field: truncateEcho(v.field), description: truncateEcho(v.description) }));
    // Every problem at once, but a bounded message: a request with 100k bad values lists the first ones.
    const shown = violations.slice(0, MAX_LISTED_VIOLATIONS).map((v) => `${v.field}: ${v.description}`);
    if (violations.length > MAX_LISTED_VIOLATIONS) shown.push(`… and ${violations.length - MAX_LISTED_VIOLATIONS} more`);
    super(shown.length === 0 ? message : `${message}\n${shown.join("\n")}`, options);
    this.violations = violations;
  }
}

/** The system is not in a state where the request can run (e.g. no prices yet). → FAILED_PRECONDITION */
export class FailedPreconditionError extends DomainError {
  override readonly name = "FailedPreconditionError";
  readonly code = Code.FailedPrecondition;
}

/** Metadata key carrying the id of the entity that already exists. */
export const EXISTING_ID_METADATA_KEY = "sigma-existing-id";

/**
 * The entity (or a conflicting run) already exists. → ALREADY_EXISTS. The existing id, when
 * given, travels in the `sigma-existing-id` trailer so callers can follow it (read it with
 * `existingIdOf`).
 */
export class AlreadyExistsError extends DomainError {
  override readonly name = "AlreadyExistsError";
  readonly code = Code.AlreadyExists;
  /** Id of the existing entity, when known. */
  readonly existingId?: string;

  constructor(message: string, options?: DomainErrorOptions & { existingId?: string }) {
    super(message, options);
    this.existingId = options?.existingId;
  }

  override metadata(): Record<string, string> {
    return this.existingId !== undefined ? { [EXISTING_ID_METADATA_KEY]: this.existingId } : {};
  }
}

/** A dependency (database, NATS, another service) is temporarily unreachable; retryable. → UNAVAILABLE */
export class UnavailableError extends DomainError {
  // Widened to string so specializations (DatabaseUnavailableError) can name themselves.
  override readonly name: string = "UnavailableError";
  readonly code = Code.Unavailable;
}

/** The caller is authenticated but not allowed to do this. → PERMISSION_DENIED */
export class PermissionDeniedError extends DomainError {
  override readonly name = "PermissionDeniedError";
  readonly code = Code.PermissionDenied;
}

/** The caller presented no valid credentials. → UNAUTHENTICATED */
export class UnauthenticatedError extends DomainError {
  override readonly name = "UnauthenticatedError";
  readonly code = Code.Unauthenticated;
}

/** A capability exists in the contract but not in this deployment. → UNIMPLEMENTED */
export class UnimplementedError extends DomainError {
  override readonly name = "UnimplementedError";
  readonly code = Code.Unimplemented;
  /** The missing capability, e.g. "http price provider". */
  readonly capability: string;

  constructor(capability: string, options?: DomainErrorOptions) {
    super(`not implemented: ${capability}`, options);
    this.capability = capability;
  }
}

/** The client-visible message for anything that is not a domain or Connect error. */
export const INTERNAL_MESSAGE = "internal error; see server logs";

/**
 * Maps any thrown value to the `ConnectError` a client should see.
 *
 * - `ConnectError`: returned unchanged (handlers and interceptors may throw them directly), except
 *   that a message longer than {@link MAX_ERROR_MESSAGE_CHARS} is truncated.
 * - `DomainError`: its code, its (client-safe) message and metadata; `cause` is kept on the
 *   ConnectError for server-side logging only (it is never serialized to the wire).
 * - anything else: `Code.Internal` with {@link INTERNAL_MESSAGE}; the original error is the cause.
 */
export function toConnectError(err: unknown): ConnectError {
  if (err instanceof ConnectError) {
    if (err.rawMessage.length <= MAX_ERROR_MESSAGE_CHARS) return err;
    return new ConnectError(truncateEcho(err.rawMessage, MAX_ERROR_MESSAGE_CHARS), err.code, err.metadata, undefined, err.cause ?? err);
  }
  if (err instanceof DomainError) {
    return new ConnectError(truncateEcho(err.message, MAX_ERROR_MESSAGE_CHARS), err.code, err.metadata(), undefined, err);
  }
  return new ConnectError(INTERNAL_MESSAGE, Code.Internal, undefined, undefined, err);
}

/**
 * Reads the existing entity id from an ALREADY_EXISTS error received by a client.
 *
 * @returns The id, or undefined when the error is not ALREADY_EXISTS or carries no id.
 */
export function existingIdOf(err: unknown): string | undefined {
  const ce = ConnectError.from(err);
  if (ce.code !== Code.AlreadyExists) return undefined;
  return ce.metadata.get(EXISTING_ID_METADATA_KEY) ?? undefined;
}

/**
 * The gRPC status name of a code ("OK", "NOT_FOUND", ...), as used in logs: operators know
 * these names from grpcurl and Kubernetes.
 */
export function codeName(code: Code | undefined): string {
  if (code === undefined) return "OK";
  // Code[code] is e.g. "NotFound"; convert to upper snake case.
  const camel = Code[code] ?? `CODE_${code}`;
  return camel.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}
