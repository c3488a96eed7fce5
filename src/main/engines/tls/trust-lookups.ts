// The inspection step after the chain is validated: the leaf's SCTs from all three places, and its
// revocation status from the OCSP responder and the CRL it names when nothing usable was stapled. A
// revocation that a validly signed answer reports becomes a critical `revoked` problem (grade T).
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import type { TlsCertProblem, TlsHandshake, TlsRevocationCheck, TlsSct } from '../../../shared/contract/tls';
import { ocspSctLists } from './ocsp';
import { withHello, type HelloOutcome, type ProbeContext } from './probes';
import { checkRevocation, type RevocationOptions } from './revocation';
import { parseSctList, unwrapOctetString } from './sct';
import { Ext, HandshakeType } from './wire';

const CERT_SCT_OID = '1.3.6.1.4.1.11129.2.4.2';

function certificateScts(leafDer: Uint8Array): TlsSct[] {
  try {
    const ext = AsnConvert.parse(leafDer, Certificate).tbsCertificate.extensions?.find(
      (e) => e.extnID === CERT_SCT_OID,
    );
    return ext ? parseSctList(unwrapOctetString(new Uint8Array(ext.extnValue.buffer)), 'certificate') : [];
  } catch {
    return [];
  }
}

/** SCTs a TLS ≤ 1.2 first flight shows: the TLS extension, and the stapled OCSP response's. */
export function flightScts(o: HelloOutcome): TlsSct[] {
  if (o.kind !== 'hello') return [];
  const found: TlsSct[] = [];
  const ext = o.hello.extensions.get(Ext.signedCertificateTimestamp);
  if (ext) found.push(...parseSctList(ext, 'tls-extension'));
  const status = o.stream.message(HandshakeType.certificateStatus);
  // CertificateStatus: status_type ocsp(1), then a 24-bit length and the OCSP response.
  if (status && status.body[0] === 1)
    for (const list of ocspSctLists(status.body.subarray(4)))
      found.push(...parseSctList(unwrapOctetString(list), 'ocsp'));
  return found;
}

/**
 * SCTs of the certificate, plus those of the first flight: `flight` when a probe already asked for them
 * (the TLS 1.3 client's, tls13-inspect.ts, when the server negotiates TLS 1.3), otherwise from one TLS 1.2
 * handshake made for it. When neither answers, the certificate's stand alone (`tlsObserved` false: the
 * CT policy cannot be failed on it).
 */
export async function collectScts(
  ctx: ProbeContext,
  leafDer: Uint8Array | undefined,
  flight: TlsSct[] | undefined,
  legacySuites: number[],
  sni?: string,
): Promise<{ scts: TlsSct[]; tlsObserved: boolean }> {
  const out = leafDer ? certificateScts(leafDer) : [];
  if (flight) return { scts: [...out, ...flight], tlsObserved: true };
  try {
    const got = await withHello(
      ctx,
      { version: 'TLSv1.2', suites: legacySuites, sni, ...SCT_ASK },
      'done',
      (o) => (o.kind === 'hello' ? flightScts(o) : undefined),
    );
    if (got) return { scts: [...out, ...got], tlsObserved: true };
  } catch (err) {
    if (ctx.signal?.aborted) throw err;
    // a server that refuses this hello has shown no SCT by TLS: the certificate's stand alone
  }
  return { scts: out, tlsObserved: false };
}

/** What a ClientHello sets to be sent SCTs and a staple. */
export const SCT_ASK = { signedCertificateTimestamp: true, statusRequest: true } as const;

/** A staple that answers for itself: present, validly signed, nothing wrong with it. */
function usableStaple(o: TlsHandshake['ocsp']): boolean {
  return (
    o.present && o.signature === 'valid' && !o.problems?.length && !o.error && o.certStatus !== undefined
  );
}

export async function lookUpRevocation(
  leaf: { der: Uint8Array; ocspUrls: string[]; crlUrls: string[] },
  issuerDer: Uint8Array | undefined,
  staple: TlsHandshake['ocsp'],
  o: RevocationOptions,
): Promise<{ checks: TlsRevocationCheck[]; problems: TlsCertProblem[] }> {
  const checks = await checkRevocation(
    leaf.der,
    issuerDer,
    // A usable staple is the OCSP answer; asking the responder again would only repeat it.
    { ocsp: usableStaple(staple) ? [] : leaf.ocspUrls, crl: leaf.crlUrls },
    o,
  );
  const problems: TlsCertProblem[] = [];
  if (staple.certStatus === 'revoked' && usableStaple(staple)) return { checks, problems };
  const revoked = checks.find((c) => c.ok && c.status === 'revoked');
  if (revoked)
    problems.push({
      code: 'revoked',
      severity: 'critical',
      certIndex: 0,
      message:
        revoked.method === 'ocsp'
          ? `the OCSP responder ${revoked.url} says the certificate was revoked${revoked.revokedAt ? ` at ${revoked.revokedAt}` : ''}`
          : `the CRL ${revoked.url} lists the certificate as revoked${revoked.revokedAt ? ` since ${revoked.revokedAt}` : ''}`,
    });
  return { checks, problems };
}
