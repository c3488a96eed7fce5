// Message signatures: every message is signed by its sender with the key of its instance certificate
// (ECDSA P-256, the certificate peers pin), so a message relayed by another member (gap fill) is known
// to come from the member it names. TLS authenticates only the peer at the other end of a connection;
// without this a member could fill others' gaps with messages "from" anyone. The signed text is a fixed
// list of the message's fields, so it does not depend on how a JSON encoder orders keys.
import {
  X509Certificate,
  createHash,
  createHmac,
  createPublicKey,
  sign,
  timingSafeEqual,
  verify,
  type KeyObject,
} from 'node:crypto';
import { directMembers, type WireMessage } from './protocol';

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

/**
 * Signs our messages. Group messages get an ECDSA signature every member can check. A direct
 * conversation's messages are forwarded by nobody but its two members, and the only relayed copies are
 * our own, filled back to us by the other member (after our log lost them): there an HMAC with a key
 * derived from our private key, which only we check, proves the same at a small part of the cost (an
 * ECDSA signature per message took about a third of a direct conversation's CPU).
 */
export class MessageSigner {
  private readonly macKey: Buffer;
  private readonly publicKey: KeyObject;

  constructor(private readonly key: KeyObject) {
    this.macKey = createHash('sha256')
      .update('wirelab-messenger-mac/2')
      .update(key.export({ type: 'pkcs8', format: 'der' }))
      .digest();
    this.publicKey = createPublicKey(key);
  }

  private mac(m: WireMessage): Buffer {
    return createHmac('sha256', this.macKey).update(signedText(m)).digest();
  }

  sign(m: WireMessage): string {
    return directMembers(m.conv) ? this.mac(m).toString('base64') : signMessage(m, this.key);
  }

  /** One of our own messages, relayed back to us: did we sign it? */
  verifyOwn(m: WireMessage): boolean {
    if (!directMembers(m.conv)) return verifyMessage(m, this.publicKey);
    const got = Buffer.from(m.sig ?? '', 'base64');
    const want = this.mac(m);
    return got.length === want.length && timingSafeEqual(got, want);
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
