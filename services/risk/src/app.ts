import { RiskService } from "@sigma/contracts";
import { type AuthConfig, defineService, type Logger, serve, unimplementedService } from "@sigma/runtime";

/** Options of the risk service. Its store arrives with phases 3-6 (not built yet). */
export interface RiskAppOptions {
  port: number;
  host?: string;
  logger: Logger;
  auth: AuthConfig;
}

/**
 * Starts the risk service. Every RPC is declared and answers UNIMPLEMENTED naming the capability
 * it waits for; health and reflection are live.
 */
export async function startRisk(o: RiskAppOptions) {
  const server = await serve({
    name: "risk",
    port: o.port,
    host: o.host,
    logger: o.logger,
    auth: o.auth,
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
