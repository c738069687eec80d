import type { RunRecord, RunStatusText } from "./run-record.js";

/**
 * One run event on its way to the event stream, already encoded by the edge (the domain never sees
 * its wire form). `runSeq` orders a run's events and, with `runId`, is the stream's de-duplication id.
 */
export interface OutboxEvent {
  readonly runId: string;
  readonly runSeq: bigint;
  readonly payload: Uint8Array;
}

/** Builds the final RunFinished event of a run finalized by someone other than its holder. */
export type FinalEventEncoder = (runId: string, status: RunStatusText, errorSummary: string) => OutboxEvent;

/** A lease currently held on a scope. */
export interface LeaseRow {
  scopeKey: string;
  runId: string;
  holder: string;
  heartbeatAt: Date;
}

/** Outcome of a lease acquisition. */
export type LeaseResult = { acquired: true; takenOver: LeaseRow[] } | { acquired: false; conflict: LeaseRow };

/** Outcome of a conditional save of a run record. */
export interface SaveResult {
  /** False when the row was not this holder's running run any more (nothing was written). */
  saved: boolean;
  /** Database time of the write (heartbeat; also `finished_at` when the status is final). */
  at?: Date;
}

/**
 * Run history, leases and the event outbox (implemented in store/ on Postgres). Every write that
 * finalizes a run writes its final event to the outbox in the same transaction, so a run record
 * and the stream can never disagree for good.
 */
export interface RunStore {
  /** Inserts a new run; returns the database time used for started_at/heartbeat_at. */
  insert(run: RunRecord, events: readonly OutboxEvent[]): Promise<Date>;
  /** Saves the mutable part of a run and appends `events`, atomically, while this holder owns it. */
  save(run: RunRecord, events: readonly OutboxEvent[]): Promise<SaveResult>;
  /** Appends events to the outbox on their own (progress and activity lines). */
  appendEvents(events: readonly OutboxEvent[]): Promise<void>;
  get(id: string): Promise<RunRecord | null>;
  list(limit: number, status?: RunStatusText): Promise<RunRecord[]>;
  heartbeat(runId: string, holder: string): Promise<{ owned: boolean; cancelRequested: boolean }>;
  requestCancel(runId: string, reason: string, ttlMs: number): Promise<"requested" | "cancelled" | "not_running" | "not_found">;
  failStaleRuns(ttlMs: number, ownRunIds?: readonly string[]): Promise<string[]>;
  acquireLease(scopeKey: string, runId: string, holder: string, ttlMs: number): Promise<LeaseResult>;
  releaseLeases(runId: string): Promise<void>;
  /** A live (heartbeat within `ttlMs`) lease overlapping `scopeKey`, or null. */
  liveLease(scopeKey: string, ttlMs: number): Promise<LeaseRow | null>;
  /** Appends a warning to a finished run (e.g. events still waiting in the outbox). */
  addWarning(runId: string, warning: string): Promise<void>;
  /** Events of a run still in the outbox (not yet acknowledged by the stream). */
  outboxCount(runId: string): Promise<number>;
}

/** The outbox as the relay sees it: oldest first, deleted once the stream acknowledged them. */
export interface OutboxStore {
  /** Up to `limit` of the oldest outbox rows, in insertion order. */
  peek(limit: number): Promise<(OutboxEvent & { id: string })[]>;
  /** Deletes relayed rows. */
  remove(ids: readonly string[]): Promise<void>;
}
