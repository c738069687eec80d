import { RiskService } from "@sigma/contracts";
import { defineService, type Logger, serve, unimplementedService } from "@sigma/runtime";
import type { RiskConfig } from "./config.js";

// The public entry point of the service (package "."): its configuration loader and start function.
export { loadRiskConfig, type RiskConfig } from "./config.js";

/** What the risk service shares with its process (the same in main.ts, `sigma dev` and tests). */
export interface RiskShared {
  logger: Logger;
}

/**
 * Starts the risk service. Every RPC is declared and answers UNIMPLEMENTED naming the capability
 * it waits for; health and reflection are live.
 */
export async function startRisk(config: RiskConfig, o: RiskShared) {
  const server = await serve({
    name: "risk",
    port: config.port,
    host: config.host,
    logger: o.logger,
    auth: config.auth,
    services: [
      defineService(
        RiskService,
        unimplementedService(RiskService, "risk analytics (phases 3-6)", {
          computePositionBetas: "position betas (phase 3)",
          computeFactorExposures: "factor exposures (phase 4)",
          getFactorExposures: "factor exposures (phase 4)",
          computeVolatility: "volatility analysis (phase 5)",
          computeCorrelations: "correlations (phase 6)",
          listScenarios: "stress tests",
          runStressTest: "stress tests",
        }),
      ),
    ],
  });
  o.logger.info({ port: server.port }, "risk service listening (RPCs not built yet answer UNIMPLEMENTED)");
  return { name: "risk", port: server.port, url: server.url, close: () => server.close() };
}
