// The once-a-second statistics sample, computed from the pool's counters. The balancer hands in how to
// read a connection (open or not, its sockets' byte counters, bytes waiting in its write buffers), so
// the arithmetic — rates, removed backends still counted in the totals, counters reset per tick — is
// testable with plain objects.
import type { LbBackendSample, LbSample } from '../../../shared/contract/lb';
import { accountBytes, round3, stateOf, type Backend, type ConnBytes, type Counted } from './backend-pool';

export interface ConnProbe {
  open: boolean;
  bytes: ConnBytes;
  /** Bytes queued in the connection's socket write buffers. */
  buffered: number;
}

export interface TickTotals {
  at: number;
  active: number;
  queued: number;
  /** Client connections accepted since the last tick. */
  newConns: number;
}

/**
 * One sample over `secs` seconds. `backends` become rows; `tracked` are the backends of all tracked
 * connections, so a removed backend still carrying connections is counted in the totals, not as a row.
 * Resets each backend's per-second counters.
 */
export function takeSample<C extends Counted>(
  secs: number,
  backends: readonly Backend<C>[],
  tracked: Iterable<Backend<C> | undefined>,
  probe: (c: C) => ConnProbe,
  totals: TickTotals,
): LbSample {
  const s = Math.max(0.001, secs);
  let buffered = 0;
  let secIn = 0;
  let secOut = 0;
  const seen = new Set<Backend<C>>();
  const sampleBackend = (b: Backend<C>): LbBackendSample => {
    for (const c of b.conns) {
      const p = probe(c);
      if (p.open) accountBytes(c, b, p.bytes);
      buffered += p.buffered;
    }
    secIn += b.secIn;
    secOut += b.secOut;
    const row: LbBackendSample = {
      id: b.id,
      state: stateOf(b),
      active: b.active,
      connsPerSec: round3(b.secConns / s),
      bytesInPerSec: Math.round(b.secIn / s),
      bytesOutPerSec: Math.round(b.secOut / s),
      errors: b.errors,
    };
    b.secConns = 0;
    b.secIn = 0;
    b.secOut = 0;
    return row;
  };
  const rows: LbBackendSample[] = [];
  for (const b of backends) {
    seen.add(b);
    rows.push(sampleBackend(b));
  }
  for (const b of tracked)
    if (b && !seen.has(b)) {
      seen.add(b);
      sampleBackend(b);
    }
  return {
    at: totals.at,
    active: totals.active,
    queued: totals.queued,
    connsPerSec: round3(totals.newConns / s),
    bytesInPerSec: Math.round(secIn / s),
    bytesOutPerSec: Math.round(secOut / s),
    bufferedBytes: buffered,
    backends: rows,
  };
}
