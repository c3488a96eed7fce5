// Path building and validation done here rather than by the TLS library, because the library stops at
// the first error and the report must list every problem: expired AND wrong name AND missing
// intermediate. Trust anchors: the Mozilla bundle Node ships (tls.rootCertificates), the operating
// system's store where one can be found, and CA files the user adds. It fetches nothing itself: issuers
// downloaded from AIA URLs (aia.ts) come in through the store, and are never trusted by themselves.
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import * as tls from 'node:tls';
import type { TlsCertProblem, TlsValidation } from '../../../shared/contract/tls';
import { EngineError } from '../common/errors';
import {
  LazyCertificate,
  describeCertificate,
  pemCertificates,
  weakSignature,
  type ParsedCertificate,
} from './certs';

export type AnchorSource = 'mozilla' | 'system' | 'user';

export interface Anchor {
  cert: ParsedCertificate;
  source: AnchorSource;
}

export interface TrustStore {
  anchors: Anchor[];
  /** Non-self-signed CA certificates from user files: used to build paths, never trusted by themselves. */
  intermediates: ParsedCertificate[];
  /** Issuers downloaded from AIA "CA Issuers" URLs: like intermediates, used to build paths only. */
  fetched?: { cert: ParsedCertificate; url: string }[];
  stores: TlsValidation['trustStores'];
}

/** Where Linux distributions and BSDs keep their bundle; the first that exists is used. */
const SYSTEM_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/ca-bundle.pem',
  '/etc/ssl/cert.pem',
  '/usr/local/etc/openssl/cert.pem',
];
const MAX_SYSTEM_BUNDLE_BYTES = 16 * 1024 * 1024;

function parseMany(pems: readonly string[]): ParsedCertificate[] {
  const out: ParsedCertificate[] = [];
  for (const pem of pems) {
    for (const der of pemCertificates(pem)) {
      try {
        out.push(new LazyCertificate(der));
      } catch {
        // one unreadable entry in a system bundle must not hide the others
      }
    }
  }
  return out;
}

export function loadMozillaRoots(): ParsedCertificate[] {
  return parseMany(tls.rootCertificates);
}

export function loadSystemRoots(): { certs: ParsedCertificate[]; source: string } {
  const getCa = (tls as unknown as { getCACertificates?: (type: string) => string[] }).getCACertificates;
  if (typeof getCa === 'function') {
    try {
      return { certs: parseMany(getCa('system')), source: 'operating system (tls.getCACertificates)' };
    } catch {
      // fall through to the files
    }
  }
  for (const path of SYSTEM_BUNDLES) {
    try {
      if (!existsSync(path) || statSync(path).size > MAX_SYSTEM_BUNDLE_BYTES) continue;
      return { certs: parseMany([readFileSync(path, 'utf8')]), source: path };
    } catch {
      continue;
    }
  }
  return { certs: [], source: 'none found' };
}

/** Reads user CA files; every failure is INVALID_CA_FILE naming the file. */
export function loadUserCas(
  files: readonly string[],
  pem: string | undefined,
  maxBytes: number,
): ParsedCertificate[] {
  const texts: Array<{ name: string; text: string }> = [];
  for (const file of files) {
    let size: number;
    try {
      size = statSync(file).size;
    } catch (err) {
      throw new EngineError('INVALID_CA_FILE', `${file}: ${(err as Error).message}`);
    }
    if (size > maxBytes)
      throw new EngineError(
        'INVALID_CA_FILE',
        `${file}: ${size} bytes, more than the ${maxBytes}-byte limit`,
      );
    texts.push({ name: file, text: readFileSync(file, 'utf8') });
  }
  if (pem) texts.push({ name: 'pasted CA', text: pem });
  const out: ParsedCertificate[] = [];
  for (const { name, text } of texts) {
    const ders = pemCertificates(text);
    if (ders.length === 0) throw new EngineError('INVALID_CA_FILE', `${name}: no PEM certificate found`);
    for (const [i, der] of ders.entries()) {
      try {
        out.push(describeCertificate(der));
      } catch (err) {
        throw new EngineError(
          'INVALID_CA_FILE',
          `${name}: certificate ${i + 1} is not valid (${(err as Error).message})`,
        );
      }
    }
  }
  return out;
}

