import type { MigrationInterface, QueryRunner } from "typeorm";
import { migrationSchema as schemaOf } from "@sigma/db";

/** Creates the coordinator's run history and lease tables (schema "coordinator"). */
export class CoordinatorInit1700000000000 implements MigrationInterface {
  name = "CoordinatorInit1700000000000";

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`
      CREATE TABLE IF NOT EXISTS ${s}.runs (
        id uuid PRIMARY KEY,
        source text NOT NULL,
        scope text NOT NULL,
        portfolio_id text,
        requested_start_date date,
        requested_end_date date,
        force_rerun boolean NOT NULL DEFAULT false,
        status text NOT NULL,
        as_of text,
        target_date date,
        start_date date,
        end_date date,
        dates_total int NOT NULL DEFAULT 0,
        dates_completed int NOT NULL DEFAULT 0,
        dates_failed int NOT NULL DEFAULT 0,
        phases jsonb NOT NULL DEFAULT '[]'::jsonb,
        problems jsonb NOT NULL DEFAULT '[]'::jsonb,
        warnings jsonb NOT NULL DEFAULT '[]'::jsonb,
        error_summary text NOT NULL DEFAULT '',
        events_undelivered int NOT NULL DEFAULT 0,
        holder text NOT NULL,
        started_at timestamptz NOT NULL,
        heartbeat_at timestamptz NOT NULL,
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX IF NOT EXISTS runs_started_at_idx ON ${s}.runs (started_at DESC)`);
    await q.query(`CREATE INDEX IF NOT EXISTS runs_status_idx ON ${s}.runs (status)`);
    await q.query(`
      CREATE TABLE IF NOT EXISTS ${s}.leases (
        scope_key text PRIMARY KEY,
        run_id uuid NOT NULL,
        holder text NOT NULL,
        acquired_at timestamptz NOT NULL,
        heartbeat_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE IF NOT EXISTS ${s}.lease_takeovers (
        id bigserial PRIMARY KEY,
        scope_key text NOT NULL,
        previous_run_id uuid NOT NULL,
        previous_holder text NOT NULL,
        previous_heartbeat_at timestamptz NOT NULL,
        new_run_id uuid NOT NULL,
        taken_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`DROP TABLE IF EXISTS ${s}.lease_takeovers`);
    await q.query(`DROP TABLE IF EXISTS ${s}.leases`);
    await q.query(`DROP TABLE IF EXISTS ${s}.runs`);
  }
}

/**
 * Adds `cancel_requested`: CancelRun on a run held by another live coordinator asks its holder
 * to stop (the holder polls it with its heartbeat) instead of overwriting its state.
 */
export class CoordinatorCancelRequest1700000000001 implements MigrationInterface {
  name = "CoordinatorCancelRequest1700000000001";

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`ALTER TABLE ${s}.runs ADD COLUMN IF NOT EXISTS cancel_requested boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`ALTER TABLE ${s}.runs DROP COLUMN IF EXISTS cancel_requested`);
  }
}

/**
 * Adds the transactional outbox of run events (issue #7.1): each event row is written in the same
 * transaction as the run-record change it describes and deleted once JetStream acknowledged it, so
 * a NATS outage delays events but never loses the final one. Also `problems_omitted`: problems beyond
 * the kept 1,000 are only counted.
 */
export class CoordinatorOutbox1700000000002 implements MigrationInterface {
  name = "CoordinatorOutbox1700000000002";

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`
      CREATE TABLE IF NOT EXISTS ${s}.outbox (
        id bigserial PRIMARY KEY,
        run_id uuid NOT NULL,
        run_seq bigint NOT NULL,
        payload bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX IF NOT EXISTS outbox_run_id_idx ON ${s}.outbox (run_id)`);
    await q.query(`ALTER TABLE ${s}.runs ADD COLUMN IF NOT EXISTS problems_omitted int NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`ALTER TABLE ${s}.runs DROP COLUMN IF EXISTS problems_omitted`);
    await q.query(`DROP TABLE IF EXISTS ${s}.outbox`);
  }
}

/** The coordinator schema's migrations, in order (run at start by createDataSource). */
export const COORDINATOR_MIGRATIONS = [CoordinatorInit1700000000000, CoordinatorCancelRequest1700000000001, CoordinatorOutbox1700000000002];
