import { type AuthConfig, issueToken, validateAuthConfig } from "./auth.js";
import { ConfigError, type ConfigProblem, defineConfig, loadConfig } from "./config.js";

/** Default gRPC ports of the six services (README service table; `sigma dev` uses them too). */
export const DEFAULT_PORTS = {
  coordinator: 50051,
  "market-data": 50052,
  factor: 50053,
  snapshot: 50054,
  risk: 50055,
  status: 50056,
} as const;

/** A service name with a default port. */
export type ServiceName = keyof typeof DEFAULT_PORTS;

/** The default gRPC base URL of a service on this machine (used as the default of `SIGMA_<NAME>_URL`). */
export function defaultServiceUrl(service: ServiceName): string {
  return `http://127.0.0.1:${DEFAULT_PORTS[service]}`;
}

/** Settings every service reads from its environment. */
export interface BaseServiceEnv {
  port: number;
  host: string;
  logLevel: string;
  auth: AuthConfig;
}

const baseSpec = defineConfig({
  port: { env: "PORT", kind: "port", description: "gRPC/Connect listen port" },
  host: { env: "HOST", kind: "string", default: "0.0.0.0", description: "listen address" },
  logLevel: { env: "LOG_LEVEL", kind: "enum", values: ["trace", "debug", "info", "warn", "error", "fatal", "silent"], default: "info" },
  authMode: {
    env: "SIGMA_AUTH",
    kind: "enum",
    values: ["jwt", "dev"],
    default: "jwt",
    description: "jwt (bearer tokens) or dev (everyone is admin; explicit opt-in)",
  },
  jwtSecret: { env: "SIGMA_JWT_SECRET", kind: "string", description: "HS256 secret (>= 32 bytes), required when SIGMA_AUTH=jwt" },
});

/**
 * Reads the settings shared by every service (PORT, HOST, LOG_LEVEL, SIGMA_AUTH,
 * SIGMA_JWT_SECRET) and validates them together with `extra` problems, so one start-up error
 * lists every missing or bad variable.
 *
 * @throws ConfigError listing every problem.
 */
export function loadBaseServiceEnv(
  service: ServiceName,
  env: Readonly<Record<string, string | undefined>> = process.env,
  extraProblems: ConfigProblem[] = [],
): BaseServiceEnv {
  const problems: ConfigProblem[] = [...extraProblems];
  let cfg: ReturnType<typeof loadConfig<typeof baseSpec>> | undefined;
  try {
    cfg = loadConfig(baseSpec, env);
  } catch (err) {
    if (err instanceof ConfigError) problems.push(...err.problems);
    else throw err;
  }
  let auth: AuthConfig = { mode: "dev" };
  // Read from the raw values so the secret is checked even when another variable is bad.
  const authMode = env.SIGMA_AUTH || "jwt";
  const jwtSecret = env.SIGMA_JWT_SECRET;
  if (authMode === "jwt") {
    if (!jwtSecret)
      problems.push({ env: "SIGMA_JWT_SECRET", problem: "required when SIGMA_AUTH=jwt (set SIGMA_AUTH=dev to run without auth)" });
    else {
      auth = { mode: "jwt", secret: jwtSecret };
      try {
        validateAuthConfig(auth);
      } catch (err) {
        problems.push({ env: "SIGMA_JWT_SECRET", problem: (err as Error).message });
      }
    }
  }
  if (problems.length || !cfg) throw new ConfigError(problems);
  return { port: cfg.port ?? DEFAULT_PORTS[service], host: cfg.host, logLevel: cfg.logLevel, auth };
}

/**
 * A bearer-token source for service-to-service calls: in JWT mode it mints (and caches until
 * shortly before expiry) an admin token for `subject`; in dev mode it returns undefined.
 */
export function serviceTokenSource(auth: AuthConfig, subject: string): (() => Promise<string>) | undefined {
  if (auth.mode !== "jwt") return undefined;
  let cached: { token: string; expiresAt: number } | undefined;
  return async () => {
    if (!cached || Date.now() > cached.expiresAt) {
      cached = { token: await issueToken(auth.secret, subject, ["user", "admin"], "1h"), expiresAt: Date.now() + 50 * 60_000 };
    }
    return cached.token;
  };
}

/**
 * Loads the shared service settings plus a service-specific spec in one go, so the start-up
 * error lists every missing or bad variable of both.
 *
 * @throws ConfigError listing every problem.
 */
export function loadServiceConfig<const S extends Parameters<typeof loadConfig>[0]>(
  service: ServiceName,
  spec: S,
  env: Readonly<Record<string, string | undefined>> = process.env,
  check?: (cfg: ReturnType<typeof loadConfig<S>> | undefined) => ConfigProblem[],
): { base: BaseServiceEnv; cfg: ReturnType<typeof loadConfig<S>> } {
  let cfg: ReturnType<typeof loadConfig<S>> | undefined;
  const problems: ConfigProblem[] = [];
  try {
    cfg = loadConfig(spec, env);
  } catch (err) {
    if (err instanceof ConfigError) problems.push(...err.problems);
    else throw err;
  }
  // Rules across variables (e.g. SIGMA_PRICES=http needs SIGMA_POLYGON_API_KEY) join the same list;
  // `check` sees undefined when a variable failed to parse.
  if (check) problems.push(...check(cfg));
  const base = loadBaseServiceEnv(service, env, problems);
  return { base, cfg: cfg! };
}

/** Exit code of a process that refused to start because of its configuration. */
export const CONFIG_EXIT_CODE = 2;

/**
 * Runs a configuration loader at start-up. On a {@link ConfigError} it prints every problem (the
 * error's message, no stack trace: the operator needs the list, not our call stack) to stderr and
 * exits with {@link CONFIG_EXIT_CODE}; any other error propagates.
 *
 * @param name Process name printed before the list, e.g. "factor".
 * @param load The loader, e.g. `() => loadFactorConfig()`.
 * @returns the loaded configuration.
 */
export function loadConfigOrExit<T>(name: string, load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${name}: ${err.message}\n`);
    process.exit(CONFIG_EXIT_CODE);
  }
}
