// A fixed-length log of a session's messages: the oldest entries fall off the front and are counted,
// so a chatty server can run for hours without the log growing past its configured length.
export class BoundedLog<T> {
  private readonly items: T[] = [];
  private droppedCount = 0;

  constructor(private readonly limit: number) {}

  push(item: T): void {
    this.items.push(item);
    if (this.items.length > this.limit) {
      // Splicing in chunks keeps push amortised O(1) instead of shifting the array every time.
      const extra = this.items.length - this.limit;
      this.items.splice(0, extra);
      this.droppedCount += extra;
    }
  }

  list(): T[] {
    return this.items.slice();
  }

  get dropped(): number {
    return this.droppedCount;
  }
}
