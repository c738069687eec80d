/**
 * Bearer-JWT authentication (HS256, shared secret SIGMA_JWT_SECRET) and role checks.
 *
 * Tokens carry `sub` and `roles` (["user"] or ["user","admin"]). The interceptor verifies the
 * token and stores the principal under `principalKey`; handlers call `requirePrincipal(ctx)` or
 * `requireAdmin(ctx)`. Health and reflection are always anonymous.
 */
import { Code, ConnectError, type HandlerContext, type Interceptor } from "@connectrpc/connect";
import { SignJWT, jwtVerify, errors as joseErrors } from "jose";
import { isInfrastructureService, principalKey, type Principal, type Role } from "./context.js";
import { loadRuntimeLimits } from "./limits.js";

/**
 * How a server authenticates callers.
 * - `jwt`: every non-infrastructure RPC needs `authorization: Bearer <HS256 JWT>`.
 *   Tokens must carry `exp` and `iat` with exp − iat ≤ `maxTtlSeconds` (default SIGMA_JWT_MAX_TTL,
 *   24 h): a token that never expires or lives longer is refused.
 * - `dev`: no check; every caller is `{ sub: "dev", roles: ["user","admin"] }`. Must be chosen
 *   explicitly (never a fallback for a missing secret); `serve()` logs a loud warning.
 */
export type AuthConfig = { mode: "jwt"; secret: string; maxTtlSeconds?: number } | { mode: "dev" };

/** The principal every caller gets in dev mode. */
export const DEV_PRINCIPAL: Principal = Object.freeze({ sub: "dev", roles: Object.freeze(["user", "admin"] as Role[]) });

/** The only algorithm accepted: pinning it prevents "alg: none" and key-confusion attacks. */
const ALG = "HS256";
/** Shorter secrets make HS256 brute-forceable; refuse them at start-up. */
const MIN_SECRET_BYTES = 32;

function secretKey(secret: string): Uint8Array {
  const key = new TextEncoder().encode(secret);
  if (key.length < MIN_SECRET_BYTES) {
    throw new Error(`JWT secret must be at least ${MIN_SECRET_BYTES} bytes (got ${key.length})`);
  }
  return key;
}

/**
 * Validates an auth config at start-up.
 *
 * @throws Error when the mode is unknown or the jwt secret is shorter than 32 bytes.
 */
export function validateAuthConfig(auth: AuthConfig): void {
  if (auth.mode === "jwt") secretKey(auth.secret);
  else if (auth.mode !== "dev") throw new Error(`unknown auth mode ${JSON.stringify((auth as { mode: unknown }).mode)}`);
}

/**
 * Signs a token for `sub` with `roles` (used by the CLI, tests and service-to-service calls).
 *
 * @param secret The shared HS256 secret (>= 32 bytes).
 * @param sub Subject (user id).
 * @param roles ["user"] or ["user","admin"]; "user" is added when missing.
 * @param ttl Lifetime: seconds (number) or a jose time span string such as "1h", "15m".
 * @returns The compact JWT.
 * @throws Error on a short secret.
 */
export async function issueToken(
  secret: string,
  sub: string,
  roles: readonly Role[] = ["user"],
  ttl: number | string = "1h",
): Promise<string> {
  const allRoles = roles.includes("user") ? [...roles] : ["user", ...roles];
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ roles: allRoles })
    .setProtectedHeader({ alg: ALG, typ: "JWT" })
    .setSubject(sub)
    .setIssuedAt(now)
    .setExpirationTime(typeof ttl === "number" ? now + ttl : ttl)
    .sign(secretKey(secret));
}

/**
 * Verifies a compact JWT and returns its principal.
 *
 * @param maxTtlSeconds - longest accepted lifetime exp − iat (default SIGMA_JWT_MAX_TTL, 24 h).
 * @throws ConnectError Unauthenticated when the signature, algorithm, expiry or claims are bad
 *   (`exp` and `iat` are required and exp − iat must not exceed `maxTtlSeconds`; `sub` must be a
 *   non-empty string; `roles` an array of "user"/"admin" containing "user").
 */
