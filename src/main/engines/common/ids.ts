// Session ids are per-engine-instance counters with a prefix: short, readable in logs and stable
// for one run. No module-level counters: each engine owns its sequence.
export class IdSequence {
  private n = 0;
  constructor(private readonly prefix: string) {}
  next(): string {
    this.n += 1;
    return `${this.prefix}${this.n}`;
  }
}
