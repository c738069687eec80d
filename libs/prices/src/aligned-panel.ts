/**
 * Pure operations on {@link AlignedCloses} panels used by the run price cache: cut a date window out
 * of a panel, and append a later panel to an earlier one. No I/O; inputs are never mutated.
 */
import { type AlignedCloses, PriceSeriesError } from "./price-source.js";

/**
 * The part of `panel` whose dates fall in the inclusive range [startDate, endDate], for `symbols`
 * only, in the order given (the order an uncached read would insert them). The close arrays are
 * fresh copies, so callers may not alter the cached panel through them.
 *
 * @param panel dates strictly ascending, every series as long as `dates`.
 * @returns an empty date list (with empty series) when no date of the panel is in the range.
 * @throws PriceSeriesError when a symbol has no series in `panel` (callers must check coverage first).
 */
export function slicePanel(panel: AlignedCloses, symbols: readonly string[], startDate: string, endDate: string): AlignedCloses {
  const from = firstIndexAtOrAfter(panel.dates, startDate);
  // Exclusive end: the first date strictly after endDate.
  let to = from;
  while (to < panel.dates.length && panel.dates[to]! <= endDate) to++;
  const closes = new Map<string, Float64Array>();
  for (const s of symbols) {
    const c = panel.closes.get(s);
    if (c === undefined) throw new PriceSeriesError(`cached panel has no series for ${s}`);
    closes.set(s, c.slice(from, to));
  }
  return { dates: panel.dates.slice(from, to), closes };
}

/**
 * `head` followed by `tail`: the dates of `tail` must all come after the last date of `head`, and
 * `tail` must hold a series for every symbol of `head` (its other series are ignored).
 *
 * @returns a new panel with the symbols of `head`.
 * @throws PriceSeriesError when `tail` overlaps or precedes `head`, is not ascending, lacks a symbol,
 *   or has a series whose length differs from its dates.
 */
export function appendPanel(head: AlignedCloses, tail: AlignedCloses): AlignedCloses {
  const last = head.dates.at(-1);
  tail.dates.forEach((d, i) => {
    const prev = i === 0 ? last : tail.dates[i - 1];
    if (prev !== undefined && d <= prev) throw new PriceSeriesError(`appended dates are not after ${prev}: ${d}`);
  });
  const n = head.dates.length;
  const closes = new Map<string, Float64Array>();
  for (const [s, c] of head.closes) {
    const t = tail.closes.get(s);
    if (t === undefined) throw new PriceSeriesError(`appended prices have no series for ${s}`);
    if (t.length !== tail.dates.length)
      throw new PriceSeriesError(`appended series ${s} has ${t.length} closes for ${tail.dates.length} dates`);
    const out = new Float64Array(n + t.length);
    out.set(c, 0);
    out.set(t, n);
    closes.set(s, out);
  }
  return { dates: [...head.dates, ...tail.dates], closes };
}

/** Index of the first date ≥ `date` (dates.length when none); linear, panels hold a few hundred dates. */
function firstIndexAtOrAfter(dates: readonly string[], date: string): number {
  let i = 0;
  while (i < dates.length && dates[i]! < date) i++;
  return i;
}
