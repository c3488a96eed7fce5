// Reads a stapled OCSP response (RFC 6960) far enough to report it: status, the certificate's status,
// produced/this/next update. It does not verify the responder's signature — the report shows what the
// server stapled, not a revocation verdict a client should rely on.
import { AsnConvert } from '@peculiar/asn1-schema';
import { BasicOCSPResponse, OCSPResponse, OCSPResponseStatus, id_pkix_ocsp_basic } from '@peculiar/asn1-ocsp';

export interface OcspSummary {
  present: boolean;
  responseStatus?: string;
  certStatus?: 'good' | 'revoked' | 'unknown';
  producedAt?: string;
  thisUpdate?: string;
  nextUpdate?: string;
  revokedAt?: string;
  error?: string;
}

function hex(buf: ArrayBuffer): string {
  return Buffer.from(buf)
    .toString('hex')
    .toUpperCase()
    .replace(/^(00)+(?=.)/, '');
}

export function parseOcspResponse(der: Uint8Array, leafSerialHex?: string): OcspSummary {
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
    return {
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
