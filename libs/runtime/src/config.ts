/**
 * Validated configuration from environment variables.
 *
 * A service declares every variable it reads in one spec object; `loadConfig` validates the
 * whole spec at once, so a misconfigured deployment fails at start-up with ONE error listing
 * every missing or malformed variable instead of failing one variable per restart.
 */
import { parsePeerUrl } from "./peer-url.js";

/** The kinds of values a config field can hold, and the TypeScript type each parses to. */
export interface ConfigKinds {
  /** Any string (empty only when explicitly allowed by a default of ""). */
  string: string;
  /** A base-10 integer (safe integer range). */
  int: number;
  /** A TCP port 0..65535 (0 means "pick a free port"). */
  port: number;
  /** An absolute URL (parsed with WHATWG `URL`); kept as the original string. */
  url: string;
  /** A peer URL: http(s)://host:port, grpc+lb://ip1:port1,ip2:port2 or dns:///name:port (see `parsePeerUrl`). */
  peer: string;
  /** true/false, 1/0, yes/no, on/off (case-insensitive). */
  bool: boolean;
  /** One of `values` (exact match). */
  enum: string;
  /** A calendar date `YYYY-MM-DD` that exists (e.g. 2021-02-30 is rejected); kept as the string. */
  date: string;
}

/** The name of a config kind. */
export type ConfigKind = keyof ConfigKinds;

/** Definition of one configuration field. */
export interface FieldSpec<K extends ConfigKind = ConfigKind> {
  /** Environment variable name, UPPER_SNAKE (e.g. `DATABASE_URL`). */
  env: string;
  /** How to parse and validate the raw value. */
  kind: K;
  /**
   * When true, a missing/empty variable is an error. When false and no default is given,
   * the field is `undefined` in the result.
   */
  required?: boolean;
  /** Value used when the variable is unset or empty (already typed; not re-validated). */
  default?: ConfigKinds[K];
  /** Allowed values for `kind: "enum"` (required for that kind). */
  values?: readonly string[];
  /** Human description, printed next to errors and by `describeConfig`. */
  description?: string;
  /** Inclusive bounds for `int`. */
  min?: number;
  max?: number;
}

/** A config spec: result key -> field definition. */
export type ConfigSpec = Record<string, FieldSpec>;

/** The typed result of `loadConfig(spec)`: required or defaulted fields are always present. */
export type ConfigOf<S extends ConfigSpec> = {
  [P in keyof S]: S[P] extends FieldSpec<infer K>
    ? S[P] extends { required: true } | { default: unknown }
      ? ConfigKinds[K]
      : ConfigKinds[K] | undefined
    : never;
};

/** One problem found while validating configuration. */
export interface ConfigProblem {
  /** The environment variable name. */
  env: string;
  /** What is wrong, e.g. "missing (required)" or "not an integer: \"abc\"". */
  problem: string;
  /** The field description from the spec, when given. */
  description?: string;
}

/**
 * Thrown by `loadConfig` when one or more variables are missing or invalid. `message` has one
 * line per problem, so printing it tells an operator everything to fix in one go.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  /** Every problem found, in spec order. */
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(
      `invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  ${p.env}: ${p.problem}${p.description ? ` — ${p.description}` : ""}`).join("\n"),
    );
    this.problems = problems;
  }
}

/**
 * Helper that keeps the literal types of a spec (so `ConfigOf` can see `required: true`)
 * while checking its shape.
 *
 * @example
 * const spec = defineConfig({ port: { env: "PORT", kind: "port", default: 8080 } });
 */
