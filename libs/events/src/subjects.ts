/**
 * The only place NATS subjects and the event stream's name live (SPEC §5; STYLE: subjects lowercase,
 * dotted, versioned). Everything else asks this module for names.
 *
 * Layout: `<prefix>.run.<runId>` with the default prefix `sigma.events.v1`; the stream captures
 * `<prefix>.>`. Tests override the prefix and the stream name so parallel runs never share either.
 */

/** Default JetStream stream holding every run event. */
export const DEFAULT_STREAM_NAME = "SIGMA_EVENTS";
/** Default subject prefix: product, domain and contract version. */
export const DEFAULT_SUBJECT_PREFIX = "sigma.events.v1";
/** Default retention: 30 days, enough to rebuild status projections after any outage we plan for. */
export const DEFAULT_MAX_AGE_MS = 30 * 24 * 60 * 60 * 1000;
/** Default de-duplication window for `msgID` (`run_id:run_seq`): covers publisher retries after reconnects. */
export const DEFAULT_DUPLICATE_WINDOW_MS = 5 * 60 * 1000;

/** Where events are stored and under which subjects. */
export interface EventStreamConfig {
  /** JetStream stream name (`[A-Za-z0-9_-]+`). */
  readonly name: string;
  /** Dotted subject prefix, e.g. `sigma.events.v1` (lowercase tokens; no wildcards). */
  readonly subjectPrefix: string;
  /** Messages older than this are discarded (milliseconds). */
  readonly maxAgeMs: number;
  /** Window in which a repeated msgID is dropped as a duplicate (milliseconds). */
  readonly duplicateWindowMs: number;
  /** Stream replicas (1 on a single server). */
  readonly replicas: number;
}

const STREAM_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const SUBJECT_TOKEN = /^[a-z0-9_-]+$/;
/** Run ids become one subject token: no dots, wildcards or whitespace (UUIDs and ULIDs qualify). */
const RUN_ID_TOKEN = /^[A-Za-z0-9_-]+$/;

/**
 * Builds a validated stream config from defaults plus overrides.
 *
 * @param overrides - any subset of fields; tests pass a unique `name` and `subjectPrefix`.
 * @returns the complete config.
 * @throws TypeError for an invalid stream name or prefix, or a non-positive duration/replica count.
 */
export function eventStreamConfig(overrides: Partial<EventStreamConfig> = {}): EventStreamConfig {
  const cfg: EventStreamConfig = {
    name: DEFAULT_STREAM_NAME,
    subjectPrefix: DEFAULT_SUBJECT_PREFIX,
    maxAgeMs: DEFAULT_MAX_AGE_MS,
    duplicateWindowMs: DEFAULT_DUPLICATE_WINDOW_MS,
    replicas: 1,
    ...overrides,
  };
  if (!STREAM_NAME.test(cfg.name)) throw new TypeError(`invalid stream name ${JSON.stringify(cfg.name)}`);
  if (!cfg.subjectPrefix.split(".").every((t) => SUBJECT_TOKEN.test(t))) {
    throw new TypeError(`invalid subject prefix ${JSON.stringify(cfg.subjectPrefix)}: lowercase dotted tokens expected`);
  }
  for (const [key, value] of [
    ["maxAgeMs", cfg.maxAgeMs],
    ["duplicateWindowMs", cfg.duplicateWindowMs],
    ["replicas", cfg.replicas],
  ] as const) {
    if (!Number.isInteger(value) || value <= 0) throw new TypeError(`${key} must be a positive integer, got ${value}`);
  }
  return cfg;
}

/**
 * Subject of one run's events: `<prefix>.run.<runId>`.
 *
 * @param cfg - stream config (for the prefix).
 * @param runId - the run's id; must be a single subject token.
 * @throws TypeError when the run id is empty or contains `.`, `*`, `>` or whitespace.
 */
export function runSubject(cfg: EventStreamConfig, runId: string): string {
  if (!RUN_ID_TOKEN.test(runId)) throw new TypeError(`run id ${JSON.stringify(runId)} cannot be a subject token`);
  return `${cfg.subjectPrefix}.run.${runId}`;
}

/**
 * Subject filter capturing every event of the stream: `<prefix>.>` (the stream's only subject).
 *
 * @param cfg - stream config.
 */
export function streamSubjectFilter(cfg: EventStreamConfig): string {
  return `${cfg.subjectPrefix}.>`;
}

/**
 * Extracts the run id from a run subject.
 *
 * @returns the run id, or undefined when the subject is not a run subject of this prefix.
 */
export function runIdFromSubject(cfg: EventStreamConfig, subject: string): string | undefined {
  const head = `${cfg.subjectPrefix}.run.`;
  if (!subject.startsWith(head)) return undefined;
  const id = subject.slice(head.length);
  return RUN_ID_TOKEN.test(id) ? id : undefined;
}
