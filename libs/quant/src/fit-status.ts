/** Outcome codes of a windowed fit, stored per date in a Uint8Array. */
export const FitStatus = {
  /** The fit succeeded. */
  OK: 0,
  /** Fewer usable observations than the minimum (or not more than the regressor count for ridge). */
  INSUFFICIENT_HISTORY: 1,
  /** A regressor has zero variance over the window's usable rows. */
  DEGENERATE_REGRESSOR: 2,
} as const;

/** One of the {@link FitStatus} codes. */
export type FitStatusCode = (typeof FitStatus)[keyof typeof FitStatus];

/** Names of the {@link FitStatus} codes, indexable by code. */
export const FIT_STATUS_NAMES = ["OK", "INSUFFICIENT_HISTORY", "DEGENERATE_REGRESSOR"] as const;
