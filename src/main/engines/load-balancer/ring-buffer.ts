// A fixed-capacity ring of the most recent items: statistics history never grows past its capacity,
// however long a balancer runs.
export class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  private head = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
    this.items = new Array<T | undefined>(capacity);
  }

  push(item: T): void {
    this.items[(this.head + this.size) % this.capacity] = item;
    if (this.size < this.capacity) this.size += 1;
    else this.head = (this.head + 1) % this.capacity;
  }

  get length(): number {
    return this.size;
  }

  /** Oldest first. */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.size; i++) out.push(this.items[(this.head + i) % this.capacity] as T);
    return out;
  }

  last(): T | undefined {
    return this.size ? this.items[(this.head + this.size - 1) % this.capacity] : undefined;
  }
}

/**
 * The last `capacity` numbers, for percentiles. Percentiles are computed on demand (once a second at
 * most), never per connection, so recording stays O(1).
 */
export class NumberWindow {
  private readonly values: Float64Array;
  private next = 0;
  private count = 0;
  private dirty = false;
  private cache: { p50: number | null; p99: number | null } = { p50: null, p99: null };

  constructor(capacity: number) {
    this.values = new Float64Array(capacity);
  }

  add(v: number): void {
    this.values[this.next] = v;
    this.next = (this.next + 1) % this.values.length;
    if (this.count < this.values.length) this.count += 1;
    this.dirty = true;
  }

  percentiles(): { p50: number | null; p99: number | null } {
    if (!this.dirty) return this.cache;
    this.dirty = false;
    if (this.count === 0) return (this.cache = { p50: null, p99: null });
    const sorted = this.values.slice(0, this.count).sort();
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
    this.cache = { p50: at(0.5), p99: at(0.99) };
    return this.cache;
  }
}
