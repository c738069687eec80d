import { Phase } from "./gen/sigma/common/v1/common_pb.js";

/** Static description of a pipeline phase: legacy label, user-facing name and progress unit. */
export interface PhaseInfo {
  readonly phase: Phase;
  /** Legacy numeric label kept from the old system ("1", "1.5", ...). */
  readonly label: string;
  /** User-facing name shown on the status page. */
  readonly name: string;
}

/**
 * Every phase in the order of its label (SPEC §2, §5): the order status views list them in. The
 * coordinator runs 2.5 after the chunked phases 3–6 (see services/coordinator/src/phases/index.ts).
 */
export const PHASES: readonly PhaseInfo[] = [
  { phase: Phase.MARKET_DATA, label: "1", name: "Market Data Collection" },
  { phase: Phase.SYMBOL_FACTORS, label: "1.5", name: "Factor Analysis" },
  { phase: Phase.SYMBOL_METRICS, label: "1.75", name: "Symbol Metrics" },
  { phase: Phase.SNAPSHOTS, label: "2", name: "Portfolio Snapshots" },
  { phase: Phase.POSITION_VALUES, label: "2.5", name: "Position Values" },
  { phase: Phase.POSITION_BETAS, label: "3", name: "Position Betas" },
  { phase: Phase.FACTOR_EXPOSURES, label: "4", name: "Factor Exposures" },
  { phase: Phase.VOLATILITY, label: "5", name: "Volatility Analysis" },
  { phase: Phase.CORRELATIONS, label: "6", name: "Correlations" },
  // Not numbered in the old system: the active scenarios stored at the run's last date, after phase 6.
  { phase: Phase.STRESS_TESTS, label: "stress", name: "Stress Tests" },
];

/** Looks up the static info of a phase; throws on PHASE_UNSPECIFIED or an unknown value. */
export function phaseInfo(phase: Phase): PhaseInfo {
  const info = PHASES.find((p) => p.phase === phase);
  if (!info) throw new Error(`unknown phase ${phase}`);
  return info;
}
