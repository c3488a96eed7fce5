// Reads a stapled OCSP response (RFC 6960) and checks it as a client would: status, the certificate's
// status, produced/this/next update, and whether it can be trusted — signed by the certificate's
// issuer or by a responder the issuer authorized (id-kp-OCSPSigning), about this certificate of this
// issuer, and still fresh. It never contacts the responder: only what the server stapled is judged.
import { X509Certificate, createHash, verify } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { BasicOCSPResponse, OCSPResponse, OCSPResponseStatus, id_pkix_ocsp_basic } from '@peculiar/asn1-ocsp';
import { readTlv } from './der';

export interface OcspSummary {
  present: boolean;
  responseStatus?: string;
  certStatus?: 'good' | 'revoked' | 'unknown';
  producedAt?: string;
  thisUpdate?: string;
  nextUpdate?: string;
  revokedAt?: string;
  /** valid: a trusted signer's signature checks out; invalid: it does not; unverifiable: no way to tell. */
  signature?: 'valid' | 'invalid' | 'unverifiable';
  /** "issuer CN=…" or "delegated responder CN=…". */
  signedBy?: string;
  /** Why the staple should not be relied on (bad signature, another certificate, stale, …). */
  problems?: string[];
  error?: string;
}

/** Signature algorithms seen on OCSP responses → the digest node:crypto verifies with (null: EdDSA). */
export const SIGNATURE_DIGESTS: Record<string, string | null> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.1': 'sha1',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.3.101.112': null,
};
const CERT_ID_DIGESTS: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
const OCSP_SIGNING = '1.3.6.1.5.5.7.3.9';
/** Clock skew allowed on thisUpdate, as browsers do. */
const SKEW_MS = 5 * 60_000;

/**
 * The exact bytes of the first element of a DER SEQUENCE (tbsResponseData inside BasicOCSPResponse):
 * the signature covers those bytes as sent, which re-encoding a parsed structure need not reproduce.
 */
function firstElement(der: Uint8Array): Uint8Array {
  const first = readTlv(der, readTlv(der, 0).body);
  return der.subarray(first.start, first.end);
}

function subjectCn(c: X509Certificate): string {
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(c.subject)?.[1];
  return cn ? `CN=${cn}` : (c.subject.split('\n')[0] ?? '?');
}

export function keyBits(c: X509Certificate): Uint8Array {
  const spki = AsnConvert.parse(c.publicKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo);
  return new Uint8Array(spki.subjectPublicKey);
}

interface Judged {
  signature: 'valid' | 'invalid' | 'unverifiable';
  signedBy?: string;
  problems: string[];
}

function judge(
  basic: BasicOCSPResponse,
  raw: Uint8Array,
  single: BasicOCSPResponse['tbsResponseData']['responses'][number],
  issuer: X509Certificate | undefined,
  now: number,
): Judged {
  const problems: string[] = [];
  if (single.thisUpdate.getTime() > now + SKEW_MS) problems.push('thisUpdate is in the future');
  if (single.nextUpdate && single.nextUpdate.getTime() < now)
    problems.push(`stale: its next update was due ${single.nextUpdate.toISOString()}`);

  if (issuer) {
    const algo = CERT_ID_DIGESTS[single.certID.hashAlgorithm.algorithm];
    if (!algo) problems.push(`certificate id hashed with unknown ${single.certID.hashAlgorithm.algorithm}`);
    else {
      const keyHash = createHash(algo).update(keyBits(issuer)).digest();
      if (!keyHash.equals(Buffer.from(single.certID.issuerKeyHash.buffer)))
        problems.push("it names another issuer than the certificate's");
    }
  }

  const oid = basic.signatureAlgorithm.algorithm;
  const digest = SIGNATURE_DIGESTS[oid];
  if (digest === undefined)
    return {
      signature: 'unverifiable',
      problems: [...problems, `signature algorithm ${oid} is not checked`],
    };
  const tbs = firstElement(raw);
  const sig = new Uint8Array(basic.signature);
  const signs = (c: X509Certificate) => {
    try {
      return verify(digest, tbs, c.publicKey, sig);
    } catch {
      return false;
    }
  };

  if (issuer && signs(issuer))
    return { signature: 'valid', signedBy: `issuer ${subjectCn(issuer)}`, problems };
  for (const cert of basic.certs ?? []) {
    let c: X509Certificate;
    try {
      c = new X509Certificate(Buffer.from(AsnConvert.serialize(cert)));
    } catch {
      continue;
    }
    if (!signs(c)) continue;
    const who = `delegated responder ${subjectCn(c)}`;
    if (!issuer)
      return {
        signature: 'unverifiable',
        signedBy: who,
        problems: [...problems, 'the server sent no issuer certificate to check the responder against'],
      };
    if (!c.verify(issuer.publicKey))
      return {
        signature: 'invalid',
        signedBy: who,
        problems: [...problems, 'the responder was not issued by the issuer'],
      };
    if (!(c.keyUsage ?? []).includes(OCSP_SIGNING))
      return {
        signature: 'invalid',
        signedBy: who,
        problems: [...problems, 'the responder certificate is not authorized for OCSP signing'],
      };
    return { signature: 'valid', signedBy: who, problems };
  }
  if (!issuer)
    return {
      signature: 'unverifiable',
      problems: [...problems, 'the server sent no issuer certificate to check the signature with'],
    };
  return { signature: 'invalid', problems: [...problems, 'the signature does not verify'] };
}

