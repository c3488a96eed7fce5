// A fixed-length log of a session's messages: the oldest entries fall off the front and are counted,
// so a chatty server can run for hours without the log growing past its configured length.
export class BoundedLog<T> {
  private items: T[] = [];
  private trimmed = 0;

  constructor(private readonly limit: number) {}

  push(item: T): void {
    this.items.push(item);
    // Trimming in batches (the array may hold up to twice the limit) keeps push amortised O(1);
    // shifting the array on every message at a full log cost more than the message itself.
    if (this.items.length >= this.limit * 2) {
      const extra = this.items.length - this.limit;
      this.items = this.items.slice(extra);
      this.trimmed += extra;
    }
  }

  list(): T[] {
    return this.items.slice(Math.max(0, this.items.length - this.limit));
  }

  get dropped(): number {
    return this.trimmed + Math.max(0, this.items.length - this.limit);
  }
}
