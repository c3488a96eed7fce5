// The application's own TLS identity: one self-signed ECDSA P-256 certificate per data directory, made on
// first use and reloaded afterwards, so a peer that pinned its fingerprint keeps recognising it.
// A pair that does not parse, does not belong together, lacks a requested name or is about to expire is
// set aside as `<file>.corrupt-<time>` (kept for inspection, never silently overwritten) and replaced.
// The work is synchronous inside the promise on purpose: two calls in one process cannot interleave and
// generate two different identities for the same directory.
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { writeFileAtomic } from './json-file';
import { EngineError } from './errors';
import { buildCertificate, publicKeyOf } from './x509-builder';

export interface AppCertificate {
  certPem: string;
  keyPem: string;
  /** Uppercase hex pairs joined by ':' — the format of X509Certificate.fingerprint256. */
  fingerprint256: string;
}

export interface AppCertificateOptions {
  commonName?: string;
  altNames?: string[];
}

export const APP_CERT_FILE = 'app-cert.pem';
export const APP_KEY_FILE = 'app-key.pem';
/** Lifetime of a generated certificate; renewed when fewer than APP_CERT_RENEW_DAYS remain. */
export const APP_CERT_VALID_DAYS = 825;
export const APP_CERT_RENEW_DAYS = 30;
const BASE_NAMES = ['localhost', '127.0.0.1', '::1'];
const DAY = 86_400_000;

function sameAddress(a: string, b: string): boolean {
  if (isIP(a) && isIP(b)) return a.toLowerCase() === b.toLowerCase();
  return a.toLowerCase() === b.toLowerCase();
}

/** Names in the certificate's SAN, as the strings node:crypto prints ("DNS:x, IP Address:y"). */
function sanNames(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '')
    .split(', ')
    .map((part) => part.replace(/^(DNS|IP Address):/, ''))
    .filter((n) => n.length > 0);
}

function expandIPv6(ip: string): string {
  // node prints IPv6 SANs in full lower-case form (0:0:0:0:0:0:0:1); compare on the same footing.
  if (isIP(ip) !== 6) return ip;
  const [head, tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = ip.includes('::') ? Array(8 - h.length - t.length).fill('0') : [];
  return [...h, ...fill, ...t].map((g) => g.replace(/^0+(?=.)/, '').toLowerCase()).join(':');
}

function problemWith(certPem: string, keyPem: string, wanted: string[]): string | undefined {
  let cert: X509Certificate;
  let key: KeyObject;
  try {
    cert = new X509Certificate(certPem);
    key = createPrivateKey(keyPem);
  } catch (err) {
    return `unreadable: ${(err as Error).message}`;
  }
  if (!cert.checkPrivateKey(key) || !cert.publicKey.equals(publicKeyOf(key)))
    return 'key does not match certificate';
  if (new Date(cert.validTo).getTime() - Date.now() < APP_CERT_RENEW_DAYS * DAY) return 'expires soon';
  const have = sanNames(cert).map(expandIPv6);
  const missing = wanted.filter((w) => !have.some((h) => sameAddress(h, expandIPv6(w))));
  if (missing.length > 0) return `missing names ${missing.join(', ')}`;
  return undefined;
}

function setAside(path: string, stamp: string): void {
  if (existsSync(path)) renameSync(path, `${path}.corrupt-${stamp}`);
}

export async function loadOrCreateAppCertificate(
  dir: string,
  options: AppCertificateOptions = {},
): Promise<AppCertificate> {
  const certPath = join(dir, APP_CERT_FILE);
  const keyPath = join(dir, APP_KEY_FILE);
  const wanted = [...BASE_NAMES, ...(options.altNames ?? [])];
  const haveCert = existsSync(certPath);
  const haveKey = existsSync(keyPath);
  if (haveCert && haveKey) {
    let certPem: string;
    let keyPem: string;
    try {
      certPem = readFileSync(certPath, 'utf8');
      keyPem = readFileSync(keyPath, 'utf8');
    } catch (err) {
      throw new EngineError('STORAGE_CORRUPT', `${dir}: ${(err as Error).message}`, { cause: err });
    }
    if (problemWith(certPem, keyPem, wanted) === undefined) {
      return { certPem, keyPem, fingerprint256: new X509Certificate(certPem).fingerprint256 };
    }
  }
  if (haveCert || haveKey) {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    setAside(certPath, stamp);
    setAside(keyPath, stamp);
  }
  const unique = [...new Set(wanted)];
  const built = buildCertificate({
    commonName: options.commonName ?? 'Wirelab',
    organization: 'Wirelab',
    keySpec: 'ec-p256',
    altNames: unique,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + APP_CERT_VALID_DAYS * DAY),
    extendedKeyUsage: ['serverAuth', 'clientAuth'],
  });
  // Key first: a crash between the two writes leaves a mismatched pair, which the next call detects.
  writeFileAtomic(keyPath, built.keyPem);
  writeFileAtomic(certPath, built.certPem);
  return {
    certPem: built.certPem,
    keyPem: built.keyPem,
    fingerprint256: new X509Certificate(built.certPem).fingerprint256,
  };
}
