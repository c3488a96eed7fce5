// Certificate facts for the report: node:crypto's X509Certificate for what it knows (names, dates,
// fingerprints, key), @peculiar/asn1-x509 for the extensions it does not expose (key usage, policies,
// AIA, CRL, SCTs). Pure description — judging the chain is validate.ts's job.
import { X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AuthorityInfoAccessSyntax,
  BasicConstraints,
  CRLDistributionPoints,
  Certificate,
  CertificatePolicies,
  ExtendedKeyUsage,
  KeyUsage,
  SubjectAlternativeName,
  id_ad_caIssuers,
  id_ad_ocsp,
  id_ce_basicConstraints,
  id_ce_certificatePolicies,
  id_ce_cRLDistributionPoints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_pe_authorityInfoAccess,
} from '@peculiar/asn1-x509';
import type { TlsCertificateInfo } from '../../../shared/contract/tls';
import { derToPem } from '../common/x509-builder';

const SIGNATURE_NAMES: Record<string, string> = {
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'RSASSA-PSS',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.3.101.112': 'Ed25519',
  '1.3.101.113': 'Ed448',
  '1.2.840.10040.4.3': 'dsa-with-SHA1',
  '2.16.840.1.101.3.4.3.2': 'dsa-with-SHA256',
};

const EKU_NAMES: Record<string, string> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
  '2.5.29.37.0': 'anyExtendedKeyUsage',
};

const POLICY_NAMES: Record<string, string> = {
  '2.23.140.1.2.1': 'domain-validated',
  '2.23.140.1.2.2': 'organization-validated',
  '2.23.140.1.2.3': 'individual-validated',
  '2.23.140.1.1': 'extended-validation',
  '2.5.29.32.0': 'anyPolicy',
};

const CURVE_BITS: Record<string, number> = {
  prime256v1: 256,
  secp384r1: 384,
  secp521r1: 521,
  secp256k1: 256,
  secp224r1: 224,
  prime192v1: 192,
};
const SCT_LIST_OID = '1.3.6.1.4.1.11129.2.4.2';
const DAY = 86_400_000;

function dn(text: string): string {
  return text.split('\n').filter(Boolean).join(', ');
}

/** A weak signature hash, as a name, or undefined. */
export function weakSignature(algorithm: string): string | undefined {
  if (/md5/i.test(algorithm)) return 'MD5';
  if (/sha1/i.test(algorithm)) return 'SHA-1';
  return undefined;
}

function countScts(value: Uint8Array): number {
  // OCTET STRING wrapping a TLS-encoded list: u16 total, then u16-prefixed entries.
  let o = 0;
  if (value[0] === 0x04) {
    const lenByte = value[1] ?? 0;
    o = 2 + (lenByte & 0x80 ? lenByte & 0x7f : 0);
  }
  const total = ((value[o] ?? 0) << 8) | (value[o + 1] ?? 0);
  let p = o + 2;
  const end = Math.min(value.length, p + total);
  let n = 0;
  while (p + 2 <= end) {
    const len = ((value[p] ?? 0) << 8) | (value[p + 1] ?? 0);
    p += 2 + len;
    n++;
  }
  return n;
}

export interface ParsedCertificate {
  readonly x509: X509Certificate;
  readonly info: TlsCertificateInfo;
  readonly der: Uint8Array;
}

/**
 * A certificate whose report description is computed on first use: trust stores hold hundreds of roots
 * and only the one that anchors a chain is ever described.
 */
export class LazyCertificate implements ParsedCertificate {
  readonly x509: X509Certificate;
  private described: TlsCertificateInfo | undefined;
  constructor(readonly der: Uint8Array) {
    this.x509 = new X509Certificate(der);
  }
  get info(): TlsCertificateInfo {
    this.described ??= describeCertificate(this.der).info;
    return this.described;
  }
}

