import type { Logger } from "@supergraph/kit/runtime";

/**
 * Fail open: the cache may make requests faster, never make them fail. Every cache operation runs with a
 * bounded timeout; on any failure the request goes on uncached. The first failure logs one warning (not
 * one per request) and the next success logs the recovery, so an outage is visible without flooding
 * the logs. A purge that could not be recorded is remembered, and on recovery every cached response
 * written before is invalidated (see TagStore.bumpEpoch), because any of them may now be stale.
 */
export class CacheHealth {
  private healthy = true;
  private purgeLost = false;

  constructor(
    private readonly logger: Logger,
    private readonly timeoutMs: number,
    private readonly onRecovered: () => Promise<void>,
  ) {}

  get isHealthy(): boolean {
    return this.healthy;
  }

  /**
   * Runs a cache operation; returns `fallback` if it fails or takes longer than the timeout. A timeout of
   * 0 means the store cannot hang (in memory): no timer is armed for each operation.
   */
  async run<T>(operation: () => Promise<T>, fallback: T): Promise<T> {
    // An operation begun after a purge was lost gets the fallback even if it succeeds: what it read may
    // predate the epoch bump that recovery makes (a tag check would pass an entry the lost purge should
    // have invalidated). One begun while the store merely failed can be trusted: nothing was missed.
    const trusted = !this.purgeLost;
    try {
      const result = this.timeoutMs > 0 ? await withTimeout(operation(), this.timeoutMs) : await operation();
      if (!this.healthy) await this.recover();
      return trusted ? result : fallback;
    } catch (error) {
      this.fail(error);
      return fallback;
    }
  }

  /**
   * Runs a purge. If it fails, the purge is lost: cached entries may now be stale, so when the store is
   * back the epoch is bumped (everything written before is invalid) before anything is read again.
   */
  async purge(operation: () => Promise<void>): Promise<void> {
    try {
      await withTimeout(operation(), this.timeoutMs);
      if (!this.healthy) await this.recover();
    } catch (error) {
      this.purgeLost = true;
      this.fail(error);
    }
  }

  /** Connection-level errors reported by the client itself. */
  fail(error: unknown): void {
    if (!this.healthy) return;
    this.healthy = false;
    this.logger.warn({ err: error }, "response cache unavailable: serving uncached until it is back");
  }

  /** Once for all the operations that find the store back at the same time (one epoch bump, one log line). */
  private recovering: Promise<void> | undefined;

  private recover(): Promise<void> {
    this.recovering ??= (async () => {
      if (this.purgeLost) {
        await withTimeout(this.onRecovered(), this.timeoutMs);
        this.purgeLost = false;
      }
      this.healthy = true;
      this.logger.info("response cache is back");
    })().finally(() => {
      this.recovering = undefined;
    });
    return this.recovering;
  }
}

class CacheTimeoutError extends Error {
  override name = "CacheTimeoutError";
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CacheTimeoutError(`cache operation took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
