// The TLS 1.3 handshake messages a reading client builds and parses (RFC 8446 §4): its ClientHello
// (rebuilt identically after a HelloRetryRequest, as §4.1.2 requires), the key shares it keeps the
// private halves of, EncryptedExtensions, the Certificate message with each entry's extensions, and
// CertificateVerify. Every parser bounds-checks and throws a coded error on short or inconsistent input.
import {
  createECDH,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type ECDH,
  type KeyObject,
} from 'node:crypto';
import { isIP } from 'node:net';
import { EngineError } from '../common/errors';
import type { Tls13Suite } from './tls13-key-schedule';

export const GROUP_X25519 = 0x001d;
export const GROUP_P256 = 0x0017;
export const GROUP_P384 = 0x0018;
/** Groups this client can compute a shared secret for, in its order of preference. */
export const TLS13_GROUPS: readonly number[] = [GROUP_X25519, GROUP_P256, GROUP_P384];
const ECDH_CURVES: Record<number, string> = { [GROUP_P256]: 'prime256v1', [GROUP_P384]: 'secp384r1' };
/** SPKI DER prefix of an X25519 public key (RFC 8410): the raw 32 bytes follow. */
const X25519_SPKI = Buffer.from('302a300506032b656e032100', 'hex');

/** ECDSA, RSA-PSS, EdDSA and RSA-PKCS#1 (certificates only) schemes a current client offers. */
const SIGNATURE_SCHEMES = [
  0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0809, 0x080a, 0x080b, 0x0807, 0x0808, 0x0401, 0x0501,
  0x0601,
];

function u16(n: number): number[] {
  return [(n >> 8) & 0xff, n & 0xff];
}
function vec16(b: ArrayLike<number>): number[] {
  return [...u16(b.length), ...Array.from(b)];
}
function vec8(b: ArrayLike<number>): number[] {
  return [b.length & 0xff, ...Array.from(b)];
}
function ext(type: number, body: number[]): number[] {
  return [...u16(type), ...vec16(body)];
}

/** A key share whose private half this client keeps until the ServerHello answers. */
export class KeyShare {
  private constructor(
    readonly group: number,
    readonly publicKey: Uint8Array,
    private readonly x25519?: KeyObject,
    private readonly ecdh?: ECDH,
  ) {}

  static create(group: number): KeyShare {
    if (group === GROUP_X25519) {
      let pair: { publicKey: KeyObject; privateKey: KeyObject };
      try {
        pair = generateKeyPairSync('x25519');
      } catch {
        throw new EngineError('NOT_SUPPORTED', 'this runtime cannot make an X25519 key share');
      }
      const spki = pair.publicKey.export({ type: 'spki', format: 'der' });
      return new KeyShare(group, new Uint8Array(spki.subarray(spki.length - 32)), pair.privateKey);
    }
    const curve = ECDH_CURVES[group];
    if (!curve)
      throw new EngineError('TLS_ERROR', `no key share can be made for group 0x${group.toString(16)}`);
    const ecdh = createECDH(curve);
    return new KeyShare(group, new Uint8Array(ecdh.generateKeys()), undefined, ecdh);
  }

  /** The (EC)DHE shared secret with the server's share; an invalid share is the server's protocol error. */
  shared(peer: Uint8Array): Buffer {
    try {
      if (this.x25519) {
        if (peer.length !== 32) throw new Error(`an X25519 share is 32 bytes, got ${peer.length}`);
        const secret = diffieHellman({
          privateKey: this.x25519,
          publicKey: createPublicKey({
            key: Buffer.concat([X25519_SPKI, peer]),
            format: 'der',
            type: 'spki',
          }),
        });
        // RFC 8446 §7.4.2: an all-zero X25519 result means a low-order point.
        if (secret.every((b) => b === 0)) throw new Error('the X25519 result is all zeros');
        return secret;
      }
      if (peer[0] !== 4) throw new Error('the ECDHE share is not an uncompressed point');
      return (this.ecdh as ECDH).computeSecret(peer);
    } catch (err) {
      throw new EngineError('TLS_ERROR', `the server's key share is invalid: ${(err as Error).message}`);
    }
  }
}

export interface ClientHelloParams {
  random: Uint8Array;
  sessionId: Uint8Array;
  sni?: string;
  alpn?: readonly string[];
  shares: readonly KeyShare[];
  suites: readonly Tls13Suite[];
  /** The cookie a HelloRetryRequest sent, echoed in the second ClientHello. */
  cookie?: Uint8Array;
}

