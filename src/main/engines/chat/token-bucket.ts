// Per-connection rate limit: `perSec` tokens refill continuously up to `burst`; each frame takes one.
// Time comes from performance.now() so a wall-clock jump cannot refill or starve a bucket.
export class TokenBucket {
  private tokens: number;
  private last = performance.now();

  constructor(
    private readonly perSec: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  msUntilToken(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.perSec) * 1000);
  }

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSec);
    this.last = now;
  }
}
