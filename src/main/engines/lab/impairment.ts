// The impairment model shared by the lab's UDP and TCP relays: a seeded PRNG and, per unit (a datagram
// or a TCP segment), the decisions drop / duplicate / reorder / delay, plus a bandwidth-capped link that
// serialises units. Pure (no sockets, no clock of its own), so a seed always yields the same decisions.

/** mulberry32: small, fast, and good enough for impairment decisions; state is one 32-bit word. */
export class Prng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

export interface ImpairmentSettings {
  lossPct: number;
  dupPct: number;
  reorderPct: number;
  delayMs: number;
  jitterMs: number;
}

export interface Decision {
  drop: boolean;
  duplicate: boolean;
  reorder: boolean;
  delayMs: number;
}

export class Impairment {
  private readonly prng: Prng;
  constructor(
    private readonly s: ImpairmentSettings,
    seed: number,
  ) {
    this.prng = new Prng(seed);
  }

  /** Always draws four numbers, so one decision never shifts the stream of the next. */
  decide(): Decision {
    const a = this.prng.next();
    const b = this.prng.next();
    const c = this.prng.next();
    const d = this.prng.next();
    const jitter = this.s.jitterMs ? (d * 2 - 1) * this.s.jitterMs : 0;
    return {
      drop: a * 100 < this.s.lossPct,
      duplicate: b * 100 < this.s.dupPct,
      reorder: c * 100 < this.s.reorderPct,
      delayMs: Math.max(0, this.s.delayMs + jitter),
    };
  }

  /** A fresh loss draw (a retransmitted TCP segment can be lost again). */
  lostAgain(): boolean {
    return this.prng.next() * 100 < this.s.lossPct;
  }
}

/**
 * A link of `kbps` (0 = unlimited): each unit occupies it for size×8/kbps ms after the previous one.
 * `admit` returns when the unit has fully left, or undefined when the queue would exceed `maxQueueMs`.
 */
export class Link {
  private freeAt = 0;
  constructor(
    private readonly kbps: number,
    private readonly maxQueueMs: number,
  ) {}

  admit(now: number, bytes: number): number | undefined {
    if (this.kbps <= 0) return now;
    const start = Math.max(now, this.freeAt);
    if (start - now > this.maxQueueMs) return undefined;
    this.freeAt = start + (bytes * 8) / this.kbps;
    return this.freeAt;
  }

  /** How long a new unit would wait before it starts leaving. */
  backlogMs(now: number): number {
    return Math.max(0, this.freeAt - now);
  }
}