export function buildTrustStore(
  mozilla: ParsedCertificate[],
  system: { certs: ParsedCertificate[]; source: string } | undefined,
  user: ParsedCertificate[],
): TrustStore {
  const anchors: Anchor[] = mozilla.map((cert) => ({ cert, source: 'mozilla' as const }));
  const seen = new Set(mozilla.map((c) => c.x509.fingerprint256));
  let systemAdded = 0;
  for (const cert of system?.certs ?? []) {
    if (seen.has(cert.x509.fingerprint256)) continue;
    seen.add(cert.x509.fingerprint256);
    anchors.push({ cert, source: 'system' });
    systemAdded++;
  }
  const intermediates: ParsedCertificate[] = [];
  let userAnchors = 0;
  for (const cert of user) {
    if (cert.info.selfSigned || !cert.info.basicConstraints?.ca) {
      // Self-signed CAs are roots; a non-CA certificate given as "CA" is a pinned leaf — trusted as itself.
      anchors.push({ cert, source: 'user' });
      userAnchors++;
    } else intermediates.push(cert);
  }
  return {
    anchors,
    intermediates,
    stores: [
      { name: 'mozilla', count: mozilla.length, source: 'Mozilla CA bundle shipped with the runtime' },
      ...(system
        ? [
            {
              name: 'system' as const,
              count: system.certs.length,
              source: `${system.source}${systemAdded < system.certs.length ? `; ${systemAdded} beyond Mozilla's` : ''}`,
            },
          ]
        : []),
      {
        name: 'user',
        count: userAnchors + intermediates.length,
        source:
          intermediates.length > 0
            ? `${userAnchors} roots, ${intermediates.length} intermediates`
            : `${userAnchors} roots`,
      },
    ],
  };
}

/** 'yes': `parent` issued `child` and its signature verifies; 'name-only': the names match, the signature does not. */
export function issues(child: ParsedCertificate, parent: ParsedCertificate): 'yes' | 'name-only' | 'no' {
  if (child.x509.issuer !== parent.x509.subject) return 'no';
  try {
    if (!child.x509.checkIssued(parent.x509)) return 'no';
    return child.x509.verify(parent.x509.publicKey) ? 'yes' : 'name-only';
  } catch {
    return 'name-only';
  }
}

export interface ValidateOptions {
  hostname: string;
  now?: number;
  expiryWarningDays: number;
  maxPathLength?: number;
}

type Link = TlsValidation['path'][number];

