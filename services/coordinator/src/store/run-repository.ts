import { quoteIdent, retryTransientFailures } from "@sigma/db";
import type { DataSource } from "typeorm";
import type { EntityManager } from "typeorm";
import type { FinalEventEncoder, LeaseResult, LeaseRow, OutboxEvent, OutboxStore, RunStore, SaveResult } from "../domain/ports.js";
import { isRunId, type RunRecord, type RunSourceText, type RunStatusText } from "../domain/run-record.js";

const SOURCES: ReadonlySet<string> = new Set<RunSourceText>(["cron", "onboarding", "admin", "manual"]);

/** A stored source, or "manual" for a value this version does not know. */
function sourceFromText(text: string): RunSourceText {
  return SOURCES.has(text) ? (text as RunSourceText) : "manual";
}

export type { LeaseResult, LeaseRow } from "../domain/ports.js";

const GLOBAL = "global";

/** True when two lease scope keys overlap: the global scope overlaps everything. */
export function scopesOverlap(a: string, b: string): boolean {
  return a === GLOBAL || b === GLOBAL || a === b;
}

function toDateText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  return String(v).slice(0, 10);
}

function rowToRun(r: Record<string, unknown>): RunRecord {
  return {
    id: String(r.id),
    source: sourceFromText(String(r.source)),
    scope: String(r.scope),
    portfolioId: (r.portfolio_id as string | null) ?? "",
    requestedStartDate: toDateText(r.requested_start_date),
    requestedEndDate: toDateText(r.requested_end_date),
    forceRerun: Boolean(r.force_rerun),
    status: r.status as RunStatusText,
    asOf: (r.as_of as string | null) ?? "",
    targetDate: toDateText(r.target_date),
    startDate: toDateText(r.start_date),
    endDate: toDateText(r.end_date),
    datesTotal: Number(r.dates_total),
    datesCompleted: Number(r.dates_completed),
    datesFailed: Number(r.dates_failed),
    phases: r.phases as RunRecord["phases"],
    problems: r.problems as RunRecord["problems"],
    problemsOmitted: Number(r.problems_omitted ?? 0),
    warnings: r.warnings as string[],
    errorSummary: String(r.error_summary ?? ""),
    // Events not yet in the stream: those still in the outbox, plus any that never reached it.
    eventsUndelivered: Number(r.events_undelivered) + Number(r.outbox_pending ?? 0),
    holder: String(r.holder),
    startedAt: new Date(r.started_at as string),
    heartbeatAt: new Date(r.heartbeat_at as string),
    finishedAt: r.finished_at ? new Date(r.finished_at as string) : null,
  };
}

/** Every runs column, with dates as text so no time zone can shift them (schema-qualified outbox count added per query). */
const RUN_COLUMNS = `id, source, scope, portfolio_id, requested_start_date::text AS requested_start_date,
  requested_end_date::text AS requested_end_date, force_rerun, status, as_of, target_date::text AS target_date,
  start_date::text AS start_date, end_date::text AS end_date, dates_total, dates_completed, dates_failed, phases,
  problems, problems_omitted, warnings, error_summary, events_undelivered, holder, started_at, heartbeat_at, finished_at`;

/** Rows returned by an UPDATE ... RETURNING through TypeORM (which wraps them as [rows, count]). */
function returnedRows<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === "number") return result[0] as T[];
  return (result as T[]) ?? [];
}

/**
 * SQL expression rewriting a run's `phases` so phases still marked running take `$state` — used
 * when a run is finalized by someone other than its holder (sweep, takeover, offline cancel).
 */
function closePhases(stateParam: string): string {
  return `coalesce((SELECT jsonb_agg(CASE WHEN p->>'state' = 'running' THEN jsonb_set(p, '{state}', to_jsonb(${stateParam}::text)) ELSE p END ORDER BY ord)
            FROM jsonb_array_elements(phases) WITH ORDINALITY AS e(p, ord)), phases)`;
}

const nullIfEmpty = (s: string): string | null => (s ? s : null);

/**
 * Run history, leases and the event outbox in the coordinator's schema. Every write is a single
 * statement or a short transaction with no RPC inside (STACK.md: never hold a transaction across an
 * RPC). Whoever finalizes a run writes its final event to the outbox in the same transaction.
 */
