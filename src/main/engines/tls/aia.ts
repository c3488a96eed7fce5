// Completing a chain the way browsers do when a server forgets its intermediate: follow the last
// certificate's "CA Issuers" URL (Authority Information Access), download the issuer (DER, PEM or a
// PKCS#7 bundle) and keep going until a known certificate issues the chain's end. Only http:// URLs
// (that is what CAs publish, and the download is a signed certificate, so integrity comes from the
// signature check, not the transport); each download is bounded in time and size, and the number of
// downloads per inspection is capped. Whether the result is trusted is validate.ts's business.
import { request } from 'node:http';
import { EngineError } from '../common/errors';
import { describeCertificate, pemCertificates, type ParsedCertificate } from './certs';
import { children, readTlv } from './der';
import { issues, type TrustStore } from './validate';

export interface AiaOptions {
  timeoutMs: number;
  maxBytes: number;
  maxFetches: number;
  signal?: AbortSignal;
}

export interface AiaFetch {
  url: string;
  ok: boolean;
  /** Subject of the certificate that was used, or why nothing was. */
  message: string;
}

export interface AiaResult {
  certs: ParsedCertificate[];
  fetches: AiaFetch[];
}

/** At most this many redirects per download (http → http only). */
const MAX_REDIRECTS = 2;

/**
 * Downloads what is missing above the end of `sent`'s chain. Returns nothing when the chain already
 * reaches a certificate the store knows (anchors, the user's intermediates) or a sent one issues it.
 */
export async function fetchMissingIssuers(
  sent: ParsedCertificate[],
  store: TrustStore,
  opts: AiaOptions,
): Promise<AiaResult> {
  const out: AiaResult = { certs: [], fetches: [] };
  const leaf = sent[0];
  if (!leaf) return out;
  const known = [...store.anchors.map((a) => a.cert), ...store.intermediates];
  const isAnchor = (c: ParsedCertificate) =>
    store.anchors.some((a) => a.cert.x509.fingerprint256 === c.x509.fingerprint256);
  const seen = new Set<string>([leaf.x509.fingerprint256]);
  let cur = leaf;
  for (let depth = 0; depth < 10; depth++) {
    if (isAnchor(cur) || cur.info.selfSigned) return out;
    if (known.some((k) => issues(cur, k) === 'yes')) return out;
    const next = [...sent, ...out.certs].find(
      (c) => !seen.has(c.x509.fingerprint256) && issues(cur, c) === 'yes',
    );
    if (next) {
      seen.add(next.x509.fingerprint256);
      cur = next;
      continue;
    }
    const url = cur.info.caIssuerUrls.find((u) => /^http:\/\//i.test(u));
    if (!url) {
      if (cur.info.caIssuerUrls.length)
        out.fetches.push({
          url: cur.info.caIssuerUrls[0] ?? '',
          ok: false,
          message: 'only http:// is fetched',
        });
      return out;
    }
    if (out.fetches.length >= opts.maxFetches) return out;
    let found: ParsedCertificate | undefined;
    try {
      const certs = parseIssuerBody(await download(url, opts));
      found = certs.find((c) => issues(cur, c) === 'yes');
      out.fetches.push(
        found
          ? { url, ok: true, message: found.info.subject }
          : {
              url,
              ok: false,
              message: `none of the ${certs.length} certificate(s) downloaded issued "${cur.info.subject}"`,
            },
      );
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      out.fetches.push({ url, ok: false, message: (err as Error).message });
    }
    if (!found) return out;
    out.certs.push(found);
    seen.add(found.x509.fingerprint256);
    cur = found;
  }
  return out;
}

function download(url: string, opts: AiaOptions, redirects = 0): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', timeout: opts.timeoutMs, signal: opts.signal }, (res) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (status >= 300 && status < 400 && location) {
        res.resume();
        const next = new URL(location, url);
        if (next.protocol !== 'http:' || redirects >= MAX_REDIRECTS) {
          reject(new EngineError('TLS_ERROR', `redirected to ${next.href}, which is not followed`));
          return;
        }
        download(next.href, opts, redirects + 1).then(resolve, reject);
        return;
      }
      if (status !== 200) {
        res.resume();
        reject(new EngineError('TLS_ERROR', `HTTP ${status}`));
        return;
      }
      const declared = Number(res.headers['content-length'] ?? 0);
      if (declared > opts.maxBytes) {
        res.destroy();
        reject(
          new EngineError('LIMIT_EXCEEDED', `${declared} bytes, more than the ${opts.maxBytes}-byte limit`),
        );
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > opts.maxBytes) {
          res.destroy();
          reject(new EngineError('LIMIT_EXCEEDED', `more than the ${opts.maxBytes}-byte limit`));
          return;
        }
        chunks.push(c);
      });
      res.once('end', () => resolve(Buffer.concat(chunks, size)));
      res.once('error', reject);
    });
    req.once('timeout', () =>
      req.destroy(new EngineError('TIMEOUT', `no answer within ${opts.timeoutMs} ms`)),
    );
    req.once('error', (err) =>
      reject(err instanceof EngineError ? err : new EngineError('TLS_ERROR', (err as Error).message)),
    );
    req.end();
  });
}

/** A CA Issuers body: one DER certificate (the usual .cer/.crt), PEM, or a PKCS#7 "certs-only" bundle (.p7c). */
export function parseIssuerBody(body: Uint8Array): ParsedCertificate[] {
  const text = Buffer.from(body.subarray(0, 64)).toString('latin1');
  if (text.includes('-----BEGIN')) {
    const ders = pemCertificates(Buffer.from(body).toString('latin1'));
    if (ders.length === 0) throw new EngineError('TLS_ERROR', 'PEM without a certificate');
    return ders.map((d) => describeCertificate(d));
  }
  try {
    return [describeCertificate(body)];
  } catch {
    const ders = pkcs7Certificates(body);
    if (ders.length === 0) throw new EngineError('TLS_ERROR', 'neither a certificate nor a PKCS#7 bundle');
    return ders.map((d) => describeCertificate(d));
  }
}

const SIGNED_DATA_OID = Uint8Array.from([0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02]);

/** ContentInfo { signedData, [0] SignedData { …, [0] IMPLICIT certificates } } → each certificate's DER. */
export function pkcs7Certificates(der: Uint8Array): Uint8Array[] {
  try {
    const ci = readTlv(der, 0);
    const [oid, explicit] = children(der, ci);
    if (!oid || !explicit || oid.tag !== 0x06) return [];
    const oidBytes = der.subarray(oid.body, oid.end);
    if (oidBytes.length !== SIGNED_DATA_OID.length || !oidBytes.every((b, i) => b === SIGNED_DATA_OID[i]))
      return [];
    const [signedData] = children(der, explicit);
    if (!signedData) return [];
    const certSet = children(der, signedData).find((t) => t.tag === 0xa0);
    if (!certSet) return [];
    return children(der, certSet)
      .filter((t) => t.tag === 0x30)
      .map((t) => der.subarray(t.start, t.end));
  } catch {
    return [];
  }
}