/** The ClientHello handshake message (no record header): what goes into the transcript. */
export function buildTls13ClientHello(p: ClientHelloParams): Uint8Array {
  const exts: number[] = [];
  if (p.sni && isIP(p.sni) === 0) exts.push(...ext(0, vec16([0, ...vec16(Buffer.from(p.sni, 'ascii'))])));
  exts.push(...ext(10, vec16(TLS13_GROUPS.flatMap(u16))));
  exts.push(...ext(13, vec16(SIGNATURE_SCHEMES.flatMap(u16))));
  exts.push(...ext(5, [1, 0, 0, 0, 0]));
  exts.push(...ext(18, []));
  if (p.alpn && p.alpn.length > 0)
    exts.push(...ext(16, vec16(p.alpn.flatMap((a) => vec8(Buffer.from(a, 'ascii'))))));
  exts.push(...ext(43, vec8(u16(0x0304))));
  if (p.cookie) exts.push(...ext(44, vec16(p.cookie)));
  exts.push(...ext(51, vec16(p.shares.flatMap((s) => [...u16(s.group), ...vec16(s.publicKey)]))));
  const body = [
    ...u16(0x0303),
    ...p.random,
    ...vec8(p.sessionId),
    ...vec16(p.suites.flatMap((s) => u16(s.code))),
    1,
    0,
    ...vec16(exts),
  ];
  return new Uint8Array([
    1,
    (body.length >> 16) & 0xff,
    (body.length >> 8) & 0xff,
    body.length & 0xff,
    ...body,
  ]);
}

/** A bounds-checked reader over one message body; running past the end is the server's error. */
export class Reader {
  o = 0;
  constructor(
    private readonly b: Uint8Array,
    private readonly what: string,
  ) {}
  private need(n: number): void {
    if (this.o + n > this.b.length) throw new EngineError('TLS_ERROR', `${this.what} is truncated`);
  }
  u8(): number {
    this.need(1);
    return this.b[this.o++] ?? 0;
  }
  u16(): number {
    return (this.u8() << 8) | this.u8();
  }
  u24(): number {
    return (this.u8() << 16) | (this.u8() << 8) | this.u8();
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.b.subarray(this.o, this.o + n);
    this.o += n;
    return out;
  }
  get done(): boolean {
    return this.o >= this.b.length;
  }
}

/** An extension block (u16 length, then type/length/value triples) as a map. */
export function parseExtensions(r: Reader): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  const block = new Reader(r.bytes(r.u16()), 'an extension block');
  while (!block.done) {
    const type = block.u16();
    out.set(type, block.bytes(block.u16()));
  }
  return out;
}

export function parseEncryptedExtensions(body: Uint8Array): {
  extensions: Map<number, Uint8Array>;
  alpn?: string;
} {
  const extensions = parseExtensions(new Reader(body, 'EncryptedExtensions'));
  const a = extensions.get(16);
  let alpn: string | undefined;
  if (a) {
    const r = new Reader(a, 'the ALPN extension');
    r.u16();
    alpn = Buffer.from(r.bytes(r.u8())).toString('latin1');
  }
  return { extensions, alpn };
}

export interface Tls13CertificateEntry {
  der: Uint8Array;
  /** The SignedCertificateTimestampList of the entry's signed_certificate_timestamp extension. */
  sctList?: Uint8Array;
  /** The OCSPResponse of the entry's status_request extension (CertificateStatus, type ocsp). */
  ocsp?: Uint8Array;
}

/** The TLS 1.3 Certificate message: each entry with its own extensions (RFC 8446 §4.4.2). */
export function parseTls13Certificate(body: Uint8Array): Tls13CertificateEntry[] {
  const r = new Reader(body, 'the Certificate message');
  r.bytes(r.u8());
  const list = new Reader(r.bytes(r.u24()), 'the certificate list');
  const out: Tls13CertificateEntry[] = [];
  while (!list.done) {
    const der = list.bytes(list.u24());
    if (der.length === 0)
      throw new EngineError('TLS_ERROR', 'the Certificate message holds an empty certificate');
    const exts = parseExtensions(list);
    const entry: Tls13CertificateEntry = { der };
    const sct = exts.get(18);
    if (sct) entry.sctList = sct;
    const status = exts.get(5);
    if (status) {
      const s = new Reader(status, 'the stapled CertificateStatus');
      if (s.u8() === 1) entry.ocsp = s.bytes(s.u24());
    }
    out.push(entry);
  }
  return out;
}

export function parseCertificateVerify(body: Uint8Array): { scheme: number; signature: Uint8Array } {
  const r = new Reader(body, 'CertificateVerify');
  const scheme = r.u16();
  return { scheme, signature: r.bytes(r.u16()) };
}