export class RunRepository implements RunStore, OutboxStore {
  private readonly s: string;

  constructor(
    private readonly db: DataSource,
    schema: string,
    /** Encodes the final event of runs finalized here for someone else (sweep, takeover, offline cancel). */
    private readonly finalEvent: FinalEventEncoder,
  ) {
    this.s = quoteIdent(schema);
    // A Postgres restart or dropped connection is retried, then answered UNAVAILABLE (see @sigma/db).
    retryTransientFailures<RunRepository>(
      this,
      [
        "insert",
        "save",
        "appendEvents",
        "peek",
        "remove",
        "outboxCount",
        "addWarning",
        "get",
        "list",
        "heartbeat",
        "requestCancel",
        "failStaleRuns",
        "acquireLease",
        "releaseLeases",
        "takeoversBy",
      ],
      "coordinator store",
    );
  }

  private get columns(): string {
    return `${RUN_COLUMNS}, (SELECT count(*) FROM ${this.s}.outbox o WHERE o.run_id = runs.id)::int AS outbox_pending`;
  }

  private async appendWith(m: Pick<EntityManager, "query"> | DataSource, events: readonly OutboxEvent[]): Promise<void> {
    if (events.length === 0) return;
    await m.query(
      `INSERT INTO ${this.s}.outbox (run_id, run_seq, payload)
       SELECT e.run_id, e.run_seq, e.payload FROM unnest($1::uuid[], $2::bigint[], $3::bytea[]) WITH ORDINALITY AS e(run_id, run_seq, payload, ord)
       ORDER BY e.ord`,
      [events.map((e) => e.runId), events.map((e) => e.runSeq.toString()), events.map((e) => Buffer.from(e.payload))],
    );
  }

  /**
   * Inserts a new run row (written synchronously at run start, SPEC §4) and its first events; times
   * on the database clock. Idempotent (the id is fresh): a retry after a commit whose answer was lost
   * finds the row and writes nothing again.
   */
  async insert(run: RunRecord, events: readonly OutboxEvent[]): Promise<Date> {
    return this.db.transaction(async (m) => {
      const existing = (await m.query(`SELECT started_at FROM ${this.s}.runs WHERE id = $1`, [run.id])) as { started_at: Date | string }[];
      if (existing[0]) return new Date(existing[0].started_at);
      const rows = (await m.query(
        `INSERT INTO ${this.s}.runs (id, source, scope, portfolio_id, requested_start_date, requested_end_date, force_rerun,
           status, as_of, target_date, start_date, end_date, dates_total, dates_completed, dates_failed, phases,
           problems, warnings, error_summary, events_undelivered, holder, started_at, heartbeat_at, finished_at, problems_omitted)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16::jsonb,$17::jsonb,$18::jsonb,$19,$20,$21,now(),now(),NULL,$22)
         RETURNING started_at`,
        [
          run.id,
          run.source,
          run.scope,
          nullIfEmpty(run.portfolioId),
          nullIfEmpty(run.requestedStartDate),
          nullIfEmpty(run.requestedEndDate),
          run.forceRerun,
          run.status,
          nullIfEmpty(run.asOf),
          nullIfEmpty(run.targetDate),
          nullIfEmpty(run.startDate),
          nullIfEmpty(run.endDate),
          run.datesTotal,
          run.datesCompleted,
          run.datesFailed,
          JSON.stringify(run.phases),
          JSON.stringify(run.problems),
          JSON.stringify(run.warnings),
          run.errorSummary,
          run.eventsUndelivered,
          run.holder,
          run.problemsOmitted,
        ],
      )) as { started_at: Date | string }[];
      await this.appendWith(m, events);
      return new Date(rows[0]!.started_at);
    });
  }

