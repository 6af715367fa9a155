/** Thrown when every slot is taken and the queue is full, or a waiter's time ran out. */
export class NoHashSlotError extends Error {
  override name = "NoHashSlotError";
}

export interface HashSlotsOptions {
  /** Hashes at once; each scrypt hash at N=2^17, r=8 holds 128 MiB while it runs. */
  concurrency: number;
  /** Callers waiting for a slot at most; one more is refused at once. */
  maxQueue: number;
  /** How long a caller waits for a slot before it is refused. */
  maxWaitMs: number;
  /** Told the number running after every change (a metrics gauge). */
  onChange?: (running: number) => void;
}

/**
 * A semaphore with a bounded queue and a bounded wait, so a flood of log-ins costs at most `concurrency`
 * hashes' memory and is refused rather than piled up. Hand-written: the maintained libraries (p-limit,
 * async-mutex) bound the wait or nothing, never the queue's length, and this is 40 lines.
 */
export class HashSlots {
  private running = 0;
  private peak = 0;
  private readonly waiting: Array<{ grant(): void; timer: NodeJS.Timeout }> = [];

  constructor(private readonly options: HashSlotsOptions) {}

  /** Runs `task` in a slot; rejects with NoHashSlotError, without running it, if none came in time. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  /** The most hashes that ran at once since start. */
  get highWaterMark(): number {
    return this.peak;
  }

  private acquire(): Promise<void> {
    if (this.running < this.options.concurrency) {
      this.changed(this.running + 1);
      return Promise.resolve();
    }
    if (this.waiting.length >= this.options.maxQueue)
      return Promise.reject(new NoHashSlotError("all password hash slots are busy and the queue is full"));
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: () => {
          clearTimeout(waiter.timer);
          resolve();
        },
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          reject(new NoHashSlotError(`no password hash slot within ${this.options.maxWaitMs} ms`));
        }, this.options.maxWaitMs),
      };
      this.waiting.push(waiter);
    });
  }

  private release(): void {
    // The slot passes straight to the next waiter: the count of running hashes does not change.
    const next = this.waiting.shift();
    if (next) next.grant();
    else this.changed(this.running - 1);
  }

  private changed(running: number): void {
    this.running = running;
    this.peak = Math.max(this.peak, running);
    this.options.onChange?.(running);
  }
}
