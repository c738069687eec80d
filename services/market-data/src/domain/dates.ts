/**
 * Minimal strict "YYYY-MM-DD" checks for inputs crossing the domain boundary. Calendar questions
 * (which days trade) belong to @sigma/calendar; this only validates shape and day arithmetic.
 */

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Days since 1970-01-01 for a strict, real "YYYY-MM-DD" date, or undefined when `s` is not one
 * (wrong shape, month 13, February 30, ...).
 */
export function isoDayNumber(s: string): number | undefined {
  const m = ISO_DATE.exec(s);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const ms = Date.UTC(year, month - 1, day);
  const d = new Date(ms);
  // Date.UTC silently rolls 2021-02-30 over to March: a round trip rejects such dates.
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return undefined;
  return ms / 86_400_000;
}

/**
 * Asserts `s` is a strict, real "YYYY-MM-DD" date.
 * @param what - names the value in the error message (e.g. "start").
 * @throws RangeError naming `what` and the offending value.
 */
export function assertIsoDate(s: string, what: string): void {
  if (isoDayNumber(s) === undefined) throw new RangeError(`${what} must be a YYYY-MM-DD date, got ${JSON.stringify(s)}`);
}

/**
 * Asserts `start` and `end` are dates with start <= end.
 * @throws RangeError when either is malformed or start > end.
 */
export function assertDateRange(start: string, end: string): void {
  assertIsoDate(start, "start");
  assertIsoDate(end, "end");
  if (start > end) throw new RangeError(`start ${start} is after end ${end}`);
}