function hex(buf: ArrayBuffer): string {
  return Buffer.from(buf)
    .toString('hex')
    .toUpperCase()
    .replace(/^(00)+(?=.)/, '');
}

/**
 * `issuerDer` is the leaf's issuer as the server sent it; without it the signature is unverifiable.
 * `now` is a parameter so tests can judge freshness at a chosen time.
 */
export function parseOcspResponse(
  der: Uint8Array,
  leafSerialHex?: string,
  issuerDer?: Uint8Array,
  now = Date.now(),
): OcspSummary {
  if (der.length === 0) return { present: false };
  try {
    const resp = AsnConvert.parse(der, OCSPResponse);
    const responseStatus = OCSPResponseStatus[resp.responseStatus] ?? String(resp.responseStatus);
    if (resp.responseStatus !== OCSPResponseStatus.successful || !resp.responseBytes)
      return { present: true, responseStatus };
    if (resp.responseBytes.responseType !== id_pkix_ocsp_basic)
      return { present: true, responseStatus, error: `response type ${resp.responseBytes.responseType}` };
    const basic = AsnConvert.parse(resp.responseBytes.response, BasicOCSPResponse);
    const data = basic.tbsResponseData;
    const wanted = leafSerialHex?.toUpperCase().replace(/^(00)+(?=.)/, '');
    const single =
      data.responses.find((r) => !wanted || hex(r.certID.serialNumber) === wanted) ?? data.responses[0];
    if (!single)
      return {
        present: true,
        responseStatus,
        producedAt: data.producedAt.toISOString(),
        error: 'no single response',
      };
    const st = single.certStatus;
    const certStatus = st.revoked ? 'revoked' : st.good !== undefined ? 'good' : 'unknown';
    let issuer: X509Certificate | undefined;
    try {
      issuer = issuerDer ? new X509Certificate(Buffer.from(issuerDer)) : undefined;
    } catch {
      issuer = undefined;
    }
    const judged = judge(basic, new Uint8Array(resp.responseBytes.response.buffer), single, issuer, now);
    return {
      signature: judged.signature,
      signedBy: judged.signedBy,
      problems: judged.problems,
      present: true,
      responseStatus,
      certStatus,
      producedAt: data.producedAt.toISOString(),
      thisUpdate: single.thisUpdate.toISOString(),
      nextUpdate: single.nextUpdate?.toISOString(),
      revokedAt: st.revoked?.revocationTime.toISOString(),
      error:
        wanted && hex(single.certID.serialNumber) !== wanted
          ? 'the stapled response is for another certificate'
          : undefined,
    };
  } catch (err) {
    return { present: true, error: `unreadable OCSP response: ${(err as Error).message}` };
  }
}

const SCT_LIST_OID = '1.3.6.1.4.1.11129.2.4.5';

/** The SCT lists (TLS-encoded) an OCSP response carries in its single responses' extensions. */
export function ocspSctLists(der: Uint8Array): Uint8Array[] {
  try {
    const resp = AsnConvert.parse(der, OCSPResponse);
    if (!resp.responseBytes || resp.responseBytes.responseType !== id_pkix_ocsp_basic) return [];
    const basic = AsnConvert.parse(resp.responseBytes.response, BasicOCSPResponse);
    return basic.tbsResponseData.responses.flatMap((r) =>
      (r.singleExtensions ?? [])
        .filter((e) => e.extnID === SCT_LIST_OID)
        .map((e) => new Uint8Array(e.extnValue.buffer)),
    );
  } catch {
    return [];
  }
}
