// Bounds a scan: at most `concurrency` handshakes at once, at most `ratePerSecond` started per second,
// at most `maxHandshakes` in total, and none after cancellation. One instance per scan — the counter is
// the "handshakes made" figure of the report.
import { EngineError } from '../common/errors';

export class HandshakeBudget {
  private active = 0;
  private readonly queue: Array<() => void> = [];
  private nextStartAt = 0;
  count = 0;

  constructor(
    private readonly concurrency: number,
    private readonly ratePerSecond: number,
    private readonly maxHandshakes: number,
    private readonly signal?: AbortSignal,
  ) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      if (this.signal?.aborted) throw new EngineError('CANCELLED', 'scan cancelled');
      if (this.count >= this.maxHandshakes)
        throw new EngineError('TLS_SCAN_LIMIT', `more than ${this.maxHandshakes} handshakes needed`);
      this.count++;
      if (this.ratePerSecond > 0) {
        const now = Date.now();
        const startAt = Math.max(now, this.nextStartAt);
        this.nextStartAt = startAt + 1000 / this.ratePerSecond;
        if (startAt > now) await new Promise((r) => setTimeout(r, startAt - now));
      }
      return await fn();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.concurrency) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push(() => resolve()));
  }

  private release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.active--;
  }
}
