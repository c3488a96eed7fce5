// The TLS 1.3 server's CertificateVerify (RFC 8446 §4.4.3): its signature over the transcript up to the
// Certificate, checked with the leaf's key under the scheme it names. A scheme that does not fit the
// key's type or curve fails, whatever the bytes verify as.
import { X509Certificate, constants, verify } from 'node:crypto';

/** Signature schemes (RFC 8446 §4.2.3): digest, and the leaf key type (and curve) each one requires. */
const SCHEMES: Record<
  number,
  { name: string; hash: string | null; key: string; curve?: string; pss?: boolean }
> = {
  0x0403: { name: 'ecdsa_secp256r1_sha256', hash: 'sha256', key: 'ec', curve: 'prime256v1' },
  0x0503: { name: 'ecdsa_secp384r1_sha384', hash: 'sha384', key: 'ec', curve: 'secp384r1' },
  0x0603: { name: 'ecdsa_secp521r1_sha512', hash: 'sha512', key: 'ec', curve: 'secp521r1' },
  0x0804: { name: 'rsa_pss_rsae_sha256', hash: 'sha256', key: 'rsa', pss: true },
  0x0805: { name: 'rsa_pss_rsae_sha384', hash: 'sha384', key: 'rsa', pss: true },
  0x0806: { name: 'rsa_pss_rsae_sha512', hash: 'sha512', key: 'rsa', pss: true },
  0x0809: { name: 'rsa_pss_pss_sha256', hash: 'sha256', key: 'rsa-pss', pss: true },
  0x080a: { name: 'rsa_pss_pss_sha384', hash: 'sha384', key: 'rsa-pss', pss: true },
  0x080b: { name: 'rsa_pss_pss_sha512', hash: 'sha512', key: 'rsa-pss', pss: true },
  0x0807: { name: 'ed25519', hash: null, key: 'ed25519' },
  0x0808: { name: 'ed448', hash: null, key: 'ed448' },
};

export function checkCertificateVerify(
  scheme: number,
  signature: Uint8Array,
  leafDer: Uint8Array | undefined,
  hashUpToCertificate: Uint8Array,
): { scheme: string; valid?: boolean } {
  const s = SCHEMES[scheme];
  const name = s?.name ?? `0x${scheme.toString(16).padStart(4, '0')}`;
  if (!s || !leafDer) return { scheme: name };
  const content = Buffer.concat([
    Buffer.alloc(64, 0x20),
    Buffer.from('TLS 1.3, server CertificateVerify\0', 'latin1'),
    hashUpToCertificate,
  ]);
  try {
    const key = new X509Certificate(leafDer).publicKey;
    // A scheme that does not fit the key is a failed proof, whatever the signature bytes verify as.
    if (key.asymmetricKeyType !== s.key) return { scheme: name, valid: false };
    if (s.curve && key.asymmetricKeyDetails?.namedCurve !== s.curve) return { scheme: name, valid: false };
    const valid = s.pss
      ? verify(
          s.hash,
          content,
          {
            key,
            padding: constants.RSA_PKCS1_PSS_PADDING,
            // RFC 8446 §4.2.3: the PSS salt is as long as the digest.
            saltLength: s.hash === 'sha256' ? 32 : s.hash === 'sha384' ? 48 : 64,
          },
          signature,
        )
      : verify(s.hash, content, key, signature);
    return { scheme: name, valid };
  } catch {
    // a leaf this runtime cannot read, or a key that does not match the scheme: the proof does not hold
    return { scheme: name, valid: false };
  }
}