  /**
   * Writes the mutable part of a run (after every chunk and at the end) and appends `events` in the
   * same transaction, only while this holder still owns it: a run marked failed by a lease takeover
   * or cancelled offline is never overwritten (and its events are then not written either).
   * `finished_at` is set on the database clock when the status is final.
   */
  async save(run: RunRecord, events: readonly OutboxEvent[]): Promise<SaveResult> {
    return this.db.transaction(async (m) => {
      const rows = returnedRows<{ heartbeat_at: Date | string }>(
        await m.query(
          `UPDATE ${this.s}.runs SET status=$2, dates_total=$3, dates_completed=$4, dates_failed=$5, phases=$6::jsonb,
             problems=$7::jsonb, warnings=$8::jsonb, error_summary=$9, events_undelivered=$10, heartbeat_at=now(),
             finished_at = CASE WHEN $2 = 'running' THEN NULL ELSE now() END, problems_omitted=$12
           WHERE id=$1 AND holder=$11 AND status='running' RETURNING heartbeat_at`,
          [
            run.id,
            run.status,
            run.datesTotal,
            run.datesCompleted,
            run.datesFailed,
            JSON.stringify(run.phases),
            JSON.stringify(run.problems),
            JSON.stringify(run.warnings),
            run.errorSummary,
            run.eventsUndelivered,
            run.holder,
            run.problemsOmitted,
          ],
        ),
      );
      if (rows.length === 0) return { saved: false };
      await this.appendWith(m, events);
      return { saved: true, at: new Date(rows[0]!.heartbeat_at) };
    });
  }

  /** Appends events to the outbox on their own (progress and activity lines between saves). */
  async appendEvents(events: readonly OutboxEvent[]): Promise<void> {
    await this.appendWith(this.db, events);
  }

  /** Oldest outbox rows first (insertion order). */
  async peek(limit: number): Promise<(OutboxEvent & { id: string })[]> {
    const rows = (await this.db.query(
      `SELECT id::text AS id, run_id, run_seq::text AS run_seq, payload FROM ${this.s}.outbox o ORDER BY o.id LIMIT $1`,
      [limit],
    )) as { id: string; run_id: string; run_seq: string; payload: Buffer }[];
    return rows.map((r) => ({ id: r.id, runId: r.run_id, runSeq: BigInt(r.run_seq), payload: new Uint8Array(r.payload) }));
  }

