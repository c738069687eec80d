/**
 * Incremental sync planning: which date ranges of a symbol still need a provider request.
 *
 * Rule: plan against *covered* ranges, not stored rows. After every answered fetch the store records
 * the range the provider has answered for (see {@link coverageAfterFetch}), whether or not bars came
 * back. Dates a provider has no bar for (before a listing, after a delisting, a halted day, an
 * unavailable symbol) are therefore asked once, not on every run. `force` re-plans the whole
 * request. Coverage is kept per symbol as a list of inclusive date ranges; ranges separated only by
 * non-trading days count as contiguous.
 *
 * Everything here is pure: the calendar is computed by rule, no I/O.
 */
import { addCalendarDays, assertDateRange, nextTradingDay, tradingDays } from "@sigma/calendar";

/** An inclusive range of "YYYY-MM-DD" dates (start <= end). */
export interface DateRange {
  readonly start: string;
  readonly end: string;
}

/**
 * Sorts and merges covered ranges: overlapping ranges, and ranges with no trading day between them
 * (Friday's end and Monday's start), become one.
 * @returns a new ascending, non-overlapping list; [] for [].
 * @throws RangeError when a range has malformed dates or start > end.
 */
export function mergeCoverage(ranges: readonly DateRange[]): DateRange[] {
  for (const r of ranges) assertDateRange(r.start, r.end);
  const sorted = [...ranges].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const merged: { start: string; end: string }[] = [];
  for (const r of sorted) {
    const last = merged[merged.length - 1];
    // Contiguous when no trading day lies strictly between last.end and r.start.
    if (last && r.start <= nextTradingDay(last.end)) {
      if (r.end > last.end) last.end = r.end;
    } else {
      merged.push({ start: r.start, end: r.end });
    }
  }
  return merged;
}

/**
 * Adds one answered range to a symbol's coverage.
 * @returns the merged coverage (see {@link mergeCoverage}); `covered` is not modified.
 * @throws RangeError for malformed ranges.
 */
export function addCoverage(covered: readonly DateRange[], range: DateRange): DateRange[] {
  return mergeCoverage([...covered, range]);
}

/**
 * The trading-date ranges in [start, end] not yet covered, each starting and ending on a trading
 * day. Runs of uncovered trading days are merged across weekends and holidays, so a range is never
 * split by (or made of) non-trading days.
 * @param covered - the symbol's covered ranges, any order, may overlap.
 * @param options.force - plan the whole request regardless of coverage.
 * @returns ascending ranges; [] when everything is covered or [start, end] holds no trading day.
 * @throws RangeError for malformed dates or start > end (request or coverage).
 */
export function planMissingRanges(
  covered: readonly DateRange[],
  start: string,
  end: string,
  options: { force?: boolean } = {},
): DateRange[] {
  assertDateRange(start, end);
  const days = tradingDays(start, end);
  if (days.length === 0) return [];
  if (options.force) return [{ start: days[0]!, end: days[days.length - 1]! }];
  const cover = mergeCoverage(covered);
  const missing: DateRange[] = [];
  let c = 0; // first coverage range that may still contain a later day
  let runStart: string | undefined;
  let runEnd = "";
  for (const day of days) {
    while (c < cover.length && cover[c]!.end < day) c++;
    const isCovered = c < cover.length && cover[c]!.start <= day;
    if (isCovered) {
      if (runStart !== undefined) missing.push({ start: runStart, end: runEnd });
      runStart = undefined;
    } else {
      runStart ??= day;
      runEnd = day;
    }
  }
  if (runStart !== undefined) missing.push({ start: runStart, end: runEnd });
  return missing;
}

/**
 * The range to record as covered after the provider answered a fetch of `requested`.
 *
 * A provider's silence about a date is final only once the date is "settled" (its bar would have
 * been published): a bar for today may simply not be out yet, and recording it as covered would
 * leave the date without a price for ever. So the covered range is `requested.start` through the
 * later of the last bar returned and min(requested.end, settledThrough); dates after that stay
 * uncovered and are asked again by the next sync.
 *
 * @param requested - the range that was fetched.
 * @param lastBarDate - the date of the last bar returned, or undefined for no bars / `unavailable`.
 * @param settledThrough - the latest date whose bars the provider is known to have published: for a
 *   live HTTP feed e.g. the trading day before the run's target date; for synthetic and csv
 *   providers (always complete) or a pinned historical as-of date, `requested.end`.
 * @returns the range to add with {@link addCoverage}, or undefined when nothing is settled yet.
 * @throws RangeError for malformed dates.
 */
export function coverageAfterFetch(requested: DateRange, lastBarDate: string | undefined, settledThrough: string): DateRange | undefined {
  assertDateRange(requested.start, requested.end);
  assertDateRange(settledThrough, settledThrough);
  let end = settledThrough < requested.end ? settledThrough : requested.end;
  if (lastBarDate !== undefined) {
    assertDateRange(lastBarDate, lastBarDate);
    const bar = lastBarDate > requested.end ? requested.end : lastBarDate;
    if (bar > end) end = bar;
  }
  return end < requested.start ? undefined : { start: requested.start, end };
}

/**
 * A covered range cut so that it ends before `date` (a date whose row was rejected must be asked
 * again by the next sync, so a corrected source is picked up without `force`).
 * @returns the range unchanged when it ends before `date`, the cut range, or undefined when nothing
 *   before `date` remains.
 */
export function coverageBefore(range: DateRange, date: string): DateRange | undefined {
  if (range.end < date) return range;
  const end = addCalendarDays(date, -1);
  return end < range.start ? undefined : { start: range.start, end };
}
