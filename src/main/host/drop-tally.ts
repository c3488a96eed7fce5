// What a receiver missed, per (engine, session), between two batches it did get. Both flow-control
// gates (the credit gate on message channels, the slow-reader gate on the browser shell's sockets)
// count drops here and put the resulting `dropped` events in front of the next batch sent, as the
// event bus does for its own rings.
import type { DroppedEvent } from '../../shared/contract';
import type { SessionCount } from './wire';

export class DropTally {
  private readonly pending = new Map<string, SessionCount>();
  private droppedTotal = 0;

  add(c: SessionCount): void {
    const key = `${c.forEngine}\u0000${c.session}`;
    const seen = this.pending.get(key);
    if (seen) seen.count += c.count;
    else this.pending.set(key, { ...c });
    this.droppedTotal += c.count;
  }

  /** One `dropped` event per session counted since the last flush (often none), and forget them. */
  flush(): DroppedEvent[] {
    if (this.pending.size === 0) return [];
    const at = Date.now();
    const markers = [...this.pending.values()].map((c): DroppedEvent => ({
      engine: 'bus',
      type: 'dropped',
      forEngine: c.forEngine,
      session: c.session,
      at,
      count: c.count,
    }));
    this.pending.clear();
    return markers;
  }

  /** Sessions with drops not yet reported. */
  get pendingSessions(): number {
    return this.pending.size;
  }

  /** Events dropped since this tally was made. */
  get total(): number {
    return this.droppedTotal;
  }
}
