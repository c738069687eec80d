import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code } from "@connectrpc/connect";
import { toConnectError } from "@sigma/runtime";
import { DatabaseUnavailableError, isTransientPgError, retryTransientFailures, withDbRetry } from "./transient.js";

const pgError = (code: string, message = "boom") => Object.assign(new Error(message), { code });

describe("isTransientPgError", () => {
  it("recognizes restarts, dropped connections, serialization failures and deadlocks", () => {
    for (const code of ["57P01", "57P03", "40001", "40P01", "08006", "26000", "ECONNREFUSED", "ECONNRESET"])
      assert.ok(isTransientPgError(pgError(code)), code);
    assert.ok(isTransientPgError(new Error("Connection terminated unexpectedly")));
    // A transaction whose connection died between its last statement and COMMIT (seen with COPY).
    assert.ok(
      isTransientPgError(
        Object.assign(new Error("Query runner already released. Cannot run queries anymore."), { name: "QueryRunnerAlreadyReleasedError" }),
      ),
    );
    // TypeORM's QueryFailedError keeps the driver's error.
    assert.ok(isTransientPgError(Object.assign(new Error("query failed"), { driverError: pgError("57P01") })));
    assert.ok(isTransientPgError(new AggregateError([new Error("x"), pgError("ECONNRESET")])));
  });

  it("leaves real errors alone", () => {
    for (const code of ["23505", "42P01", "22P02", "42601"]) assert.equal(isTransientPgError(pgError(code)), false, code);
    assert.equal(isTransientPgError(new Error("syntax error")), false);
    assert.equal(isTransientPgError(undefined), false);
  });
});

describe("withDbRetry", () => {
  it("retries transient failures until the statement succeeds", async () => {
    let calls = 0;
    const out = await withDbRetry(
      async () => {
        calls++;
        if (calls < 3) throw pgError("57P03", "the database system is starting up");
        return 42;
      },
      { budgetMs: 10_000 },
    );
    assert.equal(out, 42);
    assert.equal(calls, 3);
  });

  it("throws other errors at once, unchanged", async () => {
    let calls = 0;
    const dup = pgError("23505", "duplicate key");
    await assert.rejects(
      withDbRetry(async () => {
        calls++;
        throw dup;
      }),
      dup,
    );
    assert.equal(calls, 1);
  });

  it("gives up after the budget with DatabaseUnavailableError, which callers see as UNAVAILABLE without the SQL", async () => {
    const err = await withDbRetry(
      async () => {
        throw Object.assign(pgError("ECONNREFUSED", "connect ECONNREFUSED 10.0.0.7:5432"), { query: "SELECT secret FROM t" });
      },
      { budgetMs: 50, what: "factor store replaceFactors" },
    ).catch((e: unknown) => e);
    assert.ok(err instanceof DatabaseUnavailableError);
    assert.match(err.message, /^database unavailable \(factor store replaceFactors\): connection refused; retried for \d+\.\d s$/);
    const ce = toConnectError(err);
    assert.equal(ce.code, Code.Unavailable);
    assert.doesNotMatch(ce.rawMessage, /SELECT|10\.0\.0\.7/);
  });
});

describe("retryTransientFailures", () => {
  it("retries the named methods of a store, bound to it, and leaves the others alone", async () => {
    class Store {
      calls = 0;
      others = 0;
      async read(x: number): Promise<number> {
        this.calls++;
        if (this.calls < 2) throw pgError("57P01", "terminating connection due to administrator command");
        return x * 2;
      }
      async other(): Promise<void> {
        this.others++;
        throw pgError("57P01");
      }
    }
    const s = retryTransientFailures(new Store(), ["read"], "test store");
    assert.equal(await s.read(21), 42);
    assert.equal(s.calls, 2);
    await assert.rejects(s.other(), /boom/);
    assert.equal(s.others, 1);
  });
});
