// Record protection of TLS 1.0–1.2 as a hand-completed session needs it: the PRF, the key schedule and
// one direction's MAC-then-encrypt CBC or GCM (RFC 5246 §5, §6.3, §6.2.3; RFC 2246 for the TLS 1.0/1.1
// PRF and IVs). Records can be sealed broken on purpose (wrong padding, wrong MAC) for the checks that
// test whether a server notices.
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import type { CipherSuite } from './cipher-suites';
import { VERSION_CODES } from './wire';

export type SessionVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2';

export interface Params {
  kx: 'ECDHE' | 'DHE' | 'RSA';
  cipher: string;
  keyLen: number;
  aead: boolean;
  /** HMAC hash of CBC suites. */
  mac?: 'sha1' | 'sha256' | 'sha384';
  macLen: number;
  /** TLS 1.2 PRF hash (SHA-384 for the *_SHA384 suites). */
  prfHash: 'sha256' | 'sha384';
}

/** What this client needs to know of a suite, or undefined when it cannot complete a handshake with it. */
export function sessionParams(s: CipherSuite): Params | undefined {
  if (s.tls13 || (s.kx !== 'ECDHE' && s.kx !== 'DHE' && s.kx !== 'RSA')) return undefined;
  if (s.auth !== 'RSA' && s.auth !== 'ECDSA' && s.auth !== 'DSS') return undefined;
  const m = /^AES_(128|256)_(CBC|GCM)$/.exec(s.cipher);
  if (!m) return undefined;
  const bits = Number(m[1]);
  const aead = m[2] === 'GCM';
  const mac =
    s.mac === 'SHA' ? 'sha1' : s.mac === 'SHA256' ? 'sha256' : s.mac === 'SHA384' ? 'sha384' : undefined;
  if (!mac) return undefined;
  return {
    kx: s.kx,
    cipher: `aes-${bits}-${aead ? 'gcm' : 'cbc'}`,
    keyLen: bits / 8,
    aead,
    mac: aead ? undefined : mac,
    macLen: aead ? 0 : { sha1: 20, sha256: 32, sha384: 48 }[mac],
    prfHash: s.mac === 'SHA384' ? 'sha384' : 'sha256',
  };
}

function hmac(hash: string, key: Uint8Array, data: Uint8Array): Buffer {
  return createHmac(hash, key).update(data).digest();
}

function pHash(hash: string, secret: Uint8Array, seed: Uint8Array, n: number): Buffer {
  const out: Buffer[] = [];
  let a: Uint8Array = seed;
  for (let len = 0; len < n;) {
    a = hmac(hash, secret, a);
    const chunk = hmac(hash, secret, Buffer.concat([a, seed]));
    out.push(chunk);
    len += chunk.length;
  }
  return Buffer.concat(out).subarray(0, n);
}

/** The TLS PRF: P_SHA256/384 in TLS 1.2; MD5 ⊕ SHA-1 over the two halves of the secret before it. */
export function prf(
  version: SessionVersion,
  hash: 'sha256' | 'sha384',
  secret: Uint8Array,
  label: string,
  seed: Uint8Array,
  n: number,
): Buffer {
  const ls = Buffer.concat([Buffer.from(label, 'ascii'), seed]);
  if (version === 'TLSv1.2') return pHash(hash, secret, ls, n);
  const half = Math.ceil(secret.length / 2);
  const a = pHash('md5', secret.subarray(0, half), ls, n);
  const b = pHash('sha1', secret.subarray(secret.length - half), ls, n);
  return Buffer.from(a.map((x, i) => x ^ (b[i] ?? 0)));
}

function seqBytes(seq: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(seq);
  return b;
}

/** How a sealed record is broken on purpose: wrong CBC padding bytes (MAC intact), or a wrong MAC. */
export type Tamper = 'padding' | 'mac';

/** One direction's record protection (RFC 5246 §6.2.3): MAC-then-encrypt CBC, or GCM. */
export class RecordProtection {
  private seq = 0n;
  constructor(
    private readonly p: Params,
    private readonly version: SessionVersion,
    private readonly macKey: Uint8Array,
    private readonly key: Uint8Array,
    /** GCM: the 4-byte salt; TLS 1.0 CBC: the running IV (the last ciphertext block). */
    private iv: Uint8Array,
  ) {}

  private header(type: number, length: number): Buffer {
    const v = VERSION_CODES[this.version];
    return Buffer.from([type, v >> 8, v & 0xff, length >> 8, length & 0xff]);
  }

