/**
 * Process-wide limits every server and client applies by default, read from the environment so a
 * deployment can tune them without code: the RPC retry budget, the maximum request size and the
 * maximum JWT lifetime. Explicit options of serve()/createServiceClient()/AuthConfig win.
 */
import { ConfigError, defineConfig, loadConfig } from "./config.js";

/** The limits and their defaults. */
export interface RuntimeLimits {
  /** How long a client keeps retrying transport failures of an idempotent call (ms). */
  rpcRetryBudgetMs: number;
  /** Largest accepted request message (bytes); larger ones are refused with RESOURCE_EXHAUSTED. */
  maxRequestBytes: number;
  /** Longest accepted token lifetime exp − iat (seconds). */
  jwtMaxTtlSeconds: number;
}

/** 16 MiB: a 10 MB portfolio CSV plus protobuf framing fits. */
export const DEFAULT_MAX_REQUEST_BYTES = 16 * 1024 * 1024;
/** About a minute: long enough to ride out a service restart. */
export const DEFAULT_RPC_RETRY_BUDGET_MS = 60_000;
/** 24 h. */
export const DEFAULT_JWT_MAX_TTL_SECONDS = 24 * 3600;

const spec = defineConfig({
  rpcRetryBudgetMs: {
    env: "SIGMA_RPC_RETRY_BUDGET_MS",
    kind: "int",
    min: 0,
    default: DEFAULT_RPC_RETRY_BUDGET_MS,
    description: "how long clients retry transport failures of idempotent calls (ms; 0 = no retry)",
  },
  maxRequestBytes: {
    env: "SIGMA_MAX_REQUEST_BYTES",
    kind: "int",
    min: 1024,
    default: DEFAULT_MAX_REQUEST_BYTES,
    description: "largest accepted request message in bytes",
  },
  jwtMaxTtl: {
    env: "SIGMA_JWT_MAX_TTL",
    kind: "string",
    default: "24h",
    description: "longest accepted token lifetime (exp - iat): seconds or 90s/15m/24h/7d",
  },
});

/**
 * Parses a duration "3600", "90s", "15m", "24h" or "7d" into seconds.
 *
 * @returns seconds (> 0), or undefined when the text is not such a duration.
 */
export function parseDurationSeconds(text: string): number | undefined {
  const m = /^\s*(\d+)\s*([smhd]?)\s*$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]) * ({ "": 1, s: 1, m: 60, h: 3600, d: 86400 } as const)[m[2] as "" | "s" | "m" | "h" | "d"];
  return n > 0 && Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Reads the limits from `env` (defaults for unset variables).
 *
 * @throws ConfigError naming every malformed variable.
 */
export function loadRuntimeLimits(env: Readonly<Record<string, string | undefined>> = process.env): RuntimeLimits {
  const cfg = loadConfig(spec, { ...env });
  const jwtMaxTtlSeconds = parseDurationSeconds(cfg.jwtMaxTtl);
  if (jwtMaxTtlSeconds === undefined) {
    throw new ConfigError([
      { env: "SIGMA_JWT_MAX_TTL", problem: `not a duration: ${JSON.stringify(cfg.jwtMaxTtl)}`, description: spec.jwtMaxTtl.description },
    ]);
  }
  return { rpcRetryBudgetMs: cfg.rpcRetryBudgetMs, maxRequestBytes: cfg.maxRequestBytes, jwtMaxTtlSeconds };
}