export async function verifyToken(secret: string, token: string, maxTtlSeconds?: number): Promise<Principal> {
  const maxTtl = maxTtlSeconds ?? loadRuntimeLimits().jwtMaxTtlSeconds;
  let payload;
  try {
    // requiredClaims: a token without exp would otherwise be valid forever (and grant admin forever).
    ({ payload } = await jwtVerify(token, secretKey(secret), { algorithms: [ALG], requiredClaims: ["exp", "iat"] }));
  } catch (e) {
    // The reason (expired vs bad signature) helps the caller fix their setup and reveals nothing secret.
    const reason =
      e instanceof joseErrors.JWTExpired
        ? "token expired"
        : e instanceof joseErrors.JWTClaimValidationFailed && (e.claim === "exp" || e.claim === "iat")
          ? `invalid token: missing ${e.claim} claim (tokens must expire)`
          : "invalid token";
    throw new ConnectError(reason, Code.Unauthenticated, undefined, undefined, e);
  }
  const { exp, iat } = payload as { exp: number; iat: number };
  if (exp - iat > maxTtl) {
    throw new ConnectError(
      `invalid token: lifetime ${exp - iat} s exceeds the maximum ${maxTtl} s (SIGMA_JWT_MAX_TTL)`,
      Code.Unauthenticated,
    );
  }
  const { sub, roles } = payload as { sub?: unknown; roles?: unknown };
  if (typeof sub !== "string" || sub === "") {
    throw new ConnectError("invalid token: missing sub", Code.Unauthenticated);
  }
  if (!Array.isArray(roles) || !roles.every((r): r is Role => r === "user" || r === "admin") || !roles.includes("user")) {
    throw new ConnectError("invalid token: bad roles claim", Code.Unauthenticated);
  }
  return { sub, roles };
}

/**
 * Creates the server interceptor enforcing `auth`.
 *
 * Health and reflection RPCs pass without a principal. In jwt mode a missing header, a
 * non-Bearer scheme or an invalid token fails with UNAUTHENTICATED before the handler runs.
 *
 * @throws Error (at creation) when the config is invalid, see `validateAuthConfig`.
 */
export function authInterceptor(auth: AuthConfig): Interceptor {
  validateAuthConfig(auth);
  const maxTtl = auth.mode === "jwt" ? (auth.maxTtlSeconds ?? loadRuntimeLimits().jwtMaxTtlSeconds) : 0;
  return (next) => async (req) => {
    if (isInfrastructureService(req.service.typeName)) return next(req);
    req.contextValues.set(principalKey, await authenticate(auth, req.header.get("authorization"), maxTtl));
    return next(req);
  };
}

/**
 * The principal of an `Authorization` header value: the one authentication path of RPCs (see
 * {@link authInterceptor}) and of plain HTTP endpoints such as the status web API. The scheme
 * `Bearer` is matched case-insensitively.
 *
 * @param auth - the server's auth config; in dev mode every caller is {@link DEV_PRINCIPAL}
 * @param header - the header value (undefined / null when absent)
 * @throws ConnectError Unauthenticated for a missing header, another scheme or a bad token
 */
export async function authenticate(auth: AuthConfig, header: string | null | undefined, maxTtlSeconds?: number): Promise<Principal> {
  if (auth.mode === "dev") return DEV_PRINCIPAL;
  if (!header) throw new ConnectError("missing bearer token", Code.Unauthenticated);
  // The scheme is case-insensitive (RFC 9110 §11.1): "bearer" and "BEARER" are accepted.
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw new ConnectError("authorization header is not a bearer token", Code.Unauthenticated);
  return verifyToken(auth.secret, m[1]!, maxTtlSeconds ?? auth.maxTtlSeconds ?? loadRuntimeLimits().jwtMaxTtlSeconds);
}

/**
 * The authenticated principal of the RPC.
 *
 * @throws ConnectError Unauthenticated when there is none (anonymous RPC or no auth interceptor).
 */
export function requirePrincipal(ctx: Pick<HandlerContext, "values">): Principal {
  const p = ctx.values.get(principalKey);
  if (!p) throw new ConnectError("authentication required", Code.Unauthenticated);
  return p;
}

/**
 * The principal of the RPC, which must hold the admin role.
 *
 * @throws ConnectError Unauthenticated without a principal, PermissionDenied without "admin".
 */
export function requireAdmin(ctx: Pick<HandlerContext, "values">): Principal {
  const p = requirePrincipal(ctx);
  if (!p.roles.includes("admin")) throw new ConnectError("admin role required", Code.PermissionDenied);
  return p;
}

/** True when `p` holds the admin role (for "owner or admin" checks). */
export function isAdmin(p: Principal): boolean {
  return p.roles.includes("admin");
}
