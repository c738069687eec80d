import { ConnectError } from "@connectrpc/connect";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { type Phase, phaseInfo } from "@sigma/contracts";
import { codeName } from "@sigma/runtime";
import { PhaseFailedError } from "../phases/step.js";

/** Longest text kept from a peer's error details (the run record stays readable). */
const MAX_DETAIL_CHARS = 600;

/**
 * One line an operator can act on: which phase failed, the status code, the peer's own message
 * (`rawMessage`, without the "[code]" prefix) and the text of any error details it attached
 * (e.g. google.rpc.BadRequest field violations), so a peer's
 * `daily_prices.csv:608: close is not a number: "abc"` reaches the run record as written.
 */
export function describeFailure(err: unknown, phase: Phase | undefined): string {
  const where = phase ? `${phaseInfo(phase).name} failed: ` : "";
  if (err instanceof PhaseFailedError) return where + err.message;
  if (err instanceof ConnectError) {
    const details = detailTexts(err).filter((t) => !err.rawMessage.includes(t));
    const extra = details.length ? ` (${truncate(details.join("; "), MAX_DETAIL_CHARS)})` : "";
    return `${where}${codeName(err.code)}: ${oneLine(err.rawMessage)}${extra}`;
  }
  return `${where}${(err as Error)?.name ?? "Error"}: ${oneLine((err as Error)?.message ?? String(err))}`;
}

/** Multi-line messages (e.g. one field violation per line) become one line. */
function oneLine(s: string): string {
  return s
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .join("; ");
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/**
 * The human-readable strings of an error's details. Connect gives received details as
 * `{ type, value, debug? }` without their schema; the debug JSON is used when present, otherwise the
 * strings are read from the Protobuf wire form (every google.rpc detail carries its text as strings).
 */
export function detailTexts(err: ConnectError): string[] {
  const out: string[] = [];
  for (const d of err.details) {
    if ("debug" in d && d.debug !== undefined && d.debug !== null) {
      out.push(typeof d.debug === "string" ? d.debug : JSON.stringify(d.debug));
    } else if ("value" in d && d.value instanceof Uint8Array) {
      const strings = wireStrings(d.value, 0);
      if (strings.length) out.push(pairUp(strings));
    }
  }
  return out.filter(Boolean);
}

/** Joins [field, description, field, description, ...] as "field: description" (BadRequest shape). */
function pairUp(strings: string[]): string {
  if (strings.length % 2 !== 0) return strings.join(", ");
  const pairs: string[] = [];
  for (let i = 0; i < strings.length; i += 2) pairs.push(`${strings[i]}: ${strings[i + 1]}`);
  return pairs.join(", ");
}

/** Printable UTF-8 strings in a Protobuf message, depth-first; nested messages are walked. */
function wireStrings(bytes: Uint8Array, depth: number): string[] {
  if (depth > 4) return [];
  const out: string[] = [];
  try {
    const r = new BinaryReader(bytes);
    while (r.pos < r.len) {
      const [, wireType] = r.tag();
      if (wireType !== WireType.LengthDelimited) {
        r.skip(wireType);
        continue;
      }
      const chunk = r.bytes();
      const text = printable(chunk);
      if (text !== undefined) out.push(text);
      else out.push(...wireStrings(chunk, depth + 1));
    }
  } catch {
    // Not a message (or truncated): whatever was read so far is still useful text.
  }
  return out;
}

function printable(chunk: Uint8Array): string | undefined {
  if (chunk.length === 0) return undefined;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(chunk);
  } catch {
    return undefined;
  }
  // Control characters other than tab/newline mean binary (a nested message), not text.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: detecting binary is the point
  return /[\u0000-\u0008\u000b-\u001f\u007f]/.test(text) ? undefined : text;
}
