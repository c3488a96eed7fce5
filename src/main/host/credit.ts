// Credit-based flow control for event batches on a message channel (engine host → UI process,
// Electron main → renderer). The receiver acknowledges each batch it has handled; the sender keeps at
// most `maxUnacked` batches in flight and, past that, drops batches and counts their events per
// session, so a receiver that stalls costs a bounded amount of memory instead of an unbounded queue.
// The next batch sent carries one `dropped` event per session first, as the event bus does.
import type { WirelabEvent } from '../../shared/contract';
import { DropTally } from './drop-tally';

export interface CreditGateOptions {
  /** Batches sent but not yet acknowledged before further ones are dropped (default 32). */
  maxUnacked: number;
}

export const CREDIT_GATE_DEFAULTS: CreditGateOptions = { maxUnacked: 32 };

export class CreditGate {
  private readonly options: CreditGateOptions;
  private inFlight = 0;
  private paused = false;
  private readonly dropped = new DropTally();

  constructor(options: Partial<CreditGateOptions> = {}) {
    this.options = { ...CREDIT_GATE_DEFAULTS, ...options };
  }

  /** The batch to send now (dropped-markers in front), or undefined: no credit, counted as dropped. */
  offer(batch: WirelabEvent[]): WirelabEvent[] | undefined {
    if (this.paused || this.inFlight >= this.options.maxUnacked) {
      for (const e of batch)
        this.dropped.add({
          forEngine: e.engine === 'bus' ? e.forEngine : e.engine,
          session: e.session,
          count: e.engine === 'bus' ? e.count : 1,
        });
      return undefined;
    }
    this.inFlight += 1;
    const markers = this.dropped.flush();
    return markers.length === 0 ? batch : [...markers, ...batch];
  }

  /** The receiver handled `n` batches. Acks beyond what is in flight are ignored (a confused peer). */
  ack(n = 1): void {
    if (!Number.isInteger(n) || n <= 0) return;
    this.inFlight = Math.max(0, this.inFlight - n);
  }

  /**
   * The receiver says it cannot take anything now, whatever credit is left (the browser shell when
   * every page is over its cap): batches are dropped and counted here until resume(), instead of
   * crossing to a receiver that would only drop them.
   */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  /** The receiver went away and came back (a reloaded page): nothing it had is still in flight. */
  reset(): void {
    this.inFlight = 0;
  }

  stats(): { inFlight: number; paused: boolean; dropped: number; pendingMarkers: number } {
    return {
      inFlight: this.inFlight,
      paused: this.paused,
      dropped: this.dropped.total,
      pendingMarkers: this.dropped.pendingSessions,
    };
  }
}
