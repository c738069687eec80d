/** One Server-Sent Event. */
export interface SseEvent {
  id: string | null;
  /** "message" unless the event names another type. */
  event: string;
  data: string;
}

/**
 * Splits a Server-Sent Events buffer into complete events and the unfinished rest. Comment
 * lines and events without data are dropped.
 */
export function parseSse(buffer: string): { events: SseEvent[]; rest: string } {
  const blocks = buffer.replace(/\r\n?/g, "\n").split("\n\n");
  const rest = blocks.pop() ?? "";
  const events: SseEvent[] = [];
  for (const block of blocks) {
    let id: string | null = null;
    let event = "message";
    let data: string | null = null;
    for (const line of block.split("\n")) {
      if (line === "" || line.startsWith(":")) continue;
      const i = line.indexOf(":");
      const field = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
      if (field === "data") data = data === null ? value : `${data}\n${value}`;
      else if (field === "id") id = value;
      else if (field === "event") event = value;
    }
    if (data !== null) events.push({ id, event, data });
  }
  return { events, rest };
}
