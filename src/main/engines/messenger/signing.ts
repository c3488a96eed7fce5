// Message signatures: every message is signed by its sender with the key of its instance certificate
// (ECDSA P-256, the certificate peers pin), so a message relayed by another member (gap fill) is known
// to come from the member it names. TLS authenticates only the peer at the other end of a connection;
// without this a member could fill others' gaps with messages "from" anyone. The signed text is a fixed
// list of the message's fields, so it does not depend on how a JSON encoder orders keys.
import { X509Certificate, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { WireMessage } from './protocol';

/** What a signature covers: every field every member stores, in a fixed order, with a domain tag. */
export function signedText(m: WireMessage): Buffer {
  return Buffer.from(
    JSON.stringify([
      'wirelab-messenger-msg/2',
      m.conv,
      m.from,
      m.nick,
      m.seq,
      m.lamport,
      m.at,
      m.kind,
      m.text,
      m.members ?? null,
      m.name ?? null,
      m.add ?? null,
      m.remove ?? null,
    ]),
  );
}

/** The signature of `m` by `key` (base64 of the 64-byte r‖s form). */
export function signMessage(m: WireMessage, key: KeyObject): string {
  return sign('sha256', signedText(m), { key, dsaEncoding: 'ieee-p1363' }).toString('base64');
}

export function verifyMessage(m: WireMessage, key: KeyObject): boolean {
  if (!m.sig) return false;
  try {
    return verify('sha256', signedText(m), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(m.sig, 'base64'));
  } catch {
    return false;
  }
}

/** A certificate as it travels (base64 DER): its fingerprint (as peers pin it) and public key. */
export function readCertificate(der64: string): { fingerprint: string; key: KeyObject } | undefined {
  try {
    const cert = new X509Certificate(Buffer.from(der64, 'base64'));
    return {
      fingerprint: cert.fingerprint256,
      key: createPublicKey(cert.publicKey.export({ format: 'pem', type: 'spki' })),
    };
  } catch {
    return undefined;
  }
}
