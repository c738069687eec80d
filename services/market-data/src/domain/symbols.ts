/** Symbol normalization shared by every provider and the store (SPEC §6). */

/** The accepted raw symbol shape (before normalization), from the portfolio CSV contract. */
export const SYMBOL_PATTERN = /^[A-Za-z0-9._-]{1,20}$/;

/** A symbol that does not match {@link SYMBOL_PATTERN}. */
export class InvalidSymbolError extends RangeError {
  override readonly name = "InvalidSymbolError";
  constructor(readonly symbol: string) {
    super(`invalid symbol ${JSON.stringify(symbol)}: expected 1-20 characters of A-Z, a-z, 0-9, ".", "_", "-"`);
  }
}

/**
 * Normalizes a symbol the way providers spell it: trims surrounding whitespace, upper-cases, and
 * replaces "." with "-" (share classes: "BRK.B" -> "BRK-B").
 *
 * Validation runs on the trimmed input, so "brk.b" and " BRK-B " both become "BRK-B".
 * Idempotent: normalizeSymbol(normalizeSymbol(s)) === normalizeSymbol(s).
 * @throws InvalidSymbolError when the trimmed input is empty, longer than 20 characters, or holds a
 *   character outside [A-Za-z0-9._-].
 */
export function normalizeSymbol(s: string): string {
  const trimmed = s.trim();
  if (!SYMBOL_PATTERN.test(trimmed)) throw new InvalidSymbolError(s);
  return trimmed.toUpperCase().replaceAll(".", "-");
}
