import { OptionType } from "@sigma/contracts";
import { isIsoDate } from "./field-values.js";

/** The contract an OCC option symbol encodes. */
export interface OccContract {
  /** Root symbol (the underlying, without punctuation: BRK.B options have root BRKB). */
  readonly root: string;
  /** Expiration date, YYYY-MM-DD (OCC years are 20yy). */
  readonly expirationDate: string;
  readonly optionType: OptionType.CALL | OptionType.PUT;
  /** Strike in currency units (the symbol carries strike × 1000 in 8 digits). */
  readonly strikePrice: number;
}

const OCC = /^([A-Z0-9]{1,6})(\d{2})(\d{2})(\d{2})([CP])(\d{8})$/;

/**
 * Parses an OCC option symbol without padding, e.g. `SPY191220P00250000` = SPY, 2019-12-20, put,
 * strike 250. Returns undefined when the (upper-case) symbol is not one, including when its
 * yymmdd is not a real date (190230).
 */
export function parseOccSymbol(symbol: string): OccContract | undefined {
  const match = OCC.exec(symbol);
  if (match === null) return undefined;
  const [, root, yy, mm, dd, type, strike] = match;
  const expirationDate = `20${yy}-${mm}-${dd}`;
  if (root === undefined || strike === undefined || !isIsoDate(expirationDate)) return undefined;
  return {
    root,
    expirationDate,
    optionType: type === "C" ? OptionType.CALL : OptionType.PUT,
    strikePrice: Number(strike) / 1000,
  };
}

/** The form of an underlying symbol an OCC root is compared with: upper-case, no `.`, `-` or `_`. */
export function occRootOf(underlying: string): string {
  return underlying.toUpperCase().replace(/[.\-_]/g, "");
}