export function validateChain(
  sent: ParsedCertificate[],
  store: TrustStore,
  opts: ValidateOptions,
): Omit<TlsValidation, 'runtimeVerdict'> {
  const now = opts.now ?? Date.now();
  const problems: TlsCertProblem[] = [];
  const path: Link[] = [];
  const leaf = sent[0];
  // A server that accepts only anonymous suites proves no identity: nothing to validate, and a client
  // that insists on a certificate cannot talk to it.
  if (!leaf)
    return {
      trusted: false,
      hostnameMatches: false,
      checkedName: opts.hostname,
      path,
      problems: [
        {
          code: 'no-certificate',
          severity: 'critical',
          message:
            'the server sent no certificate: it accepts only anonymous suites, so anyone in the path can impersonate it',
        },
      ],
      trustStores: store.stores,
    };
  const bySha = new Map(sent.map((c, i) => [c.x509.fingerprint256, i]));
  const anchorOf = (c: ParsedCertificate) =>
    store.anchors.find((a) => a.cert.x509.fingerprint256 === c.x509.fingerprint256);
  const used = new Set<number>([0]);
  path.push({ sentIndex: 0, source: 'sent', certificate: leaf.info });
  let trusted = false;
  let cur = leaf;
  const maxPath = opts.maxPathLength ?? 10;
  for (let depth = 0; ; depth++) {
    if (depth >= maxPath) {
      problems.push({
        code: 'path-too-long',
        severity: 'high',
        message: `no trust anchor within ${maxPath} certificates`,
      });
      break;
    }
    if (anchorOf(cur)) {
      trusted = true;
      const link = path[path.length - 1];
      if (link) link.source = anchorOf(cur)?.source ?? 'sent';
      break;
    }
    let badSignatureFrom: string | undefined;
    const anchor = store.anchors.find((a) => {
      const r = issues(cur, a.cert);
      if (r === 'name-only') badSignatureFrom = a.cert.info.subject;
      return r === 'yes';
    });
    if (anchor) {
      const sentIndex = bySha.get(anchor.cert.x509.fingerprint256) ?? -1;
      if (sentIndex >= 0) used.add(sentIndex);
      path.push({ sentIndex, source: anchor.source, certificate: anchor.cert.info });
      trusted = true;
      break;
    }
    const fromSent = sent.findIndex((c, i) => {
      if (used.has(i) || i === 0) return false;
      const r = issues(cur, c);
      if (r === 'name-only') badSignatureFrom = c.info.subject;
      return r === 'yes';
    });
    if (fromSent > 0) {
      const next = sent[fromSent];
      if (!next) break;
      used.add(fromSent);
      path.push({ sentIndex: fromSent, source: 'sent', certificate: next.info });
      cur = next;
      continue;
    }
    const fromUser = store.intermediates.find(
      (c) => issues(cur, c) === 'yes' && !path.some((l) => l.certificate.sha256 === c.info.sha256),
    );
    if (fromUser) {
      problems.push({
        code: 'missing-intermediate',
        severity: 'high',
        certIndex: path.length,
        message: `the server did not send "${fromUser.info.subject}"; it was found in your CA files, but clients without it cannot build the chain`,
      });
      path.push({ sentIndex: -1, source: 'user', certificate: fromUser.info });
      cur = fromUser;
      continue;
    }
    const fromAia = store.fetched?.find(
      (f) => issues(cur, f.cert) === 'yes' && !path.some((l) => l.certificate.sha256 === f.cert.info.sha256),
    );
    if (fromAia) {
      problems.push({
        code: 'missing-intermediate',
        severity: 'high',
        certIndex: path.length,
        message: `the server did not send "${fromAia.cert.info.subject}"; it was downloaded from ${fromAia.url} (as some browsers do), but clients that do not download it cannot build the chain`,
      });
      path.push({ sentIndex: -1, source: 'aia', certificate: fromAia.cert.info });
      cur = fromAia.cert;
      continue;
    }
    if (badSignatureFrom) {
      problems.push({
        code: 'bad-signature',
        severity: 'critical',
        certIndex: path.length - 1,
        message: `"${cur.info.subject}" names "${badSignatureFrom}" as issuer but its signature does not verify with that key`,
      });
    } else if (cur.info.selfSigned) {
      problems.push(
        path.length === 1
          ? {
              code: 'self-signed',
              severity: 'critical',
              certIndex: 0,
              message: 'the certificate is self-signed and not in any trust store',
            }
          : {
              code: 'untrusted-root',
              severity: 'critical',
              certIndex: path.length - 1,
              message: `the chain ends at "${cur.info.subject}", a root that is in no trust store`,
            },
      );
    } else {
      problems.push({
        code: 'unknown-issuer',
        severity: 'critical',
        certIndex: path.length - 1,
        message: `the issuer "${cur.info.issuer}" was not sent by the server and is not in any trust store (a missing intermediate or an untrusted CA)${cur.info.caIssuerUrls[0] ? `; it can be downloaded from ${cur.info.caIssuerUrls[0]}` : ''}`,
      });
    }
    break;
  }

  const anchorIndex = trusted ? path.length - 1 : -1;
  path.forEach((link, i) => {
    const c = link.certificate;
    const label = i === 0 ? 'the server certificate' : `"${c.subject}"`;
    if (Date.parse(c.notAfter) < now)
      problems.push({
        code: 'expired',
        severity: 'critical',
        certIndex: i,
        message: `${label} expired on ${c.notAfter.slice(0, 10)} (${-c.daysLeft} days ago)`,
      });
    else if (Date.parse(c.notBefore) > now)
      problems.push({
        code: 'not-yet-valid',
        severity: 'critical',
        certIndex: i,
        message: `${label} is not valid before ${c.notBefore.slice(0, 10)}`,
      });
    else if (c.daysLeft < opts.expiryWarningDays)
      problems.push({
        code: 'expiring-soon',
        severity: 'medium',
        certIndex: i,
        message: `${label} expires in ${c.daysLeft} days (${c.notAfter.slice(0, 10)})`,
      });
    const weakKey =
      c.keyType === 'RSA' || c.keyType === 'RSA-PSS' || c.keyType === 'DSA'
        ? (c.keyBits ?? 0) < 2048
        : c.keyType === 'EC'
          ? (c.keyBits ?? 0) < 256
          : false;
    if (weakKey)
      problems.push({
        code: 'weak-key',
        severity: 'high',
        certIndex: i,
        message: `${label} has a ${c.keyBits}-bit ${c.keyType} key`,
      });
    const weakSig = weakSignature(c.signatureAlgorithm);
    // Nobody checks a trust anchor's own signature, so SHA-1 on a root is harmless. Anywhere else OpenSSL 3
    // (verify error 68), curl and every current browser refuse the chain: a trust failure, not a style point.
    if (weakSig && i !== anchorIndex) {
      problems.push({
        code: 'weak-signature',
        severity: 'critical',
        certIndex: i,
        message: `${label} is signed with ${c.signatureAlgorithm} (${weakSig}); OpenSSL 3, curl and current browsers refuse such a chain`,
      });
    }
  });

  const hostname = opts.hostname;
  const hostnameMatches = isIP(hostname)
    ? leaf.x509.checkIP(hostname) !== undefined
    : leaf.x509.checkHost(hostname, { subject: 'never' }) !== undefined;
  if (!hostnameMatches) {
    const names =
      leaf.info.subjectAltNames.join(', ') || `no subjectAltName (CN=${leaf.info.commonName ?? '-'})`;
    problems.push({
      code: 'name-mismatch',
      severity: 'critical',
      certIndex: 0,
      message: `the certificate is not valid for "${hostname}"; it names ${names}`,
    });
  }
  if (
    leaf.info.extendedKeyUsage.length > 0 &&
    !leaf.info.extendedKeyUsage.some((u) => u === 'serverAuth' || u === 'anyExtendedKeyUsage')
  ) {
    problems.push({
      code: 'not-server-auth',
      severity: 'high',
      certIndex: 0,
      message: `the certificate's extended key usage (${leaf.info.extendedKeyUsage.join(', ')}) does not allow TLS servers`,
    });
  }
  if (leaf.info.basicConstraints?.ca) {
    // Firefox refuses a CA certificate used as a server certificate; one issued by another CA also means
    // the server holds a key that can sign certificates for any name.
    problems.push(
      leaf.info.selfSigned
        ? {
            code: 'leaf-is-ca',
            severity: 'low',
            certIndex: 0,
            message:
              'the self-signed server certificate is also a CA (basicConstraints CA:TRUE): whoever trusts it to reach this server trusts everything its key signs',
          }
        : {
            code: 'leaf-is-ca',
            severity: 'high',
            certIndex: 0,
            message:
              'the server certificate is a CA certificate (basicConstraints CA:TRUE): its key can issue certificates for any name, and Firefox refuses it (MOZILLA_PKIX_ERROR_CA_CERT_USED_AS_END_ENTITY)',
          },
    );
  }
  sent.forEach((c, i) => {
    if (!used.has(i))
      problems.push({
        code: 'extra-certificate',
        severity: 'low',
        certIndex: i,
        message: `certificate ${i + 1} ("${c.info.subject}") is sent but not part of the chain`,
      });
  });
  const order = path.map((l) => l.sentIndex).filter((i) => i >= 0);
  if (order.some((v, i) => i > 0 && v < (order[i - 1] ?? 0))) {
    problems.push({
      code: 'wrong-order',
      severity: 'low',
      message: `the server sends the chain out of order (wire positions ${order.map((i) => i + 1).join(' → ')})`,
    });
  }
  return {
    trusted: trusted && !problems.some((p) => p.severity === 'critical'),
    hostnameMatches,
    checkedName: hostname,
    path,
    problems,
    trustStores: store.stores,
  };
}

export function x509FromPem(pem: string): X509Certificate {
  return new X509Certificate(pem);
}
