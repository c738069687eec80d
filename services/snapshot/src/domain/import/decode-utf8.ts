/** The text of a CSV file and the lines whose bytes were not valid UTF-8. */
export interface DecodedText {
  /** The decoded text without a leading UTF-8 BOM; invalid bytes are replaced by U+FFFD. */
  readonly text: string;
  /**
   * 1-based line numbers that contain bytes that are not valid UTF-8, ascending. Lines end at LF,
   * CRLF or a lone CR, as in {@link splitLines}.
   */
  readonly invalidLines: readonly number[];
}

const LF = 0x0a;
const CR = 0x0d;

/** Splits text into lines at LF, CRLF or a lone CR (the line numbering every import problem uses). */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\n|\r/);
}

/**
 * Decodes a CSV file as UTF-8 (SPEC §6: UTF-8 only; a BOM is accepted and dropped).
 *
 * Invalid input is not thrown away: it is decoded with replacement characters so that the rest of
 * the file can still be checked and every problem reported at once, and the lines holding invalid
 * bytes are named so that the caller can report INVALID_ENCODING per row.
 */
export function decodeUtf8(bytes: Uint8Array): DecodedText {
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes), invalidLines: [] };
  } catch {
    // Not valid UTF-8 somewhere: find the lines, one fatal decode per line (CR and LF are never
    // part of a multi-byte sequence, so splitting on them cannot cut a valid character in two).
  }
  const invalidLines: number[] = [];
  const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  let line = 1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    const byte = bytes[i];
    if (i < bytes.length && byte !== LF && byte !== CR) continue;
    try {
      strict.decode(bytes.subarray(start, i));
    } catch {
      invalidLines.push(line);
    }
    if (byte === CR && bytes[i + 1] === LF) i++;
    line++;
    start = i + 1;
  }
  return { text: new TextDecoder("utf-8").decode(bytes), invalidLines };
}
