import { type BaseServiceEnv, defineConfig, loadServiceConfig } from "@sigma/runtime";

/** The risk service reads only the shared variables (PORT, HOST, LOG_LEVEL, SIGMA_AUTH, SIGMA_JWT_SECRET) until its store arrives. */
export const riskConfigSpec = defineConfig({});

/** The validated configuration of the risk service. */
export type RiskConfig = BaseServiceEnv;

/**
 * Reads and validates the risk service's configuration.
 *
 * @throws ConfigError listing every missing or bad variable.
 */
export function loadRiskConfig(env: Readonly<Record<string, string | undefined>> = process.env): RiskConfig {
  return loadServiceConfig("risk", riskConfigSpec, env).base;
}
