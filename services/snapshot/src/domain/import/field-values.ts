/**
 * Strict readers for the values of a portfolio CSV cell (SPEC §6). Each returns the value or a
 * reason a person can act on; none of them repeats the offending value (the caller quotes it).
 */

/** The result of reading one cell. */
export type FieldResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/** Symbol pattern of SPEC §6. */
export const SYMBOL_PATTERN = /^[A-Za-z0-9._-]{1,20}$/;

/**
 * Largest magnitude accepted for a quantity or a price. Anything beyond is a typo or garbage
 * (1e308 is finite, but quantity × price × 100 would overflow to Infinity downstream).
 */
export const MAX_ABS_NUMBER = 1e12;

/** Earliest accepted date: a portfolio's history is backfilled from its first entry date. */
export const MIN_DATE = "1900-01-01";

/** Plain decimal, optional sign, optional exponent: no hex, no thousands separators, no Infinity/NaN. */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A symbol in its three forms. */
export interface SymbolForms {
  /** Upper-cased: the symbol Sigma stores and shows. */
  readonly symbol: string;
  /** As written in the file (trimmed). */
  readonly original: string;
  /** Upper-cased with `.` replaced by `-` (BRK.B → BRK-B), the form price providers use. */
  readonly provider: string;
}

/** Reads a symbol: `^[A-Za-z0-9._-]{1,20}$`, upper-cased. */
export function readSymbol(text: string): FieldResult<SymbolForms> {
  if (!SYMBOL_PATTERN.test(text)) {
    return { ok: false, reason: "a symbol is 1 to 20 characters from A-Z, a-z, 0-9, '.', '_' and '-'" };
  }
  const symbol = text.toUpperCase();
  return { ok: true, value: { symbol, original: text, provider: symbol.replaceAll(".", "-") } };
}

/** Reads a finite decimal number of magnitude at most {@link MAX_ABS_NUMBER}. */
export function readNumber(text: string): FieldResult<number> {
  if (!DECIMAL.test(text)) {
    return { ok: false, reason: "expected a plain decimal number such as 1250 or -3.5 (no thousands separators, currency signs or hex)" };
  }
  const value = Number(text);
  if (!Number.isFinite(value) || Math.abs(value) > MAX_ABS_NUMBER) {
    return { ok: false, reason: `the number is out of range (its magnitude must be at most ${MAX_ABS_NUMBER.toExponential()})` };
  }
  // -0 and 0 are the same quantity; never let a signed zero leak into stored rows.
  return { ok: true, value: value === 0 ? 0 : value };
}

/** Reads a real calendar date written exactly `YYYY-MM-DD`, not before {@link MIN_DATE}. */
export function readDate(text: string): FieldResult<string> {
  const match = ISO_DATE.exec(text);
  if (match === null) return { ok: false, reason: "expected a date written YYYY-MM-DD, e.g. 2019-01-02" };
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return { ok: false, reason: "not a real calendar date" };
  }
  if (text < MIN_DATE) return { ok: false, reason: `dates before ${MIN_DATE} are not accepted` };
  return { ok: true, value: text };
}

/** Whether `text` is a real `YYYY-MM-DD` date (any year). */
export function isIsoDate(text: string): boolean {
  const match = ISO_DATE.exec(text);
  if (match === null) return false;
  const month = Number(match[2]);
  const day = Number(match[3]);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(Number(match[1]), month);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