export function defineConfig<const S extends ConfigSpec>(spec: S): S {
  return spec;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const INT_RE = /^[+-]?\d+$/;
const TRUE_WORDS = new Set(["true", "1", "yes", "on"]);
const FALSE_WORDS = new Set(["false", "0", "no", "off"]);

/**
 * Parses one raw (non-empty) value according to `field`.
 *
 * @returns `{ value }` on success or `{ problem }` describing why the value is invalid.
 */
function parseValue(field: FieldSpec, raw: string): { value: unknown } | { problem: string } {
  switch (field.kind) {
    case "string":
      return { value: raw };
    case "int":
    case "port": {
      if (!INT_RE.test(raw.trim())) return { problem: `not an integer: ${JSON.stringify(raw)}` };
      const n = Number(raw.trim());
      if (!Number.isSafeInteger(n)) return { problem: `integer out of range: ${raw}` };
      const min = field.kind === "port" ? 0 : field.min;
      const max = field.kind === "port" ? 65535 : field.max;
      if (min !== undefined && n < min) return { problem: `must be >= ${min}, got ${n}` };
      if (max !== undefined && n > max) return { problem: `must be <= ${max}, got ${n}` };
      return { value: n };
    }
    case "url":
      try {
        new URL(raw);
        return { value: raw };
      } catch {
        return { problem: `not an absolute URL: ${JSON.stringify(raw)}` };
      }
    case "peer":
      try {
        parsePeerUrl(raw);
        return { value: raw.trim() };
      } catch (e) {
        return { problem: (e as Error).message };
      }
    case "bool": {
      const w = raw.trim().toLowerCase();
      if (TRUE_WORDS.has(w)) return { value: true };
      if (FALSE_WORDS.has(w)) return { value: false };
      return { problem: `not a boolean (true/false/1/0/yes/no/on/off): ${JSON.stringify(raw)}` };
    }
    case "enum": {
      const values = field.values ?? [];
      if (values.includes(raw)) return { value: raw };
      return { problem: `must be one of ${values.join("|")}, got ${JSON.stringify(raw)}` };
    }
    case "date": {
      const m = DATE_RE.exec(raw);
      if (m) {
        const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
        const t = new Date(Date.UTC(y, mo - 1, d));
        // Round-trip check rejects impossible dates such as 2021-02-30 that Date would roll over.
        if (t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d) {
          return { value: raw };
        }
      }
      return { problem: `not a valid date YYYY-MM-DD: ${JSON.stringify(raw)}` };
    }
  }
}

/**
 * Reads and validates every field of `spec` from `env`.
 *
 * An unset or empty variable takes the field's default; without a default it is a problem if
 * `required`, else `undefined`. Every field is checked before throwing.
 *
 * @param spec Field definitions keyed by result property name (use `defineConfig` for typing).
 * @param env The environment to read (defaults to `process.env`; tests pass a plain object).
 * @returns The typed configuration object.
 * @throws ConfigError listing every missing/invalid variable, one line each.
 * @throws Error when the spec itself is malformed (an enum field without `values`).
 */
export function loadConfig<const S extends ConfigSpec>(spec: S, env: Record<string, string | undefined> = process.env): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];
  for (const [key, field] of Object.entries(spec)) {
    if (field.kind === "enum" && (!field.values || field.values.length === 0)) {
      // A programming error, not an operator error: fail loudly and separately.
      throw new Error(`config spec field "${key}" (${field.env}) is an enum without values`);
    }
    const raw = env[field.env];
    if (raw === undefined || raw === "") {
      if (field.default !== undefined) out[key] = field.default;
      else if (field.required) {
        problems.push({ env: field.env, problem: "missing (required)", description: field.description });
      } else out[key] = undefined;
      continue;
    }
    const parsed = parseValue(field, raw);
    if ("problem" in parsed) {
      problems.push({ env: field.env, problem: parsed.problem, description: field.description });
    } else out[key] = parsed.value;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as ConfigOf<S>;
}

/**
 * Renders a spec as help text: one line per variable with kind, requirement/default and
 * description (for `--help` output and READMEs).
 */
export function describeConfig(spec: ConfigSpec): string {
  return Object.values(spec)
    .map((f) => {
      const kind = f.kind === "enum" ? `enum(${(f.values ?? []).join("|")})` : f.kind;
      const req = f.default !== undefined ? `default ${JSON.stringify(f.default)}` : f.required ? "required" : "optional";
      return `${f.env} (${kind}, ${req})${f.description ? `: ${f.description}` : ""}`;
    })
    .join("\n");
}
