/**
 * Warnings aggregated per symbol and reason: the activity log repeats a symbol's problem once per
 * chunk ("GWR: no close on 1 of 21 dates (last close 2019-03-04)" six times for one onboarding);
 * people want one line per symbol and reason with how often and over which dates it happened.
 */

/** One warning line of a run's activity log. */
export interface WarningLine {
  readonly message: string;
  /** The symbol the line is about ("" when none). */
  readonly symbol: string;
  /** The date the line is about ("" when none). */
  readonly date: string;
}

/** Warnings of one symbol with one reason. */
export interface AggregatedWarning {
  /** "" for warnings not about a symbol. */
  readonly symbol: string;
  /** The reason in words, without the symbol prefix: the latest line's text (its figures are the latest). */
  readonly reason: string;
  /** How many activity lines it aggregates. */
  readonly occurrences: number;
  /** First and last date the lines were about (their `date` field; "" when none carried one). */
  readonly firstDate: string;
  readonly lastDate: string;
}

const DATE = /\d{4}-\d{2}-\d{2}/g;
const NUMBER = /\d+(?:\.\d+)?/g;

/** The message without a leading "SYMBOL: " (or "Phase name: SYMBOL: ") prefix. */
function reasonText(line: WarningLine): string {
  if (line.symbol === "") return line.message;
  const i = line.message.indexOf(`${line.symbol}: `);
  return i < 0 ? line.message : line.message.slice(i + line.symbol.length + 2);
}

/**
 * Groups warning lines by symbol and reason. Two lines have the same reason when their texts
 * differ only in numbers and dates; the group shows the latest line's text (figures are not summed:
 * the same chunk is reported by several phases, so a sum would double-count). Order: first
 * appearance.
 *
 * @param lines - warning lines, oldest first (at most what the run's log holds)
 */
export function aggregateWarningLines(lines: readonly WarningLine[]): AggregatedWarning[] {
  const groups = new Map<string, { symbol: string; reasons: string[]; dates: string[] }>();
  for (const line of lines) {
    const reason = reasonText(line);
    const key = `${line.symbol}\u0000${reason.replace(DATE, "D").replace(NUMBER, "#")}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { symbol: line.symbol, reasons: [], dates: [] }));
    g.reasons.push(reason);
    if (line.date) g.dates.push(line.date);
  }
  return [...groups.values()].map((g) => {
    const reason = g.reasons[g.reasons.length - 1] ?? "";
    const dates = [...g.dates].sort();
    return {
      symbol: g.symbol,
      reason,
      occurrences: g.reasons.length,
      firstDate: dates[0] ?? "",
      lastDate: dates[dates.length - 1] ?? "",
    };
  });
}
