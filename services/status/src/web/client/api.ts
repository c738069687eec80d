/** The web app's calls to its server (same origin), with the session's bearer token. */

/** sessionStorage key of the bearer token (set by the sign-in form or a `#token=` link). */
export const TOKEN_KEY = "sigma-token";

/** An error answer of the web API: `{ code, message }` (the RPC error code and its message). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Reads an error answer into an {@link ApiError}. */
export async function apiError(res: Response): Promise<ApiError> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as { code?: string; message?: string };
    return new ApiError(res.status, body.code ?? "unknown", body.message ?? text);
  } catch {
    return new ApiError(res.status, "unknown", text || `HTTP ${res.status}`);
  }
}

/**
 * The session token: a `#token=JWT` fragment is moved into sessionStorage (and removed from the
 * address bar, so it is neither bookmarked nor shared by accident).
 */
export function sessionToken(): string | null {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m?.[1]) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

/** Request headers with the session's bearer token. */
export function authHeaders(extra: Record<string, string> = {}): Record<string, string> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { ...extra, Authorization: `Bearer ${token}` } : extra;
}

/** GET (or another method) returning JSON; throws {@link ApiError} for an error answer. */
export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(path, { ...init, headers: authHeaders((init.headers as Record<string, string>) ?? {}) });
  if (!res.ok) throw await apiError(res);
  return (await res.json()) as T;
}

/** Text of any thrown value. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
