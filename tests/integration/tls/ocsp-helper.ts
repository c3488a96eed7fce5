// Builds a signed OCSP response for a test certificate, as a CA's responder would, so a node:tls server
// can staple it.
import { X509Certificate, createHash, sign } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Certificate, Extension } from '@peculiar/asn1-x509';
import {
  BasicOCSPResponse,
  CertID,
  CertStatus,
  OCSPResponse,
  OCSPResponseStatus,
  ResponderID,
  ResponseBytes,
  ResponseData,
  RevokedInfo,
  SingleResponse,
  id_pkix_ocsp_basic,
} from '@peculiar/asn1-ocsp';
import type { BuiltCertificate } from '../../../src/main/engines/common/x509-builder';

const ab = (b: Uint8Array) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

export interface OcspOptions {
  /** Who signs (default: the issuer). A delegated responder goes into the response's certs. */
  signer?: BuiltCertificate;
  /** Certificates sent along in the response (default: the signer, when it is not the issuer). */
  certs?: BuiltCertificate[];
  nextUpdate?: Date;
  /** Whose key the certificate id names (default: the issuer). */
  certIdIssuer?: BuiltCertificate;
  /** Flip a bit of the signature. */
  corrupt?: boolean;
  /** A TLS-encoded SCT list to carry in the single response's extension (RFC 6962 §3.3). */
  sctList?: Uint8Array;
}

export function buildOcspResponse(
  leaf: BuiltCertificate,
  issuer: BuiltCertificate,
  status: 'good' | 'revoked',
  producedAt: Date,
  options: OcspOptions = {},
): Uint8Array {
  const signer = options.signer ?? issuer;
  const named = options.certIdIssuer ?? issuer;
  const leafX = new X509Certificate(leaf.certPem);
  const issuerSpki = named.key.publicKey.export({ type: 'spki', format: 'der' });
  // The key hash covers the BIT STRING contents: for P-256 that is the last 65 bytes of the SPKI.
  const keyBits = issuerSpki.subarray(issuerSpki.length - 65);
  const certID = new CertID({
    hashAlgorithm: new AlgorithmIdentifier({ algorithm: '1.3.14.3.2.26', parameters: null }),
    issuerNameHash: new OctetString(
      createHash('sha1')
        .update(new Uint8Array(AsnConvert.serialize(named.subjectName)))
        .digest(),
    ),
    issuerKeyHash: new OctetString(createHash('sha1').update(keyBits).digest()),
    serialNumber: ab(Buffer.from(leafX.serialNumber, 'hex')),
  });
  const certStatus =
    status === 'good'
      ? new CertStatus({ good: null })
      : new CertStatus({
          revoked: new RevokedInfo({ revocationTime: new Date(producedAt.getTime() - 3_600_000) }),
        });
  const data = new ResponseData({
    responderID: new ResponderID({ byKey: new OctetString(signer.keyId) }),
    producedAt,
    responses: [
      new SingleResponse({
        certID,
        certStatus,
        thisUpdate: producedAt,
        nextUpdate: options.nextUpdate ?? new Date(producedAt.getTime() + 7 * 86_400_000),
        ...(options.sctList
          ? {
              singleExtensions: [
                new Extension({
                  extnID: '1.3.6.1.4.1.11129.2.4.5',
                  critical: false,
                  extnValue: new OctetString(AsnConvert.serialize(new OctetString(options.sctList))),
                }),
              ],
            }
          : {}),
      }),
    ],
  });
  const tbs = new Uint8Array(AsnConvert.serialize(data));
  const signature = sign('sha256', tbs, signer.key.privateKey);
  if (options.corrupt) signature[signature.length - 1]! ^= 1;
  const certs = options.certs ?? (signer === issuer ? [] : [signer]);
  const basic = new BasicOCSPResponse({
    tbsResponseData: data,
    signatureAlgorithm: signer.key.spec.startsWith('rsa')
      ? new AlgorithmIdentifier({ algorithm: '1.2.840.113549.1.1.11', parameters: null })
      : new AlgorithmIdentifier({ algorithm: '1.2.840.10045.4.3.2' }),
    signature: ab(signature),
    ...(certs.length ? { certs: certs.map((c) => AsnConvert.parse(c.der, Certificate)) } : {}),
  });
  const resp = new OCSPResponse({
    responseStatus: OCSPResponseStatus.successful,
    responseBytes: new ResponseBytes({
      responseType: id_pkix_ocsp_basic,
      response: new OctetString(AsnConvert.serialize(basic)),
    }),
  });
  return new Uint8Array(AsnConvert.serialize(resp));
}
