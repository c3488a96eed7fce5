// Revocation of the leaf, looked up the way a client can when nothing usable was stapled: an OCSP
// request (RFC 6960, POSTed) to the responder the certificate names, and the CRL it names (RFC 5280).
// Only http:// URLs taken from the certificate are contacted — no redirects are followed, so no other
// address is — and each lookup is bounded in time and bytes. The answers are signed, so integrity comes
// from the signature check against the issuer (delegated OCSP responders as ocsp.ts judges them).
import { X509Certificate, createHash, verify } from 'node:crypto';
import { request } from 'node:http';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Certificate, CertificateList } from '@peculiar/asn1-x509';
import { CertID, OCSPRequest, Request, TBSRequest } from '@peculiar/asn1-ocsp';
import type { TlsRevocationCheck } from '../../../shared/contract/tls';
import { EngineError } from '../common/errors';
import { readTlv } from './der';
import { SIGNATURE_DIGESTS, keyBits, parseOcspResponse } from './ocsp';

export interface RevocationOptions {
  timeoutMs: number;
  ocspMaxBytes: number;
  crlMaxBytes: number;
  signal?: AbortSignal;
  /** For tests: judge freshness at this time. */
  now?: number;
}

/** One bounded HTTP exchange with the URL as named: no redirect, the status must be 200. */
function exchange(
  url: string,
  body: Uint8Array | undefined,
  maxBytes: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const fail = (err: EngineError) => {
      clearTimeout(timer);
      req.destroy();
      reject(err);
    };
    const req = request(
      url,
      {
        method: body ? 'POST' : 'GET',
        signal,
        headers: body
          ? { 'content-type': 'application/ocsp-request', 'content-length': String(body.length) }
          : {},
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status !== 200) {
          res.resume();
          return fail(
            new EngineError(
              'TLS_ERROR',
              `HTTP ${status}${res.headers.location ? ' (redirects are not followed)' : ''}`,
            ),
          );
        }
        if (Number(res.headers['content-length'] ?? 0) > maxBytes)
          return fail(new EngineError('LIMIT_EXCEEDED', `more than the ${maxBytes}-byte limit`));
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxBytes)
            return fail(new EngineError('LIMIT_EXCEEDED', `more than the ${maxBytes}-byte limit`));
          chunks.push(c);
        });
        res.once('end', () => {
          clearTimeout(timer);
          resolve(Buffer.concat(chunks, size));
        });
        res.once('error', (err) => fail(new EngineError('TLS_ERROR', err.message)));
      },
    );
    // One deadline for connect, request and the whole body (a socket idle timeout would not bound a slow drip).
    const timer = setTimeout(
      () => fail(new EngineError('TIMEOUT', `no complete answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    req.once('error', (err) => {
      clearTimeout(timer);
      reject(err instanceof EngineError ? err : new EngineError('TLS_ERROR', err.message));
    });
    req.end(body ? Buffer.from(body) : undefined);
  });
}

/** The DER OCSP request for one certificate (SHA-1 CertID, as responders universally accept). */
export function buildOcspRequest(leaf: X509Certificate, issuer: X509Certificate): Uint8Array {
  const leafAsn = AsnConvert.parse(leaf.raw, Certificate);
  const certID = new CertID({
    hashAlgorithm: new AlgorithmIdentifier({ algorithm: '1.3.14.3.2.26', parameters: null }),
    issuerNameHash: new OctetString(
      createHash('sha1')
        .update(new Uint8Array(AsnConvert.serialize(leafAsn.tbsCertificate.issuer)))
        .digest(),
    ),
    issuerKeyHash: new OctetString(createHash('sha1').update(keyBits(issuer)).digest()),
    serialNumber: leafAsn.tbsCertificate.serialNumber,
  });
  const req = new OCSPRequest({
    tbsRequest: new TBSRequest({ requestList: [new Request({ reqCert: certID })] }),
  });
  return new Uint8Array(AsnConvert.serialize(req));
}

async function timed(
  method: TlsRevocationCheck['method'],
  url: string,
  run: () => Promise<Omit<TlsRevocationCheck, 'method' | 'url' | 'durationMs'>>,
  signal?: AbortSignal,
): Promise<TlsRevocationCheck> {
  const t0 = performance.now();
  try {
    return { method, url, ...(await run()), durationMs: performance.now() - t0 };
  } catch (err) {
    if (signal?.aborted) throw err;
    return {
      method,
      url,
      ok: false,
      bytes: 0,
      message: (err as Error).message,
      durationMs: performance.now() - t0,
    };
  }
}

export async function queryOcsp(
  url: string,
  leaf: X509Certificate,
  issuer: X509Certificate,
  o: RevocationOptions,
): Promise<TlsRevocationCheck> {
  return timed(
    'ocsp',
    url,
    async () => {
      const body = await exchange(url, buildOcspRequest(leaf, issuer), o.ocspMaxBytes, o.timeoutMs, o.signal);
      const r = parseOcspResponse(new Uint8Array(body), leaf.serialNumber, new Uint8Array(issuer.raw), o.now);
      const problems = [...(r.problems ?? []), ...(r.error ? [r.error] : [])];
      if (r.responseStatus !== 'successful' || !r.certStatus)
        return {
          ok: false,
          bytes: body.length,
          message: `the responder answered ${r.responseStatus ?? 'nothing usable'}${problems.length ? `: ${problems.join('; ')}` : ''}`,
        };
      const ok = r.signature === 'valid' && problems.length === 0;
      return {
        ok,
        bytes: body.length,
        status: r.certStatus,
        signature: r.signature,
        signedBy: r.signedBy,
        thisUpdate: r.thisUpdate,
        nextUpdate: r.nextUpdate,
        revokedAt: r.revokedAt,
        message: ok
          ? `${r.certStatus}, signed by ${r.signedBy ?? '?'}`
          : `${r.certStatus}, not to be relied on: ${problems.join('; ') || r.signature}`,
      };
    },
    o.signal,
  );
}

export async function fetchCrl(
  url: string,
  leaf: X509Certificate,
  issuer: X509Certificate,
  o: RevocationOptions,
): Promise<TlsRevocationCheck> {
  return timed(
    'crl',
    url,
    async () => {
      let body = await exchange(url, undefined, o.crlMaxBytes, o.timeoutMs, o.signal);
      // Some CAs publish PEM.
      if (body.subarray(0, 64).toString('latin1').includes('-----BEGIN')) {
        const pem = /-----BEGIN X509 CRL-----([\s\S]*?)-----END X509 CRL-----/.exec(body.toString('latin1'));
        if (!pem) throw new EngineError('TLS_ERROR', 'PEM without a CRL');
        body = Buffer.from((pem[1] ?? '').replace(/\s+/g, ''), 'base64');
      }
      const crl = AsnConvert.parse(body, CertificateList);
      const tbs = crl.tbsCertList;
      const digest = SIGNATURE_DIGESTS[crl.signatureAlgorithm.algorithm];
      // The signature covers tbsCertList as sent: its bytes, not a re-encoding.
      const first = readTlv(body, readTlv(body, 0).body);
      let signature: 'valid' | 'invalid' | 'unverifiable' = 'unverifiable';
      if (digest !== undefined) {
        try {
          signature = verify(
            digest,
            body.subarray(first.start, first.end),
            issuer.publicKey,
            new Uint8Array(crl.signature),
          )
            ? 'valid'
            : 'invalid';
        } catch {
          signature = 'invalid';
        }
      }
      const problems: string[] = [];
      if (signature !== 'valid') problems.push(`its signature is ${signature}`);
      const crlIssuer = Buffer.from(AsnConvert.serialize(tbs.issuer));
      const leafIssuer = Buffer.from(
        AsnConvert.serialize(AsnConvert.parse(leaf.raw, Certificate).tbsCertificate.issuer),
      );
      if (!crlIssuer.equals(leafIssuer)) problems.push("it is another issuer's CRL");
      const nextUpdate = tbs.nextUpdate?.getTime();
      if (nextUpdate && nextUpdate.getTime() < (o.now ?? Date.now()))
        problems.push(`stale: its next update was due ${nextUpdate.toISOString()}`);
      const serial = leaf.serialNumber.toUpperCase().replace(/^(00)+(?=.)/, '');
      const entry = (tbs.revokedCertificates ?? []).find(
        (r) =>
          Buffer.from(r.userCertificate)
            .toString('hex')
            .toUpperCase()
            .replace(/^(00)+(?=.)/, '') === serial,
      );
      const status = entry ? 'revoked' : 'good';
      const ok = problems.length === 0;
      const entries = tbs.revokedCertificates?.length ?? 0;
      return {
        ok,
        bytes: body.length,
        status,
        signature,
        thisUpdate: tbs.thisUpdate.getTime().toISOString(),
        nextUpdate: nextUpdate?.toISOString(),
        revokedAt: entry?.revocationDate.getTime().toISOString(),
        entries,
        message: ok
          ? `${entry ? 'lists' : 'does not list'} the certificate (${entries} entr${entries === 1 ? 'y' : 'ies'})`
          : `${status}, not to be relied on: ${problems.join('; ')}`,
      };
    },
    o.signal,
  );
}

/**
 * Both lookups the leaf names (first http:// URL of each kind), in parallel. Nothing when there is no
 * issuer to check the answers with.
 */
export async function checkRevocation(
  leafDer: Uint8Array,
  issuerDer: Uint8Array | undefined,
  urls: { ocsp: string[]; crl: string[] },
  o: RevocationOptions,
): Promise<TlsRevocationCheck[]> {
  const ocsp = urls.ocsp.find((u) => /^http:\/\//i.test(u));
  const crl = urls.crl.find((u) => /^http:\/\//i.test(u));
  if ((!ocsp && !crl) || !issuerDer) return [];
  let leaf: X509Certificate;
  let issuer: X509Certificate;
  try {
    leaf = new X509Certificate(Buffer.from(leafDer));
    issuer = new X509Certificate(Buffer.from(issuerDer));
  } catch {
    return [];
  }
  const jobs: Promise<TlsRevocationCheck>[] = [];
  if (ocsp) jobs.push(queryOcsp(ocsp, leaf, issuer, o));
  if (crl) jobs.push(fetchCrl(crl, leaf, issuer, o));
  return Promise.all(jobs);
}