  /** Deletes relayed outbox rows. */
  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length) await this.db.query(`DELETE FROM ${this.s}.outbox WHERE id = ANY($1::bigint[])`, [ids]);
  }

  /** Events of a run still waiting in the outbox. */
  async outboxCount(runId: string): Promise<number> {
    const rows = (await this.db.query(`SELECT count(*)::int AS n FROM ${this.s}.outbox WHERE run_id = $1`, [runId])) as { n: number }[];
    return rows[0]?.n ?? 0;
  }

  /** Appends a warning to a run whatever its status (used after its final save). */
  async addWarning(runId: string, warning: string): Promise<void> {
    await this.db.query(`UPDATE ${this.s}.runs SET warnings = warnings || to_jsonb($2::text) WHERE id = $1`, [runId, warning]);
  }

  /** Reads one run, or null. */
  async get(id: string): Promise<RunRecord | null> {
    if (!isRunId(id)) return null;
    const rows = (await this.db.query(`SELECT ${this.columns} FROM ${this.s}.runs WHERE id = $1`, [id])) as Record<string, unknown>[];
    return rows.length ? rowToRun(rows[0]!) : null;
  }

  /** Lists runs newest first, optionally filtered by status. */
  async list(limit: number, status?: RunStatusText): Promise<RunRecord[]> {
    const rows = (await this.db.query(
      `SELECT ${this.columns} FROM ${this.s}.runs WHERE ($2::text IS NULL OR status = $2) ORDER BY started_at DESC LIMIT $1`,
      [limit, status ?? null],
    )) as Record<string, unknown>[];
    return rows.map(rowToRun);
  }

  /**
   * Refreshes the heartbeat of a run and of its lease (database time, so hosts' clocks do not
   * matter) and reads whether a cancel was requested. `owned` is false when this holder no longer
   * has the lease or the run is no longer running here (taken over, cancelled offline).
   */
  async heartbeat(runId: string, holder: string): Promise<{ owned: boolean; cancelRequested: boolean }> {
    const rows = (await this.db.query(
      `WITH l AS (UPDATE ${this.s}.leases SET heartbeat_at = now() WHERE run_id = $1 AND holder = $2 RETURNING 1),
            r AS (UPDATE ${this.s}.runs SET heartbeat_at = now() WHERE id = $1 AND holder = $2 AND status = 'running'
                  RETURNING cancel_requested)
       SELECT (SELECT count(*) FROM l)::int AS leases, (SELECT count(*) FROM r)::int AS runs,
              coalesce((SELECT bool_or(cancel_requested) FROM r), false) AS cancel_requested`,
      [runId, holder],
    )) as { leases: number; runs: number; cancel_requested: boolean }[];
    const r = rows[0]!;
    return { owned: r.leases > 0 && r.runs > 0, cancelRequested: r.cancel_requested };
  }

  /**
   * Asks the holder of a running run to cancel it. If the run's heartbeat is older than the TTL
   * (its holder is gone) it is marked cancelled here and its leases freed. Returns what happened.
   */
  async requestCancel(runId: string, reason: string, ttlMs: number): Promise<"requested" | "cancelled" | "not_running" | "not_found"> {
    return this.db.transaction(async (m) => {
      const rows = (await m.query(
        `SELECT status, (now() - heartbeat_at) > ($2::int * interval '1 millisecond') AS stale FROM ${this.s}.runs WHERE id = $1 FOR UPDATE`,
        [runId, ttlMs],
      )) as { status: string; stale: boolean }[];
      if (!rows.length) return "not_found" as const;
      if (rows[0]!.status !== "running") return "not_running" as const;
      if (!rows[0]!.stale) {
        await m.query(`UPDATE ${this.s}.runs SET cancel_requested = true WHERE id = $1`, [runId]);
        return "requested" as const;
      }
      await m.query(
        `UPDATE ${this.s}.runs SET status = 'cancelled', finished_at = now(), error_summary = $2, phases = ${closePhases("'cancelled'")} WHERE id = $1`,
        [runId, `${reason} (holder gone: heartbeat stale)`],
      );
      await m.query(`DELETE FROM ${this.s}.leases WHERE run_id = $1`, [runId]);
      await this.appendWith(m, [this.finalEvent(runId, "cancelled", `${reason} (holder gone: heartbeat stale)`)]);
      return "cancelled" as const;
    });
  }

  /**
   * Marks runs still "running" whose heartbeat is older than the TTL as failed ("coordinator lost")
   * and drops their leases. Called at start-up and periodically (SPEC §4 run history). Returns the
   * ids marked.
   */
  // `ownRunIds`: runs executing in the calling process are never swept (their heartbeat may only lag).
  async failStaleRuns(ttlMs: number, ownRunIds: readonly string[] = []): Promise<string[]> {
    return this.db.transaction(async (m) => {
      const rows = returnedRows<{ id: string; error_summary: string }>(
        await m.query(
          `UPDATE ${this.s}.runs SET status='failed', finished_at=now(), phases=${closePhases("'failed'")},
             error_summary = CASE WHEN error_summary = '' THEN 'coordinator lost (heartbeat stale)' ELSE error_summary || '; coordinator lost (heartbeat stale)' END
           WHERE status='running' AND heartbeat_at < now() - ($1::int * interval '1 millisecond') AND NOT (id = ANY($2::uuid[]))
           RETURNING id, error_summary`,
          [ttlMs, ownRunIds],
        ),
      );
      const ids = rows.map((r) => r.id);
      if (ids.length) {
        await m.query(`DELETE FROM ${this.s}.leases WHERE run_id = ANY($1::uuid[])`, [ids]);
        await this.appendWith(
          m,
          rows.map((r) => this.finalEvent(r.id, "failed", r.error_summary)),
        );
      }
      return ids;
    });
  }

  /**
   * Acquires the lease for `scopeKey` ("global" or "portfolio:<id>") for a run. Overlapping scopes
   * conflict unless the holder's heartbeat is older than the TTL, in which case the lease is taken
   * over and the takeover recorded (the stale run is marked failed).
   */
  async acquireLease(scopeKey: string, runId: string, holder: string, ttlMs: number): Promise<LeaseResult> {
    return this.db.transaction(async (m) => {
      await m.query(`LOCK TABLE ${this.s}.leases IN EXCLUSIVE MODE`);
      // Staleness is judged on the database clock, the one every coordinator shares.
      const rows = (await m.query(
        `SELECT scope_key, run_id, holder, heartbeat_at, (now() - heartbeat_at) > ($1::int * interval '1 millisecond') AS stale
           FROM ${this.s}.leases`,
        [ttlMs],
      )) as Record<string, unknown>[];
      const leases = rows.map((r) => ({
        lease: {
          scopeKey: String(r.scope_key),
          runId: String(r.run_id),
          holder: String(r.holder),
          heartbeatAt: new Date(r.heartbeat_at as string),
        },
        stale: Boolean(r.stale),
      }));
      const overlapping = leases.filter((l) => scopesOverlap(l.lease.scopeKey, scopeKey));
      const live = overlapping.find((l) => !l.stale);
      // Our own lease: a retry of this acquisition whose first commit's answer was lost.
      if (live && live.lease.runId === runId && live.lease.holder === holder) return { acquired: true as const, takenOver: [] };
      if (live) return { acquired: false as const, conflict: live.lease };
      const takenOver: LeaseRow[] = [];
      for (const { lease: stale } of overlapping) {
        await m.query(`DELETE FROM ${this.s}.leases WHERE scope_key = $1`, [stale.scopeKey]);
        // A leftover lease of a run that already finished (its release failed) is just removed;
        // only a run that was still running is a takeover to record and report.
        const failed = returnedRows(
          await m.query(
            `UPDATE ${this.s}.runs SET status='failed', finished_at=now(), phases=${closePhases("'failed'")},
               error_summary='lease taken over by run ' || $2 || ' (heartbeat stale)'
             WHERE id=$1 AND status='running' RETURNING id`,
            [stale.runId, runId],
          ),
        );
        if (!failed.length) continue;
        takenOver.push(stale);
        await this.appendWith(m, [this.finalEvent(stale.runId, "failed", `lease taken over by run ${runId} (heartbeat stale)`)]);
        await m.query(
          `INSERT INTO ${this.s}.lease_takeovers (scope_key, previous_run_id, previous_holder, previous_heartbeat_at, new_run_id, taken_at)
           VALUES ($1,$2,$3,$4,$5,now())`,
          [stale.scopeKey, stale.runId, stale.holder, stale.heartbeatAt, runId],
        );
      }
      await m.query(`INSERT INTO ${this.s}.leases (scope_key, run_id, holder, acquired_at, heartbeat_at) VALUES ($1,$2,$3,now(),now())`, [
        scopeKey,
        runId,
        holder,
      ]);
      return { acquired: true as const, takenOver };
    });
  }

  /** A live (heartbeat within `ttlMs`) lease overlapping `scopeKey`, or null. */
  async liveLease(scopeKey: string, ttlMs: number): Promise<LeaseRow | null> {
    const rows = (await this.db.query(
      `SELECT scope_key, run_id, holder, heartbeat_at FROM ${this.s}.leases
        WHERE (now() - heartbeat_at) <= ($1::int * interval '1 millisecond') ORDER BY acquired_at`,
      [ttlMs],
    )) as Record<string, unknown>[];
    const r = rows.find((x) => scopesOverlap(String(x.scope_key), scopeKey));
    if (!r) return null;
    return {
      scopeKey: String(r.scope_key),
      runId: String(r.run_id),
      holder: String(r.holder),
      heartbeatAt: new Date(r.heartbeat_at as string),
    };
  }

  /** Releases every lease a run holds. */
  async releaseLeases(runId: string): Promise<void> {
    await this.db.query(`DELETE FROM ${this.s}.leases WHERE run_id = $1`, [runId]);
  }

  /** Lease takeovers recorded for a run (the run that took over). */
  async takeoversBy(runId: string): Promise<{ scopeKey: string; previousRunId: string }[]> {
    const rows = (await this.db.query(`SELECT scope_key, previous_run_id FROM ${this.s}.lease_takeovers WHERE new_run_id = $1`, [
      runId,
    ])) as Record<string, unknown>[];
    return rows.map((r) => ({ scopeKey: String(r.scope_key), previousRunId: String(r.previous_run_id) }));
  }
}
