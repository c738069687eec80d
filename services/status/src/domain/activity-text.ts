import { timestampDate } from "@bufbuild/protobuf/wkt";
import { ActivityLevel, type ActivityEntry } from "@sigma/contracts";

const LEVEL_LABELS: Readonly<Record<ActivityLevel, string>> = {
  [ActivityLevel.UNSPECIFIED]: "INFO",
  [ActivityLevel.INFO]: "INFO",
  [ActivityLevel.WARNING]: "WARN",
  [ActivityLevel.ERROR]: "ERROR",
};

/**
 * Formats one activity entry as a log line:
 * `2019-03-04T14:00:00.000Z WARN  [seq 42] 2019-03-04 HZNP: symbol unavailable (delisted)`.
 * Missing timestamps print as `-`; symbol and date appear only when set, and the symbol not
 * when the message already starts with it (the coordinator writes "HZNP: …" lines, which
 * would otherwise read "HZNP HZNP: …").
 */
export function formatActivityLine(entry: ActivityEntry): string {
  const at = entry.at ? timestampDate(entry.at).toISOString() : "-";
  const level = (LEVEL_LABELS[entry.level] ?? "INFO").padEnd(5);
  const symbol = startsWithWord(entry.message, entry.symbol) ? "" : entry.symbol;
  const context = [symbol, entry.date].filter((s) => s !== "").join(" ");
  // Newlines inside a message would break the one-line-per-entry format of the download.
  const message = entry.message.replace(/\r?\n/g, " ");
  return `${at} ${level} [seq ${entry.seq}]${context ? ` ${context}` : ""} ${message}`;
}

/**
 * Formats a whole activity log as downloadable text: a header naming the run, then one line
 * per entry (see {@link formatActivityLine}), newline-terminated.
 */
export function formatActivityLog(runId: string, entries: readonly ActivityEntry[]): string {
  const lines = [`# Sigma run ${runId}: ${entries.length} activity lines`, ...entries.map(formatActivityLine)];
  return `${lines.join("\n")}\n`;
}

/** True when `text` begins with `word` followed by a non-word character (or nothing). */
function startsWithWord(text: string, word: string): boolean {
  if (word === "" || !text.startsWith(word)) return false;
  const next = text.charAt(word.length);
  return next === "" || !/[A-Za-z0-9._-]/.test(next);
}
