/** Request validation shared by the factor handlers: every problem is reported at once (INVALID_ARGUMENT). */
import { isIsoDate } from "@sigma/calendar";
import { type Factor, FACTORS } from "@sigma/contracts";
import { type FieldViolation, InvalidArgumentError } from "@sigma/runtime";
import { FACTOR_IDS, type FactorId } from "../domain/index.js";

const SYMBOL = /^[A-Za-z0-9._-]{1,20}$/;

/**
 * Upper-cases symbols and maps `.` to `-` (the market-data convention, SPEC §6), dropping duplicates.
 *
 * @throws InvalidArgumentError listing every invalid symbol, or when the list is empty.
 */
export function normalizeSymbols(symbols: readonly string[]): string[] {
  const violations: FieldViolation[] = [];
  const out: string[] = [];
  symbols.forEach((s, i) => {
    const t = s.trim();
    if (!SYMBOL.test(t)) violations.push({ field: `symbols[${i}]`, description: `not a symbol: "${s}"` });
    else out.push(t.toUpperCase().replaceAll(".", "-"));
  });
  if (symbols.length === 0) violations.push({ field: "symbols", description: "at least one symbol is required" });
  if (violations.length) throw new InvalidArgumentError("invalid symbols", { violations });
  return [...new Set(out)];
}

/**
 * Validates an inclusive date range. With `endOptional`, an empty end means "start date only".
 *
 * @returns the effective [startDate, endDate].
 * @throws InvalidArgumentError for a malformed date or start after end.
 */
export function validRange(startDate: string, endDate: string, endOptional: boolean): { startDate: string; endDate: string } {
  const end = endOptional && endDate === "" ? startDate : endDate;
  const violations: FieldViolation[] = [];
  if (!isIsoDate(startDate)) violations.push({ field: "start_date", description: `not a YYYY-MM-DD date: "${startDate}"` });
  // An empty optional end stands for the start date, already reported above if malformed.
  if (end === endDate && !isIsoDate(end)) violations.push({ field: "end_date", description: `not a YYYY-MM-DD date: "${endDate}"` });
  if (violations.length === 0 && startDate > end) violations.push({ field: "start_date", description: `after end_date ${end}` });
  if (violations.length) throw new InvalidArgumentError("invalid date range", { violations });
  return { startDate, endDate: end };
}

/**
 * The factor ids selected by a request's `factors` (empty = all 12), in canonical order.
 *
 * @throws InvalidArgumentError for FACTOR_UNSPECIFIED or an unknown enum value.
 */
export function selectedFactors(factors: readonly Factor[]): FactorId[] {
  if (factors.length === 0) return [...FACTOR_IDS];
  const violations: FieldViolation[] = [];
  const ids = new Set<string>();
  factors.forEach((f, i) => {
    const info = FACTORS.find((x) => x.factor === f);
    if (!info) violations.push({ field: `factors[${i}]`, description: `unknown factor ${f}` });
    else ids.add(info.id);
  });
  if (violations.length) throw new InvalidArgumentError("invalid factors", { violations });
  return FACTOR_IDS.filter((id) => ids.has(id));
}

/** The proto enum value of a factor id. */
export function factorEnum(id: FactorId): Factor {
  const info = FACTORS.find((x) => x.id === id);
  if (!info) throw new Error(`factor id ${id} has no proto enum (contracts and domain disagree)`);
  return info.factor;
}

/** Longest accepted run_id: run ids are UUID-like; the cap keeps a cache key small. */
export const MAX_RUN_ID_LENGTH = 128;

/**
 * The optional run id of a compute request, trimmed ("" = none).
 *
 * @throws InvalidArgumentError when it is longer than {@link MAX_RUN_ID_LENGTH} characters.
 */
export function runIdOf(runId: string): string {
  const t = runId.trim();
  if (t.length > MAX_RUN_ID_LENGTH) {
    throw new InvalidArgumentError("invalid run_id", {
      violations: [{ field: "run_id", description: `longer than ${MAX_RUN_ID_LENGTH} characters` }],
    });
  }
  return t;
}
