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
