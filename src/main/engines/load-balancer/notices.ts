// Rate limiting of repetitive events (rejects, retries): per key at most one event per second, the
// ones held back counted into the next. A balancer refusing 50,000 clients a second emits one
// "rejected ×50000" a second, not 50,000 events. Time is passed in, so the rule is testable.

interface Notice<E> {
  last: number;
  pending: number;
  make: (count: number) => E;
}

export class NoticeLimiter<E> {
  private readonly notices = new Map<string, Notice<E>>();

  constructor(
    private readonly emit: (event: E) => void,
    private readonly now: () => number = Date.now,
    private readonly periodMs = 1000,
    /** A quiet key is forgotten after this long, so the map holds only recent keys. */
    private readonly forgetAfterMs = 60_000,
  ) {}

  /** Emits at once when the key was quiet for a period, else counts it for the next flush(). */
  notice(key: string, make: (count: number) => E): void {
    const now = this.now();
    const n = this.notices.get(key);
    if (!n || now - n.last >= this.periodMs) {
      this.notices.set(key, { last: now, pending: 0, make });
      this.emit(make((n?.pending ?? 0) + 1));
    } else {
      n.pending += 1;
      n.make = make;
    }
  }

  /** Emits what was held back for a full period; called from the stats tick. */
  flush(): void {
    const now = this.now();
    for (const [key, n] of this.notices) {
      if (n.pending > 0 && now - n.last >= this.periodMs) {
        this.emit(n.make(n.pending));
        n.pending = 0;
        n.last = now;
      } else if (n.pending === 0 && now - n.last > this.forgetAfterMs) this.notices.delete(key);
    }
  }

  get size(): number {
    return this.notices.size;
  }
}
