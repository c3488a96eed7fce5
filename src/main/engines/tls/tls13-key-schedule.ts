// The TLS 1.3 key schedule (RFC 8446 §7.1) as far as a client needs it to read the server's encrypted
// handshake flight: HKDF-Extract/Expand-Label over plain HMAC (node:crypto only, so it runs the same on
// OpenSSL and on Electron's BoringSSL), the handshake traffic secrets and the record keys of each suite.
import { createHash, createHmac, getCiphers } from 'node:crypto';

export type Tls13Hash = 'sha256' | 'sha384';

export interface Tls13Suite {
  code: number;
  name: string;
  hash: Tls13Hash;
  /** node:crypto's AEAD name. */
  cipher: 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';
  keyLength: number;
}

/** The suites this client offers, in its order of preference. CCM suites are left out: few servers pick them. */
export const TLS13_SUITES: readonly Tls13Suite[] = [
  { code: 0x1301, name: 'TLS_AES_128_GCM_SHA256', hash: 'sha256', cipher: 'aes-128-gcm', keyLength: 16 },
  { code: 0x1302, name: 'TLS_AES_256_GCM_SHA384', hash: 'sha384', cipher: 'aes-256-gcm', keyLength: 32 },
  {
    code: 0x1303,
    name: 'TLS_CHACHA20_POLY1305_SHA256',
    hash: 'sha256',
    cipher: 'chacha20-poly1305',
    keyLength: 32,
  },
];

/**
 * The suites this runtime can decrypt: Electron's BoringSSL has no chacha20-poly1305 cipher object, so
 * there the ChaCha20 suite is not offered (a server must not pick a suite the client cannot run).
 */
export const TLS13_RUNNABLE: readonly Tls13Suite[] = TLS13_SUITES.filter((s) =>
  getCiphers().includes(s.cipher),
);

export function hashLength(hash: Tls13Hash): number {
  return hash === 'sha256' ? 32 : 48;
}

export function hkdfExtract(hash: Tls13Hash, salt: Uint8Array, ikm: Uint8Array): Buffer {
  return createHmac(hash, salt).update(ikm).digest();
}

export function hkdfExpand(hash: Tls13Hash, prk: Uint8Array, info: Uint8Array, length: number): Buffer {
  const blocks: Buffer[] = [];
  let prev = Buffer.alloc(0);
  for (let i = 1, have = 0; have < length; i++) {
    prev = createHmac(hash, prk)
      .update(prev)
      .update(info)
      .update(Buffer.from([i]))
      .digest();
    blocks.push(prev);
    have += prev.length;
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** HKDF-Expand-Label: the label is prefixed "tls13 ", the context is usually a transcript hash. */
export function expandLabel(
  hash: Tls13Hash,
  secret: Uint8Array,
  label: string,
  context: Uint8Array,
  length: number,
): Buffer {
  const full = Buffer.from(`tls13 ${label}`, 'ascii');
  const info = Buffer.concat([
    Buffer.from([(length >> 8) & 0xff, length & 0xff, full.length]),
    full,
    Buffer.from([context.length]),
    context,
  ]);
  return hkdfExpand(hash, secret, info, length);
}

export function transcriptHash(hash: Tls13Hash, messages: readonly Uint8Array[]): Buffer {
  const h = createHash(hash);
  for (const m of messages) h.update(m);
  return h.digest();
}

export interface HandshakeSecrets {
  handshakeSecret: Buffer;
  clientHandshakeTraffic: Buffer;
  serverHandshakeTraffic: Buffer;
}

/**
 * From the (EC)DHE shared secret and the hash of ClientHello…ServerHello to the two handshake traffic
 * secrets. No PSK: the early secret is the extract of zeros.
 */
export function handshakeSecrets(
  hash: Tls13Hash,
  sharedSecret: Uint8Array,
  helloHash: Uint8Array,
): HandshakeSecrets {
  const zeros = Buffer.alloc(hashLength(hash));
  const early = hkdfExtract(hash, zeros, zeros);
  const derived = expandLabel(hash, early, 'derived', transcriptHash(hash, []), hashLength(hash));
  const handshakeSecret = hkdfExtract(hash, derived, sharedSecret);
  return {
    handshakeSecret,
    clientHandshakeTraffic: expandLabel(hash, handshakeSecret, 'c hs traffic', helloHash, hashLength(hash)),
    serverHandshakeTraffic: expandLabel(hash, handshakeSecret, 's hs traffic', helloHash, hashLength(hash)),
  };
}

export interface TrafficKeys {
  key: Buffer;
  iv: Buffer;
}

export function trafficKeys(suite: Tls13Suite, secret: Uint8Array): TrafficKeys {
  return {
    key: expandLabel(suite.hash, secret, 'key', new Uint8Array(0), suite.keyLength),
    iv: expandLabel(suite.hash, secret, 'iv', new Uint8Array(0), 12),
  };
}

/**
 * After a HelloRetryRequest the first ClientHello enters the transcript as a synthetic message_hash
 * message (type 254) holding its hash (RFC 8446 §4.4.1).
 */
export function messageHash(hash: Tls13Hash, clientHello1: Uint8Array): Buffer {
  const digest = transcriptHash(hash, [clientHello1]);
  return Buffer.concat([Buffer.from([254, 0, 0, digest.length]), digest]);
}