  seal(type: number, plaintext: Uint8Array, tamper?: Tamper): Buffer {
    const seq = seqBytes(this.seq++);
    if (this.p.aead) {
      const nonce = Buffer.concat([this.iv, seq]);
      const c = createCipheriv(this.p.cipher as 'aes-128-gcm', this.key, nonce);
      c.setAAD(Buffer.concat([seq, this.header(type, plaintext.length)]));
      const ct = Buffer.concat([c.update(plaintext), c.final()]);
      return Buffer.concat([seq, ct, c.getAuthTag()]);
    }
    const mac = hmac(
      this.p.mac ?? 'sha1',
      this.macKey,
      Buffer.concat([seq, this.header(type, plaintext.length), plaintext]),
    );
    if (tamper === 'mac') mac[0] = (mac[0] ?? 0) ^ 0xff;
    const data = Buffer.concat([plaintext, mac]);
    let pad = 15 - (data.length % 16);
    // A broken padding needs a byte besides the length byte to break.
    if (tamper === 'padding' && pad === 0) pad = 16;
    const padding = Buffer.alloc(pad + 1, pad);
    if (tamper === 'padding') padding[0] = pad ^ 0xff;
    const explicit = this.version === 'TLSv1' ? undefined : randomBytes(16);
    const c = createCipheriv(this.p.cipher, this.key, explicit ?? this.iv).setAutoPadding(false);
    const ct = Buffer.concat([c.update(Buffer.concat([data, padding])), c.final()]);
    if (!explicit) this.iv = ct.subarray(ct.length - 16);
    return explicit ? Buffer.concat([explicit, ct]) : ct;
  }

  /** The plaintext, or undefined when the record does not decrypt or authenticate. */
  open(type: number, payload: Uint8Array): Buffer | undefined {
    const seq = seqBytes(this.seq++);
    try {
      if (this.p.aead) {
        if (payload.length < 24) return undefined;
        const nonce = Buffer.concat([this.iv, payload.subarray(0, 8)]);
        const ct = payload.subarray(8, payload.length - 16);
        const d = createDecipheriv(this.p.cipher as 'aes-128-gcm', this.key, nonce);
        d.setAAD(Buffer.concat([seq, this.header(type, ct.length)]));
        d.setAuthTag(payload.subarray(payload.length - 16));
        return Buffer.concat([d.update(ct), d.final()]);
      }
      const explicit = this.version !== 'TLSv1';
      const iv = explicit ? payload.subarray(0, 16) : this.iv;
      const ct = explicit ? payload.subarray(16) : payload;
      if (ct.length === 0 || ct.length % 16 !== 0) return undefined;
      if (!explicit) this.iv = ct.subarray(ct.length - 16);
      const d = createDecipheriv(this.p.cipher, this.key, iv).setAutoPadding(false);
      const pt = Buffer.concat([d.update(ct), d.final()]);
      const pad = pt[pt.length - 1] ?? 0;
      const end = pt.length - pad - 1 - this.p.macLen;
      if (end < 0 || !pt.subarray(pt.length - pad - 1).every((b) => b === pad)) return undefined;
      const data = pt.subarray(0, end);
      const want = hmac(
        this.p.mac ?? 'sha1',
        this.macKey,
        Buffer.concat([seq, this.header(type, data.length), data]),
      );
      return timingSafeEqual(want, pt.subarray(end, end + this.p.macLen)) ? data : undefined;
    } catch {
      return undefined;
    }
  }
}

/** Keys of both directions and the Finished computation, from a premaster secret (no extended master secret). */
export function keySchedule(
  p: Params,
  version: SessionVersion,
  pms: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): {
  out: RecordProtection;
  inp: RecordProtection;
  /** verify_data of a Finished over the handshake messages so far. */
  verify: (label: 'client finished' | 'server finished', transcript: Buffer[]) => Buffer;
} {
  const master = prf(
    version,
    p.prfHash,
    pms,
    'master secret',
    Buffer.concat([clientRandom, serverRandom]),
    48,
  );
  const ivLen = p.aead ? 4 : 16;
  const block = prf(
    version,
    p.prfHash,
    master,
    'key expansion',
    Buffer.concat([serverRandom, clientRandom]),
    2 * (p.macLen + p.keyLen + ivLen),
  );
  let at = 0;
  const take = (n: number) => block.subarray(at, (at += n));
  const [cMac, sMac, cKey, sKey, cIv, sIv] = [
    take(p.macLen),
    take(p.macLen),
    take(p.keyLen),
    take(p.keyLen),
    take(ivLen),
    take(ivLen),
  ];
  return {
    out: new RecordProtection(p, version, cMac, cKey, cIv),
    inp: new RecordProtection(p, version, sMac, sKey, sIv),
    verify: (label, transcript) => {
      const all = Buffer.concat(transcript);
      const digest =
        version === 'TLSv1.2'
          ? createHash(p.prfHash).update(all).digest()
          : Buffer.concat([createHash('md5').update(all).digest(), createHash('sha1').update(all).digest()]);
      return prf(version, p.prfHash, master, label, digest, 12);
    },
  };
}
