// Signed certificate timestamps (RFC 6962 §3.2–3.3) from the three places a server can put them: the
// certificate's extension (1.3.6.1.4.1.11129.2.4.2), the TLS signed_certificate_timestamp extension, and
// the stapled OCSP response's single extension (1.3.6.1.4.1.11129.2.4.5). Each is listed with its log id
// (base64, as crt.sh and the CT log lists show it), timestamp, signature algorithm, signature and
// extensions. Naming the log and verifying the signature is a separate step (ct-verify.ts) that the
// inspector runs over every SCT it collected, once the leaf and its issuer are known.
import type { TlsSct } from '../../../shared/contract/tls';

const HASHES: Record<number, string> = {
  1: 'md5',
  2: 'sha1',
  3: 'sha224',
  4: 'sha256',
  5: 'sha384',
  6: 'sha512',
};
const SIGS: Record<number, string> = { 1: 'rsa', 2: 'dsa', 3: 'ecdsa' };

/** The contents of a DER OCTET STRING when `value` is one (the X.509 and OCSP extensions wrap the list). */
export function unwrapOctetString(value: Uint8Array): Uint8Array {
  if (value[0] !== 0x04 || value.length < 2) return value;
  const first = value[1] ?? 0;
  if (first < 0x80) return value.subarray(2, 2 + first);
  const n = first & 0x7f;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + (value[2 + i] ?? 0);
  return value.subarray(2 + n, 2 + n + len);
}

/** A TLS-encoded SignedCertificateTimestampList; entries that do not parse are skipped. */
export function parseSctList(list: Uint8Array, source: TlsSct['source']): TlsSct[] {
  const out: TlsSct[] = [];
  const u16 = (o: number) => ((list[o] ?? 0) << 8) | (list[o + 1] ?? 0);
  const end = Math.min(list.length, 2 + u16(0));
  for (let p = 2; p + 2 <= end;) {
    const len = u16(p);
    const sct = list.subarray(p + 2, p + 2 + len);
    p += 2 + len;
    // version(1) log_id(32) timestamp(8) extensions<0..2^16-1> hash(1) sig(1) signature<…>
    if (sct.length < 47 || sct[0] !== 0) continue;
    const ms = Buffer.from(sct.subarray(33, 41)).readBigUInt64BE();
    const extLen = ((sct[41] ?? 0) << 8) | (sct[42] ?? 0);
    const alg = 43 + extLen;
    const sigLen = ((sct[alg + 2] ?? 0) << 8) | (sct[alg + 3] ?? 0);
    const signature = sct.length >= alg + 4 + sigLen ? sct.subarray(alg + 4, alg + 4 + sigLen) : undefined;
    out.push({
      source,
      version: 1,
      logId: Buffer.from(sct.subarray(1, 33)).toString('base64'),
      timestamp: new Date(Number(ms)).toISOString(),
      signatureAlgorithm:
        sct.length > alg + 1
          ? `${SIGS[sct[alg + 1] ?? 0] ?? '?'}-${HASHES[sct[alg] ?? 0] ?? '?'}`
          : undefined,
      ...(signature ? { signature: Buffer.from(signature).toString('base64') } : {}),
      ...(extLen > 0 ? { extensions: Buffer.from(sct.subarray(43, alg)).toString('base64') } : {}),
    });
  }
  return out;
}
