import assert from "node:assert/strict";
import { test } from "node:test";
import { isDateUnit, isSampledDateProgress } from "./sampling.js";

test("254 date-progress lines keep exactly first, last, every 5th and the milestones", () => {
  const kept: number[] = [];
  for (let current = 1; current <= 254; current++) {
    if (isSampledDateProgress(current, 254, current === 1)) kept.push(current);
  }
  const expected = [1];
  for (let n = 5; n <= 250; n += 5) expected.push(n);
  expected.push(254);
  assert.deepEqual(kept, expected);
  for (const milestone of [50, 100, 150, 200, 250]) assert.ok(kept.includes(milestone));
  assert.ok(!kept.includes(2) && !kept.includes(251) && !kept.includes(253));
});

test("first means the first line of the phase, even when counting resumes mid-way", () => {
  assert.equal(isSampledDateProgress(121, 254, true), true);
  assert.equal(isSampledDateProgress(121, 254, false), false);
  assert.equal(isSampledDateProgress(122, 254, false), false);
});

test("last is current >= total; an unknown total (0) never counts as last", () => {
  assert.equal(isSampledDateProgress(7, 7, false), true);
  assert.equal(isSampledDateProgress(8, 7, false), true);
  assert.equal(isSampledDateProgress(7, 0, false), false);
  assert.equal(isSampledDateProgress(0, 0, false), false);
});

test("date units", () => {
  assert.equal(isDateUnit("dates"), true);
  assert.equal(isDateUnit("symbols"), false);
});
