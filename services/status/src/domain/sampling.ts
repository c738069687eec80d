/** Round-number milestones always kept in the recent-activity view (SPEC §5). */
export const DATE_PROGRESS_MILESTONES: readonly number[] = [50, 100, 150, 200, 250];

/** Only every n-th date-progress line is kept in the recent view (`current % n === 0`). */
export const DATE_PROGRESS_EVERY = 5;

/**
 * Decides whether a date-progress line ("Portfolio Snapshots: 45/254 dates") is kept in the
 * recent-activity view. SPEC §5: "first, last, every 5th, and 50/100/150/200/250".
 *
 * - first: the first date-progress line of the phase (`isFirst`), whatever its counter, so a
 *   resumed run that starts counting at 120 still shows where it began;
 * - last: `current >= total` when `total > 0`;
 * - every 5th: `current % 5 === 0` (the milestones are multiples of 5 too; they are listed
 *   separately to keep the rule readable if the step ever changes).
 *
 * Pure; counters are the phase's own (1-based), not stream sequences.
 *
 * @param current - dates done so far in the phase (non-negative integer)
 * @param total - dates the phase will process (0 when unknown)
 * @param isFirst - true for the first date-progress line of this phase in this run
 */
export function isSampledDateProgress(current: number, total: number, isFirst: boolean): boolean {
  if (isFirst) return true;
  if (total > 0 && current >= total) return true;
  if (current > 0 && current % DATE_PROGRESS_EVERY === 0) return true;
  return DATE_PROGRESS_MILESTONES.includes(current);
}

/** True when a progress unit counts trading dates (those lines are sampled in the recent view). */
export function isDateUnit(unit: string): boolean {
  return unit === "dates" || unit === "date";
}
