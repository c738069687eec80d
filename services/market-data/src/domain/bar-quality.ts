/**
 * Which daily bars may be stored. A close that is not a positive, finite number would poison every
 * return and factor computed from it (a close of −5 changed 163 factor and 163 metric rows in one
 * run), so such a bar is rejected with a reason instead of stored. The other fields must at least be
 * finite: nothing downstream reads them, but a stored NaN is never useful.
 */
import type { DailyBar } from "./providers/types.js";

/**
 * Why one price field is unusable, or undefined when it is fine.
 * @param field - the field's name as the message should show it ("close", "open", ...).
 * @param value - the parsed value (NaN for text that is not a number).
 * @param raw - the text it came from, quoted in the message when it is not a number.
 * @param positive - whether the value must be > 0 (the close, or an adjusted close standing for it).
 */
export function priceFieldProblem(field: string, value: number, raw?: string, positive = field === "close"): string | undefined {
  if (Number.isNaN(value)) return raw === undefined ? `${field} is not a number` : `${field} is not a number: ${JSON.stringify(raw)}`;
  if (!Number.isFinite(value)) return `${field} ${value} is not finite`;
  if (positive && value <= 0) return `${field} ${value} is not positive`;
  return undefined;
}

/** Why a bar must not be stored (the close first), or undefined when it may be. */
export function barProblem(bar: DailyBar): string | undefined {
  return (
    priceFieldProblem("close", bar.close) ??
    priceFieldProblem("open", bar.open) ??
    priceFieldProblem("high", bar.high) ??
    priceFieldProblem("low", bar.low) ??
    priceFieldProblem("volume", bar.volume)
  );
}
