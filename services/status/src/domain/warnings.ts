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
  /** The reason in words, without the symbol prefix; counts "N of M" summed over the lines. */
  readonly reason: string;
  /** How many activity lines it aggregates. */
  readonly occurrences: number;
  /** First and last date mentioned ("" when no line carried a date). */
  readonly firstDate: string;
  readonly lastDate: string;
}

const DATE = /\d{4}-\d{2}-\d{2}/g;
const NUMBER = /\d+(?:\.\d+)?/g;
const N_OF_M = /(\d+) of (\d+)/;

/** The message without a leading "SYMBOL: " (or "Phase name: SYMBOL: ") prefix. */
function reasonText(line: WarningLine): string {
  if (line.symbol === "") return line.message;
  const i = line.message.indexOf(`${line.symbol}: `);
  return i < 0 ? line.message : line.message.slice(i + line.symbol.length + 2);
}

/**
 * Groups warning lines by symbol and reason. Two lines have the same reason when their texts
 * differ only in numbers and dates. A reason of the form "… N of M …" is rewritten with N and M
 * summed over the group ("no close on 3 of 126 dates"); a parenthesised date detail such as
 * "(last close 2019-03-04)" keeps the latest line's value. Order: first appearance.
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
    for (const d of reason.match(DATE) ?? []) g.dates.push(d);
  }
  return [...groups.values()].map((g) => {
    const last = g.reasons[g.reasons.length - 1] ?? "";
    let reason = last;
    if (g.reasons.length > 1 && N_OF_M.test(last)) {
      let n = 0;
      let m = 0;
      for (const r of g.reasons) {
        const x = N_OF_M.exec(r);
        n += Number(x?.[1] ?? 0);
        m += Number(x?.[2] ?? 0);
      }
      reason = last.replace(N_OF_M, `${n} of ${m}`);
    }
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
