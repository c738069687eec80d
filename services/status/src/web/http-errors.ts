import { Code, type ConnectError } from "@connectrpc/connect";
import { toConnectError } from "@sigma/runtime";

/**
 * HTTP status of each RPC code: the Connect protocol's table
 * (https://connectrpc.com/docs/protocol#error-codes), so the web API answers an error with the
 * status a Connect client of the same RPC would see.
 */
export const HTTP_STATUS_OF_CODE: Readonly<Record<Code, number>> = {
  [Code.Canceled]: 499,
  [Code.Unknown]: 500,
  [Code.InvalidArgument]: 400,
  [Code.DeadlineExceeded]: 504,
  [Code.NotFound]: 404,
  [Code.AlreadyExists]: 409,
  [Code.PermissionDenied]: 403,
  [Code.ResourceExhausted]: 429,
  [Code.FailedPrecondition]: 400,
  [Code.Aborted]: 409,
  [Code.OutOfRange]: 400,
  [Code.Unimplemented]: 501,
  [Code.Internal]: 500,
  [Code.Unavailable]: 503,
  [Code.DataLoss]: 500,
  [Code.Unauthenticated]: 401,
};

/** The web API's error answer: the HTTP status, and the body `{ code, message }`. */
export interface HttpErrorAnswer {
  readonly status: number;
  readonly body: { readonly code: string; readonly message: string };
  /** The mapped error; its cause is what the server log needs for a 5xx. */
  readonly error: ConnectError;
}

/**
 * Maps any thrown value exactly as the RPC error interceptor does (`toConnectError`: domain
 * errors to their codes, anything unknown to INTERNAL with a generic message), then to HTTP.
 */
export function httpErrorAnswer(err: unknown): HttpErrorAnswer {
  const error = toConnectError(err);
  return {
    status: HTTP_STATUS_OF_CODE[error.code] ?? 500,
    body: { code: codeName(error.code), message: error.rawMessage },
    error,
  };
}

/** "not_found" for Code.NotFound: the Connect protocol's JSON spelling. */
export function codeName(code: Code): string {
  return (Code[code] ?? "unknown").replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
}

/** True for codes that mean a server fault (logged with their cause). */
export function isServerFault(error: ConnectError): boolean {
  return error.code === Code.Internal || error.code === Code.Unknown || error.code === Code.DataLoss;
}
