/** Seconds to "45s", "3m 07s", "1h 02m"; "" for a missing, non-numeric or negative value. */
export function formatDuration(seconds: unknown): string {
  const n = Number(seconds);
  if (seconds === undefined || seconds === null || !Number.isFinite(n) || n < 0) return "";
  const s = Math.floor(n);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  const r = s % 60;
  if (m < 60) return `${m}m ${r < 10 ? "0" : ""}${r}s`;
  const h = Math.floor(m / 60);
  const mm = m % 60;
  return `${h}h ${mm < 10 ? "0" : ""}${mm}m`;
}

const money0 = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const money2 = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** Dollars, signed, no cents above 1 000 ("-12,345", "12.50"); "–" for a missing value. */
export function formatMoney(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "\u2013";
  return Math.abs(v) >= 1000 ? money0.format(v) : money2.format(v);
}

/** A decimal fraction as a percentage with `digits` decimals (0.1234 → "12.34%"); "–" when missing. */
export function formatPct(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "\u2013";
  return `${(v * 100).toFixed(digits)}%`;
}

/** A plain number with `digits` decimals; "–" when missing. */
export function formatNumber(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "\u2013";
  return v.toFixed(digits);
}
