/** Test helper: a pino logger whose JSON lines are collected in memory (not exported by the package). */
import type { Logger } from "pino";
import { createLogger } from "./logger.js";

/** A logger at `level` plus the parsed lines it wrote. */
export function memoryLogger(level = "debug"): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger("test", {
    level,
    destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) },
  });
  return { logger, lines };
}
