/**
 * A bounded in-memory capture of a child process's output, so a failing test can print what the
 * process said last without keeping unbounded logs.
 */

/** Keeps the last `maxBytes` (approximately, in UTF-16 code units) of appended text. */
export class OutputBuffer {
  private chunks: string[] = [];
  private size = 0;
  private dropped = 0;

  /** @param maxBytes - how much text to keep (default 256 KiB); older text is discarded first. */
  constructor(private readonly maxBytes = 256 * 1024) {
    if (!Number.isInteger(maxBytes) || maxBytes <= 0) throw new RangeError(`maxBytes must be a positive integer, got ${maxBytes}`);
  }

  /** Appends text (a Buffer is decoded as UTF-8). */
  append(data: string | Buffer): void {
    const text = typeof data === "string" ? data : data.toString("utf8");
    if (text.length === 0) return;
    this.chunks.push(text);
    this.size += text.length;
    while (this.size > this.maxBytes && this.chunks.length > 1) {
      const first = this.chunks.shift()!;
      this.size -= first.length;
      this.dropped += first.length;
    }
    if (this.size > this.maxBytes) {
      // One huge chunk: keep its end.
      const only = this.chunks[0]!;
      this.chunks[0] = only.slice(only.length - this.maxBytes);
      this.dropped += only.length - this.maxBytes;
      this.size = this.maxBytes;
    }
  }

  /** Everything kept, oldest first. */
  text(): string {
    return this.chunks.join("");
  }

  /** Characters discarded so far because the buffer was full. */
  get discarded(): number {
    return this.dropped;
  }

  /**
   * The last `lines` lines (a trailing partial line counts as one).
   *
   * @param lines - how many (>= 0).
   */
  tail(lines = 40): string {
    if (lines <= 0) return "";
    const all = this.text().split("\n");
    if (all.at(-1) === "") all.pop();
    return all.slice(-lines).join("\n");
  }
}
