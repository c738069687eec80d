/** Conversion of instants to America/New_York calendar dates (the NYSE session date). */

const formatter = new Intl.DateTimeFormat("en-US", {
  timeZone: "America/New_York",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
});

/**
 * The America/New_York calendar date ("YYYY-MM-DD") of an instant, daylight saving included.
 * Polygon stamps daily bars at New York midnight (04:00 or 05:00 UTC), which a UTC conversion
 * would also get right, but an evening-stamped bar would land on the next UTC day: New York is the
 * reference.
 * @param epochMs - milliseconds since 1970-01-01T00:00:00Z.
 * @throws RangeError when epochMs is not a finite time value.
 */
export function newYorkDate(epochMs: number): string {
  if (!Number.isFinite(epochMs)) throw new RangeError(`not a time value: ${epochMs}`);
  let year = "";
  let month = "";
  let day = "";
  for (const part of formatter.formatToParts(epochMs)) {
    if (part.type === "year") year = part.value;
    else if (part.type === "month") month = part.value;
    else if (part.type === "day") day = part.value;
  }
  return `${year.padStart(4, "0")}-${month}-${day}`;
}
