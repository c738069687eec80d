import assert from "node:assert/strict";
import { test } from "node:test";
import { readRecords } from "./read-records.js";

test("records keep the line they start on; comments, blank and comma-only lines are skipped", () => {
  const { records, problems } = readRecords('# c\nA,B\n\n  # indented comment\n1,"x\r\ny"\n,,,\n2, " q ""z"" " ');
  assert.deepEqual(problems, []);
  assert.deepEqual(
    records.map((r) => [r.row, r.lastRow, r.fields]),
    [
      [2, 2, ["A", "B"]],
      [5, 6, ["1", "x\ny"]],
      [8, 8, ["2", ' q "z" ']],
    ],
  );
});

test("a malformed record is reported on its row and the others are still read", () => {
  const { records, problems } = readRecords('A,B\n1,x"y\n2,3\n4,"a"b\n5,6\n7,"never closed\n8,9');
  assert.deepEqual(
    records.map((r) => r.fields),
    [
      ["A", "B"],
      ["2", "3"],
      ["5", "6"],
    ],
  );
  assert.deepEqual(
    problems.map((p) => p.row),
    [2, 4, 6],
  );
  assert.ok(problems.every((p) => p.message.length > 0 && p.column === ""));
});
