// The phases of one exchange with the OSI layer each happens at — one definition for the tool pages'
// waterfalls and the OSI map, which places the same phases on its layers.
import type { HttpTiming } from '../../shared/contract/http-client';
import type { TlsReport } from '../../shared/contract/tls';
import type { OsiLayer } from '../tools';

export interface ExchangePhase {
  name: string;
  ms: number;
  layer: OsiLayer;
  /** The layer as the waterfall labels it (e.g. "L5/L6"). */
  note: string;
}

/**
 * The phases of an HTTP exchange. `url` is the URL that answered: plain http:// has no TLS handshake,
 * so it gets no TLS row (a "0.00 ms" handshake would claim one happened).
 */
export function httpPhases(t: HttpTiming, url?: string): ExchangePhase[] {
  const plain = url !== undefined && /^http:/i.test(url);
  return [
    { name: 'DNS lookup', ms: t.dns, layer: 7, note: 'L7 DNS' },
    { name: 'TCP connect', ms: t.connect, layer: 4, note: 'L4' },
    ...(plain ? [] : [{ name: 'TLS handshake', ms: t.tls, layer: 6 as const, note: 'L6' }]),
    { name: 'Request sent', ms: t.send, layer: 7, note: 'L7' },
    { name: 'Waiting (TTFB)', ms: t.ttfb, layer: 7, note: 'server' },
    { name: 'Download', ms: t.download, layer: 7, note: 'L7' },
  ];
}

export function tlsPhases(t: NonNullable<TlsReport['handshake']['timings']>): ExchangePhase[] {
  const out: ExchangePhase[] = [];
  if (t.dnsMs !== undefined) out.push({ name: 'DNS lookup', ms: t.dnsMs, layer: 7, note: 'L7' });
  out.push({ name: 'TCP connect', ms: t.connectMs, layer: 4, note: 'L4' });
  if (t.starttlsMs !== undefined) out.push({ name: 'STARTTLS', ms: t.starttlsMs, layer: 5, note: 'L7 → L5' });
  out.push({ name: 'TLS handshake', ms: t.handshakeMs, layer: 6, note: 'L5/L6' });
  return out;
}
