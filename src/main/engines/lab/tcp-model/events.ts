// The TCP model's clock: a discrete-event queue. Events at the same time run in the order they were
// scheduled, so a run is fully determined by its inputs and seed.

interface Entry {
  at: number;
  n: number;
  run: () => void;
}

export class EventQueue {
  now = 0;
  private heap: Entry[] = [];
  private n = 0;

  /** Runs `run` at time `at` (ms); returns a handle for cancel(). */
  at(at: number, run: () => void): Entry {
    const e = { at: Math.max(at, this.now), n: this.n++, run };
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(e, h[p] as Entry)) break;
      h[i] = h[p] as Entry;
      i = p;
    }
    h[i] = e;
    return e;
  }

  cancel(e: Entry | undefined): void {
    if (e) e.run = noop;
  }

  /** Runs events until none is left or the next is later than `until`; false if stopped by the limit. */
  drain(until: number): boolean {
    const h = this.heap;
    while (h.length) {
      const top = h[0] as Entry;
      if (top.at > until) return false;
      const last = h.pop() as Entry;
      if (h.length) {
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          if (l >= h.length) break;
          const r = l + 1;
          const c = r < h.length && before(h[r] as Entry, h[l] as Entry) ? r : l;
          if (!before(h[c] as Entry, last)) break;
          h[i] = h[c] as Entry;
          i = c;
        }
        h[i] = last;
      }
      this.now = top.at;
      top.run();
    }
    return true;
  }
}

export type Timer = ReturnType<EventQueue['at']>;

const noop = () => undefined;
const before = (a: Entry, b: Entry) => a.at < b.at || (a.at === b.at && a.n < b.n);
