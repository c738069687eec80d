import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { closeDataSource, createDataSource } from "@sigma/db";
import type { DataSource } from "typeorm";
import type { RunRecord } from "../domain/run-record.js";
import { COORDINATOR_MIGRATIONS } from "./migrations.js";
import { terminalEventEncoder } from "../runner/reporter.js";
import { RunRepository } from "./run-repository.js";

// The store retries transient Postgres failures by running a statement again; a statement whose
// commit succeeded but whose answer was lost then runs twice. These writes must tolerate that.
const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const schema = `coord_repo_${randomBytes(4).toString("hex")}`;
let db: DataSource;
let repo: RunRepository;

before(async () => {
  db = await createDataSource({ url: DATABASE_URL, schema, entities: [], migrations: COORDINATOR_MIGRATIONS });
  repo = new RunRepository(
    db,
    schema,
    terminalEventEncoder(() => new Date()),
  );
});
after(async () => {
  await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await closeDataSource(db);
});

function run(id: string): RunRecord {
  const now = new Date();
  return {
    id,
    source: "admin",
    scope: "universe",
    portfolioId: "",
    requestedStartDate: "",
    requestedEndDate: "",
    forceRerun: false,
    status: "running",
    asOf: "",
    targetDate: "2020-01-23",
    startDate: "2020-01-23",
    endDate: "2020-01-23",
    datesTotal: 1,
    datesCompleted: 0,
    datesFailed: 0,
    phases: [],
    problems: [],
    warnings: [],
    errorSummary: "",
    eventsUndelivered: 0,
    holder: "h1",
    problemsOmitted: 0,
    startedAt: now,
    heartbeatAt: now,
    finishedAt: null,
  };
}

test("inserting the same run twice (a retried insert) keeps one row and does not fail", async () => {
  const id = randomUUID();
  await repo.insert(run(id), []);
  await repo.insert(run(id), []);
  const rows = (await db.query(`SELECT count(*)::int AS n FROM "${schema}".runs WHERE id = $1`, [id])) as { n: number }[];
  assert.equal(rows[0]?.n, 1);
});

test("acquiring a lease again for the same run and holder (a retried acquisition) succeeds; another run still conflicts", async () => {
  const id = randomUUID();
  await repo.insert(run(id), []);
  assert.deepEqual(await repo.acquireLease("global", id, "h1", 60_000), { acquired: true, takenOver: [] });
  assert.deepEqual(await repo.acquireLease("global", id, "h1", 60_000), { acquired: true, takenOver: [] });
  const other = await repo.acquireLease("global", randomUUID(), "h2", 60_000);
  assert.equal(other.acquired, false);
  await repo.releaseLeases(id);
});
