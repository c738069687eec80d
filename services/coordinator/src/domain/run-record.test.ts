import assert from "node:assert/strict";
import { test } from "node:test";
import { SkipReason } from "@sigma/contracts";
import { addProblem, MAX_PROBLEMS, problemCount, type RunRecord } from "./run-record.js";

test("a run keeps the first MAX_PROBLEMS problems and counts the rest", () => {
  const run: Pick<RunRecord, "problems" | "problemsOmitted"> = { problems: [], problemsOmitted: 0 };
  for (let i = 0; i < MAX_PROBLEMS + 250; i++) addProblem(run, { symbol: `S${i}`, reason: SkipReason.NO_CLOSE, message: "gap", date: "" });
  assert.equal(run.problems.length, MAX_PROBLEMS);
  assert.equal(run.problems.at(-1)?.symbol, `S${MAX_PROBLEMS - 1}`);
  assert.equal(run.problemsOmitted, 250);
  assert.equal(problemCount(run), MAX_PROBLEMS + 250);
});
