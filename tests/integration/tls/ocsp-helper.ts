// Builds a signed OCSP response for a test certificate, as a CA's responder would, so a node:tls server
// can staple it.
import { X509Certificate, createHash, sign } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
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

export function buildOcspResponse(
  leaf: BuiltCertificate,
  issuer: BuiltCertificate,
  status: 'good' | 'revoked',
  producedAt: Date,
): Uint8Array {
  const leafX = new X509Certificate(leaf.certPem);
  const issuerSpki = issuer.key.publicKey.export({ type: 'spki', format: 'der' });
  // The key hash covers the BIT STRING contents: for P-256 that is the last 65 bytes of the SPKI.
  const keyBits = issuerSpki.subarray(issuerSpki.length - 65);
  const certID = new CertID({
    hashAlgorithm: new AlgorithmIdentifier({ algorithm: '1.3.14.3.2.26', parameters: null }),
    issuerNameHash: new OctetString(
      createHash('sha1')
        .update(new Uint8Array(AsnConvert.serialize(issuer.subjectName)))
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
    responderID: new ResponderID({ byKey: new OctetString(issuer.keyId) }),
    producedAt,
    responses: [
      new SingleResponse({
        certID,
        certStatus,
        thisUpdate: producedAt,
        nextUpdate: new Date(producedAt.getTime() + 7 * 86_400_000),
      }),
    ],
  });
  const tbs = new Uint8Array(AsnConvert.serialize(data));
  const basic = new BasicOCSPResponse({
    tbsResponseData: data,
    signatureAlgorithm: new AlgorithmIdentifier({ algorithm: '1.2.840.10045.4.3.2' }),
    signature: ab(sign('sha256', tbs, issuer.key.privateKey)),
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
