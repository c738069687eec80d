/**
 * Test fixtures: deterministic RunEvents with varied payloads. Used by this package's tests only
 * (not exported from the index).
 */
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  ActivityLevel,
  ActivityLineSchema,
  Phase,
  PhaseProgressSchema,
  RunEventSchema,
  RunStartedSchema,
  type RunEvent,
} from "@sigma/contracts";

/** The i-th (1-based) event of a run: seq 1 is RunStarted, even seqs progress, odd seqs activity. */
export function sampleEvent(runId: string, seq: number): RunEvent {
  const base = {
    runId,
    portfolioIds: ["p-1", `p-${seq}`],
    emittedAt: timestampFromMs(1_579_800_000_000 + seq * 1000),
    runSeq: BigInt(seq),
  };
  if (seq === 1) {
    return create(RunEventSchema, {
      ...base,
      payload: {
        case: "runStarted",
        value: create(RunStartedSchema, { source: "manual", scope: "portfolio", datesTotal: 254, phases: [Phase.MARKET_DATA] }),
      },
    });
  }
  if (seq % 2 === 0) {
    return create(RunEventSchema, {
      ...base,
      payload: {
        case: "phaseProgress",
        value: create(PhaseProgressSchema, { phase: Phase.MARKET_DATA, current: BigInt(seq), total: 1000n, unit: "symbols" }),
      },
    });
  }
  return create(RunEventSchema, {
    ...base,
    payload: {
      case: "activity",
      value: create(ActivityLineSchema, { level: ActivityLevel.WARNING, message: `line ${seq} ü`, symbol: "HZNP", date: "2020-01-23" }),
    },
  });
}

/** Collects up to `n` items from an async iterable, then stops consuming. */
export async function take<T>(iterable: AsyncIterable<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  if (n === 0) return out;
  for await (const item of iterable) {
    out.push(item);
    if (out.length >= n) break;
  }
  return out;
}