export function describeCertificate(der: Uint8Array, now = Date.now()): ParsedCertificate {
  const x509 = new X509Certificate(der);
  const asn = AsnConvert.parse(der, Certificate);
  const exts = asn.tbsCertificate.extensions ?? [];
  const find = (oid: string) => exts.find((e) => e.extnID === oid);
  const parseExt = <T>(oid: string, type: new () => T): T | undefined => {
    const e = find(oid);
    if (!e) return undefined;
    try {
      return AsnConvert.parse(e.extnValue, type);
    } catch {
      return undefined;
    }
  };

  const san = parseExt(id_ce_subjectAltName, SubjectAlternativeName);
  const subjectAltNames = (san ?? []).map((g) =>
    g.dNSName !== undefined
      ? `DNS:${g.dNSName}`
      : g.iPAddress !== undefined
        ? `IP:${g.iPAddress}`
        : g.rfc822Name
          ? `email:${g.rfc822Name}`
          : g.uniformResourceIdentifier
            ? `URI:${g.uniformResourceIdentifier}`
            : 'other',
  );
  const ku = parseExt(id_ce_keyUsage, KeyUsage);
  const eku = parseExt(id_ce_extKeyUsage, ExtendedKeyUsage);
  const bc = parseExt(id_ce_basicConstraints, BasicConstraints);
  const aia = parseExt(id_pe_authorityInfoAccess, AuthorityInfoAccessSyntax);
  const crl = parseExt(id_ce_cRLDistributionPoints, CRLDistributionPoints);
  const policies = parseExt(id_ce_certificatePolicies, CertificatePolicies);
  const sct = find(SCT_LIST_OID);

  const key = x509.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  const keyType = (key.asymmetricKeyType ?? 'unknown').toUpperCase();
  const curve = details.namedCurve;
  const keyBits =
    details.modulusLength ??
    (curve ? CURVE_BITS[curve] : keyType === 'ED25519' ? 256 : keyType === 'ED448' ? 456 : undefined);
  const sigOid = asn.signatureAlgorithm.algorithm;
  const notAfter = new Date(x509.validTo);
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(x509.subject)?.[1];
  let selfSigned = false;
  if (x509.subject === x509.issuer) {
    try {
      selfSigned = x509.verify(key);
    } catch {
      selfSigned = false;
    }
  }
  const urls = (method: string) =>
    (aia ?? [])
      .filter((a) => a.accessMethod === method)
      .map((a) => a.accessLocation.uniformResourceIdentifier ?? '')
      .filter(Boolean);
  return {
    x509,
    der,
    info: {
      subject: dn(x509.subject),
      issuer: dn(x509.issuer),
      commonName: cn,
      serialNumber: x509.serialNumber.toUpperCase(),
      notBefore: new Date(x509.validFrom).toISOString(),
      notAfter: notAfter.toISOString(),
      daysLeft: Math.floor((notAfter.getTime() - now) / DAY),
      keyType,
      keyBits,
      curve,
      signatureAlgorithm: SIGNATURE_NAMES[sigOid] ?? sigOid,
      sha1: x509.fingerprint,
      sha256: x509.fingerprint256,
      subjectAltNames,
      keyUsage: ku ? ku.toJSON() : [],
      extendedKeyUsage: (eku ?? []).map((o) => EKU_NAMES[o] ?? o),
      basicConstraints: bc ? { ca: bc.cA, pathLength: bc.pathLenConstraint } : undefined,
      ocspUrls: urls(id_ad_ocsp),
      caIssuerUrls: urls(id_ad_caIssuers),
      crlUrls: (crl ?? [])
        .flatMap((dp) => (dp.distributionPoint?.fullName ?? []).map((g) => g.uniformResourceIdentifier ?? ''))
        .filter(Boolean),
      policies: (policies ?? []).map((p) =>
        POLICY_NAMES[p.policyIdentifier]
          ? `${POLICY_NAMES[p.policyIdentifier]} (${p.policyIdentifier})`
          : p.policyIdentifier,
      ),
      sctCount: sct ? countScts(new Uint8Array(sct.extnValue.buffer)) : 0,
      selfSigned,
      pem: derToPem(der, 'CERTIFICATE'),
    },
  };
}

/** Splits PEM text into DER blocks; throws on text with no certificate in it. */
export function pemCertificates(text: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  const re = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;
  for (let m = re.exec(text); m; m = re.exec(text))
    out.push(new Uint8Array(Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64')));
  return out;
}
