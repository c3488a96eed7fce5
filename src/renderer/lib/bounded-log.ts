// A log that keeps at most `limit` entries: the oldest go first and are counted, so the view can say
// "N older entries dropped". Trimming happens in chunks (10 % of the limit) to keep push O(1) amortised
// even at 100,000 entries a second. Reactivity is the caller's: `version` changes on every mutation.
export class BoundedLog<T> {
  private items: T[] = [];
  dropped = 0;
  version = 0;
  constructor(public limit: number) {}

  push(...entries: T[]): void {
    for (const e of entries) this.items.push(e);
    const slack = Math.max(1, Math.floor(this.limit / 10));
    if (this.items.length > this.limit + slack) this.trim();
    this.version++;
  }

  /** Entries in order, never more than `limit`. */
  get entries(): readonly T[] {
    if (this.items.length > this.limit) this.trim();
    return this.items;
  }

  get length(): number {
    return Math.min(this.items.length, this.limit);
  }

  /** Counts entries lost upstream (e.g. the event bus's "dropped N"). */
  addDropped(n: number): void {
    this.dropped += n;
    this.version++;
  }

  clear(): void {
    this.items = [];
    this.dropped = 0;
    this.version++;
  }

  setLimit(limit: number): void {
    this.limit = limit;
    this.trim();
    this.version++;
  }

  private trim(): void {
    const extra = this.items.length - this.limit;
    if (extra > 0) {
      this.items.splice(0, extra);
      this.dropped += extra;
    }
  }
}
