import { FailedPreconditionError, type HealthState, ServingStatus } from "@sigma/runtime";
import type { Logger } from "pino";
import { checkPriceFile, CsvPriceProvider, type PriceProvider } from "../domain/index.js";

/**
 * Whether the configured price source can be used at all, before any symbol is asked of it:
 * for `csv:PATH`, the file exists, is readable and has the price header (see checkPriceFile).
 * Synthetic and HTTP providers have nothing to check locally (HTTP failures are per symbol).
 * @returns undefined when usable, else the reason an operator can act on.
 */
export async function checkPriceSource(provider: PriceProvider): Promise<string | undefined> {
  if (provider instanceof CsvPriceProvider) return checkPriceFile(provider.path);
  return undefined;
}

/**
 * Holds the price source's usability for the service: health is NOT_SERVING while it is unusable
 * (the service still starts and answers), and SyncPrices asks {@link PriceSourceGate.require}, which
 * re-checks (a file put in place later is picked up) and refuses with FAILED_PRECONDITION naming the
 * reason otherwise.
 */
export class PriceSourceGate {
  private current: string | undefined;
  private health: HealthState | undefined;
  private logger: Logger | undefined;

  constructor(private readonly provider: PriceProvider) {}

  /** Why the source is unusable at the last check; undefined when usable (or never checked). */
  get problem(): string | undefined {
    return this.current;
  }

  /**
   * Checks the source now and reflects the result in `health` from then on (call once the server
   * is up). Logs an error with the reason when the source is unusable.
   */
  async attachHealth(health: HealthState, logger: Logger): Promise<string | undefined> {
    this.health = health;
    this.logger = logger;
    return this.refresh();
  }

  /** Re-runs the check and updates health when the answer changed. */
  async refresh(): Promise<string | undefined> {
    const problem = await checkPriceSource(this.provider);
    const changed = problem !== this.current;
    this.current = problem;
    if (problem !== undefined) {
      this.health?.setAll(ServingStatus.NOT_SERVING);
      if (changed) this.logger?.error({ problem }, "price source unusable: health NOT_SERVING, SyncPrices refused until fixed");
    } else if (changed && this.health) {
      this.health.setAll(ServingStatus.SERVING);
      this.logger?.info({ provider: this.provider.describe() }, "price source usable again: health SERVING");
    }
    return problem;
  }

  /**
   * Throws when the source is unusable (re-checking first when it was unusable before).
   * @throws FailedPreconditionError naming the reason.
   */
  async require(): Promise<void> {
    if (this.current === undefined) return;
    const problem = await this.refresh();
    if (problem !== undefined) throw new FailedPreconditionError(`price source unusable: ${problem}`);
  }
}
