// Checks on what crosses the browser shell's edge, as pure functions (unit-tested without sockets):
// the Host header (DNS rebinding) and which event batches a slow socket still gets. The nesting depth
// of request frames is checked while they arrive (frame-depth.ts).
import type { DroppedEvent } from '../shared/contract';
import type { SessionCount } from '../main/host/wire';
import { DropTally } from '../main/host/drop-tally';

/** The Host values the shell's own page sends: a rebinding page's Host is its own domain name. */
export function hostAllowed(host: string | undefined, port: number): boolean {
  if (typeof host !== 'string') return false;
  return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`].includes(host.toLowerCase());
}

/**
 * Per-socket flow control for event batches. Above `maxBufferedBytes` of unsent data a batch is not
 * queued but counted per (engine, session); the next batch sent once the socket has drained is
 * preceded by one `dropped` event per session, as the bus does for its own rings.
 */
export class SlowReaderGate {
  private readonly dropped = new DropTally();

  constructor(private readonly maxBufferedBytes: number) {}

  /** undefined: skip this batch. Otherwise send it, after these markers (often none). */
  admit(counts: readonly SessionCount[], bufferedAmount: number): DroppedEvent[] | undefined {
    if (bufferedAmount > this.maxBufferedBytes) {
      for (const c of counts) this.dropped.add(c);
      return undefined;
    }
    return this.dropped.flush();
  }

  /** Events this socket has missed since it opened. */
  get total(): number {
    return this.dropped.total;
  }
}
