/** FactorService: proto ↔ use-case translation, validation and authorization; no business logic. */
import type { ServiceImpl } from "@connectrpc/connect";
import {
  type BetaQuality,
  type FactorService,
  type PhaseCounters,
  SkipReason as PbSkipReason,
  type SymbolMetrics,
  type SymbolProblem as PbSymbolProblem,
} from "@sigma/contracts";
import { requireAdmin, requirePrincipal } from "@sigma/runtime";
import { FACTOR_IDS, METRIC_KEYS, QUALITY_NONE, type MetricKey, type SkipReason } from "../domain/index.js";
import type { FactorRepository } from "../store/factor-store.js";
import { computeFactorsForRange, computeMetricsForRange, type PhaseOutcome } from "../usecases/compute-range.js";
import { readFactorPanel } from "../usecases/factor-panel.js";
import type { ReportedProblem } from "../usecases/missing-closes.js";
import type { PriceSource, RunPriceCache } from "@sigma/prices";
import { factorEnum, normalizeSymbols, runIdOf, selectedFactors, validRange } from "./validation.js";

/** What the factor handlers need. */
export interface FactorHandlerDeps {
  prices: PriceSource;
  store: FactorRepository;
  /** Reuses prices between compute calls carrying the same run_id; without it every call reads `prices`. */
  priceCache?: RunPriceCache;
}

/** Proto field name of each metric key (protobuf-es camelCase). */
const METRIC_FIELDS: Record<MetricKey, keyof SymbolMetrics> = {
  return_1d: "return1d",
  return_5d: "return5d",
  return_21d: "return21d",
  return_63d: "return63d",
  return_252d: "return252d",
  return_mtd: "returnMtd",
  return_ytd: "returnYtd",
  realized_vol_21d: "realizedVol21d",
  realized_vol_63d: "realizedVol63d",
  rsi_14: "rsi14",
  sma_50: "sma50",
  sma_200: "sma200",
  drawdown_252d: "drawdown252d",
};

function pbReason(r: SkipReason): PbSkipReason {
  return PbSkipReason[r];
}

/** Counters with only the reasons that occurred (a zero count carries no information). */
function counters(o: PhaseOutcome): PhaseCounters {
  return {
    $typeName: "sigma.common.v1.PhaseCounters",
    inputs: BigInt(o.inputs),
    outputs: BigInt(o.outputs),
    skipped: (Object.entries(o.skipped) as [SkipReason, number][])
      .filter(([, n]) => n > 0)
      .map(([reason, n]) => ({ $typeName: "sigma.common.v1.SkipCount", reason: pbReason(reason), count: BigInt(n) })),
  };
}

function problems(list: readonly ReportedProblem[]): PbSymbolProblem[] {
  return list.map((p) => ({
    $typeName: "sigma.common.v1.SymbolProblem",
    symbol: p.symbol,
    reason: pbReason(p.reason),
    message: p.detail,
    date: p.date ?? "",
  }));
}

/** FactorService implementation: compute RPCs need the admin role, reads any principal. */
export function factorHandlers(deps: FactorHandlerDeps): ServiceImpl<typeof FactorService> {
  /** The use-case dependencies of one compute call: prices through the run's cache when it names a run. */
  const computeDeps = (runId: string) => ({
    prices: deps.priceCache ? deps.priceCache.forRun(runId) : deps.prices,
    store: deps.store,
  });
  return {
    async computeSymbolFactors(req, ctx) {
      requireAdmin(ctx);
      const symbols = normalizeSymbols(req.symbols);
      const range = validRange(req.startDate, req.endDate, false);
      const o = await computeFactorsForRange(computeDeps(runIdOf(req.runId)), { symbols, ...range }, ctx.signal);
      return { counters: counters(o), problems: problems(o.problems), fits: BigInt(o.fits) };
    },
    async computeSymbolMetrics(req, ctx) {
      requireAdmin(ctx);
      const symbols = normalizeSymbols(req.symbols);
      const range = validRange(req.startDate, req.endDate, false);
      const o = await computeMetricsForRange(computeDeps(runIdOf(req.runId)), { symbols, ...range }, ctx.signal);
      return { counters: counters(o), problems: problems(o.problems) };
    },
    async getSymbolFactors(req, ctx) {
      requirePrincipal(ctx);
      const symbols = normalizeSymbols(req.symbols);
      const range = validRange(req.startDate, req.endDate, true);
      const wanted = selectedFactors(req.factors).map((id) => ({ id, j: FACTOR_IDS.indexOf(id), factor: factorEnum(id) }));
      const t = await deps.store.readFactors({ symbols, ...range });
      const rows = [];
      for (let r = 0; r < t.rowCount; r++) {
        const betas = [];
        for (const w of wanted) {
          const i = r * FACTOR_IDS.length + w.j;
          if (t.quality[i] === QUALITY_NONE) continue;
          betas.push({ factor: w.factor, beta: t.beta[i]!, r2: t.r2[i]!, nObs: t.nObs[i]!, quality: t.quality[i]! as BetaQuality });
        }
        if (betas.length > 0) rows.push({ symbol: t.symbol[r]!, date: t.date[r]!, betas });
      }
      return { rows };
    },
    async getFactorPanel(req, ctx) {
      requirePrincipal(ctx);
      const symbols = normalizeSymbols(req.symbols);
      const range = validRange(req.startDate, req.endDate, true);
      const factors = selectedFactors(req.factors);
      const panel = await readFactorPanel(deps.store, { symbols, ...range, factors });
      return {
        dates: panel.dates,
        symbols: panel.symbols,
        columns: panel.columns.map((c) => ({
          factor: factorEnum(c.factor),
          betas: Array.from(c.beta),
          r2: Array.from(c.r2),
          nObs: Array.from(c.nObs),
          // Stored quality codes use the proto's BetaQuality numbering (0 = unspecified = no value).
          quality: Array.from(c.quality) as BetaQuality[],
        })),
      };
    },
    async getSymbolMetrics(req, ctx) {
      requirePrincipal(ctx);
      const symbols = normalizeSymbols(req.symbols);
      const range = validRange(req.startDate, req.endDate, true);
      const t = await deps.store.readMetrics({ symbols, ...range });
      const rows = [];
      for (let r = 0; r < t.rowCount; r++) {
        const row: Record<string, unknown> = { symbol: t.symbol[r]!, date: t.date[r]! };
        for (const k of METRIC_KEYS) {
          const v = t.columns[k][r]!;
          // An unset optional field is the proto's null (too little history), never 0.
          if (!Number.isNaN(v)) row[METRIC_FIELDS[k]] = v;
        }
        rows.push(row as Partial<SymbolMetrics> as SymbolMetrics);
      }
      return { rows };
    },
  };
}
