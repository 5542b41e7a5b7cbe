/**
 * A counting semaphore: at most `limit` holders at once; others wait in arrival order. Bounds how
 * much of one kind of work runs at once (analyses, metric queries) when thousands of canaries are
 * due together.
 */
export class Semaphore {
  private holders = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`Semaphore: limit ${limit} must be an integer ≥ 1`);
  }

  /** Runs `work` once a place is free, and frees it when `work` settles. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.holders >= this.limit) await new Promise<void>((enter) => this.waiting.push(enter));
    else this.holders++;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.holders--;
    }
  }

  /** Holders now (for metrics and tests). */
  get active(): number {
    return this.holders;
  }

  /** Callers waiting for a place. */
  get queued(): number {
    return this.waiting.length;
  }
}
