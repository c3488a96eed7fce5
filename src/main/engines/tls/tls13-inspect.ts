// The inspection's TLS 1.3 step: when the server negotiates TLS 1.3 its chain, SCTs and OCSP staple travel
// inside the encrypted Certificate message, out of reach of the cleartext TLS ≤ 1.2 probes and of Node's
// tls API (which gives no per-certificate extensions). One counted handshake with tls13-client.ts reads
// them: the chain in the server's order, the leaf entry's SCT list (RFC 6962 "tls-extension", and those
// inside its OCSP staple), and the staple itself for the stapled-OCSP judgement.
import type { TlsHandshake, TlsSct } from '../../../shared/contract/tls';
import { ocspSctLists, parseOcspResponse } from './ocsp';
import { describeCertificate } from './certs';
import type { ProbeContext } from './probes';
import { parseSctList, unwrapOctetString } from './sct';
import { readTls13Flight, type Tls13Flight } from './tls13-client';

export interface Tls13Findings {
  flight: Tls13Flight;
  chain: Uint8Array[];
  scts: TlsSct[];
  /** The leaf entry's stapled OCSPResponse, when the server sent one. */
  ocsp?: Uint8Array;
  certificateRequested: boolean;
}

/** SCTs of the leaf's CertificateEntry: its extension's list and the ones inside its OCSP staple. */
export function tls13Scts(flight: Tls13Flight): TlsSct[] {
  const leaf = flight.certificates[0];
  const out: TlsSct[] = [];
  if (leaf?.sctList) out.push(...parseSctList(leaf.sctList, 'tls-extension'));
  if (leaf?.ocsp)
    for (const l of ocspSctLists(leaf.ocsp)) out.push(...parseSctList(unwrapOctetString(l), 'ocsp'));
  return out;
}

/**
 * One TLS 1.3 handshake up to the server's CertificateVerify. Undefined when it fails: the runtime's
 * chain and the TLS ≤ 1.2 probes remain; a cancelled inspection still throws.
 */
export async function tls13Findings(
  ctx: ProbeContext,
  sni: string | undefined,
  alpn: readonly string[] | undefined,
): Promise<Tls13Findings | undefined> {
  try {
    const flight = await ctx.budget.run(() =>
      readTls13Flight(
        ctx.target,
        { sni, alpn, timeoutMs: ctx.timeoutMs, maxBytes: ctx.target.maxBytes },
        ctx.signal,
      ),
    );
    return {
      flight,
      chain: flight.certificates.map((c) => c.der),
      scts: tls13Scts(flight),
      ocsp: flight.certificates[0]?.ocsp,
      certificateRequested: flight.certificateRequested,
    };
  } catch (err) {
    if (ctx.signal?.aborted) throw err;
    return undefined;
  }
}

/** The TLS 1.3 staple is judged like the runtime's when the runtime itself showed none (BoringSSL, say). */
export function stapleFromTls13(handshake: TlsHandshake, t13: Tls13Findings | undefined): void {
  if (handshake.ocsp.present || !t13?.ocsp || !t13.chain[0]) return;
  handshake.ocsp = parseOcspResponse(
    t13.ocsp,
    describeCertificate(t13.chain[0]).info.serialNumber,
    t13.chain[1],
  );
}
