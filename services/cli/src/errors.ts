import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { CliError, EXIT } from "./output.js";

/** Which service a client talks to, where, and the variable that says so (for error messages). */
export interface ServiceLabel {
  /** "coordinator", "market-data", ... */
  name: string;
  url: string;
  /** SIGMA_URL, SIGMA_STATUS_URL, ... */
  envVar: string;
}

/** Request field name (as the server reports it) → what the user typed (`--from`, `RUN`). */
export type FieldNames = Readonly<Record<string, string>>;

const labels = new WeakMap<object, ServiceLabel>();

/**
 * Tags every error of a client's calls (unary and streams) with the service it came from, so the
 * message can name the address and the variable to fix.
 */
export function labelErrors(label: ServiceLabel): Interceptor {
  const tag = (err: unknown) => {
    if (typeof err === "object" && err !== null && !labels.has(err)) labels.set(err, label);
    return err;
  };
  return (next) => async (req) => {
    try {
      const res = await next(req);
      if (!res.stream) return res;
      const messages = res.message;
      return {
        ...res,
        message: (async function* () {
          try {
            yield* messages;
          } catch (err) {
            throw tag(err);
          }
        })(),
      };
    } catch (err) {
      throw tag(err);
    }
  };
}

/** The service an error came from, when it came from a labelled client. */
export function serviceOf(err: unknown): ServiceLabel | undefined {
  return typeof err === "object" && err !== null ? labels.get(err) : undefined;
}

/**
 * Turns an error into the one-line message and the exit code of `sigma`. Server field names in
 * INVALID_ARGUMENT details (`start_date: not a YYYY-MM-DD date`) are replaced by the flag the user
 * typed (`--from: ...`), so no internal name leaks.
 *
 * @param fields - this command's request field → flag names.
 */
export function explain(err: unknown, fields: FieldNames = {}): { message: string; exitCode: number } {
  if (err instanceof CliError) return { message: err.message, exitCode: err.exitCode };
  if (!(err instanceof ConnectError)) return { message: err instanceof Error ? err.message : String(err), exitCode: EXIT.FAILED };
  const svc = serviceOf(err);
  const where = svc ? `the ${svc.name} service at ${svc.url} (${svc.envVar})` : "the service";
  const raw = renameFields(err.rawMessage, fields);
  switch (err.code) {
    case Code.InvalidArgument:
      return { message: raw, exitCode: EXIT.USAGE };
    case Code.NotFound:
      return { message: raw, exitCode: EXIT.FAILED };
    case Code.Unavailable:
      return {
        message: `cannot reach ${where}: ${raw} (is it running? \`sigma dev\` starts every service locally${svc ? `; set ${svc.envVar} to its address` : ""})`,
        exitCode: EXIT.USAGE,
      };
    case Code.Unauthenticated:
    case Code.PermissionDenied:
      return {
        message: `${where} refused the credentials: ${raw} (set SIGMA_TOKEN, or SIGMA_JWT_SECRET to mint an admin token)`,
        exitCode: EXIT.USAGE,
      };
    case Code.Unimplemented:
      return { message: `not available yet: ${raw}`, exitCode: EXIT.FAILED };
    case Code.DeadlineExceeded:
      return { message: `${where} did not answer in time: ${raw}`, exitCode: EXIT.FAILED };
    default:
      return { message: `${where} failed (${Code[err.code]}): ${raw}`, exitCode: EXIT.FAILED };
  }
}

function renameFields(message: string, fields: FieldNames): string {
  let out = message;
  for (const [field, flag] of Object.entries(fields)) out = out.replace(new RegExp(`\\b${field}\\b`, "g"), flag);
  return out;
}

/** Wraps an error so it carries this command's field → flag names (see {@link explain}). */
export function withFields(err: unknown, fields: FieldNames): CliError {
  const { message, exitCode } = explain(err, fields);
  return new CliError(message, exitCode);
}

/** Runs `fn`, naming this command's flags (not the request fields) in any error it raises. */
export async function flagged<T>(fields: FieldNames, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw withFields(err, fields);
  }
}
