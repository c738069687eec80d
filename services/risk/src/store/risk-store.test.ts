import assert from "node:assert/strict";
import { test } from "node:test";
import type { Queryable } from "@sigma/db";
import { PgRiskStore } from "./risk-store.js";

test("a Postgres restart under a risk store read is retried, not answered INTERNAL", async () => {
  let calls = 0;
  const db = {
    async query() {
      calls++;
      if (calls === 1) throw Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" });
      return [{ date: "2020-01-23" }];
    },
  } as unknown as Queryable;
  const dates = await new PgRiskStore(db, "risk").exposureDates("00000000-0000-0000-0000-000000000001");
  assert.deepEqual(dates, ["2020-01-23"]);
  assert.equal(calls, 2);
});

test("a non-transient error is not retried", async () => {
  let calls = 0;
  const db = {
    async query() {
      calls++;
      throw Object.assign(new Error('relation "risk.factor_exposures" does not exist'), { code: "42P01" });
    },
  } as unknown as Queryable;
  await assert.rejects(new PgRiskStore(db, "risk").exposureDates("00000000-0000-0000-0000-000000000001"), /does not exist/);
  assert.equal(calls, 1);
});
