// TLS 1.3 record layer for the client's read side (RFC 8446 §5): an incremental, bounded record reader,
// AEAD open/seal of TLSCiphertext with the per-record nonce, and reassembly of handshake messages that
// span records. Knows no sockets and decides nothing about the handshake; tls13-client.ts does.
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { EngineError } from '../common/errors';
import type { Tls13Suite, TrafficKeys } from './tls13-key-schedule';

/** RFC 8446 §5.2: a TLSCiphertext fragment is at most 2^14 + 256 bytes. */
const MAX_CIPHERTEXT = 16_384 + 256;
const TAG = 16;

export interface Tls13Record {
  type: number;
  /** The 5-byte header, the AEAD's additional data. */
  header: Uint8Array;
  payload: Uint8Array;
}

/** Splits the server's bytes into records; at most `maxBytes` kept unparsed, beyond that it refuses. */
export class RecordReader {
  private pending = Buffer.alloc(0);
  readonly records: Tls13Record[] = [];
  bytes = 0;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    if (this.pending.length + chunk.length > this.maxBytes)
      throw new EngineError(
        'LIMIT_EXCEEDED',
        `the server sent more than ${this.maxBytes} bytes in its flight`,
      );
    this.pending = Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 5) {
      const b = this.pending;
      const type = b[0] ?? 0;
      const length = ((b[3] ?? 0) << 8) | (b[4] ?? 0);
      if (type < 20 || type > 24 || b[1] !== 3 || length > MAX_CIPHERTEXT)
        throw new EngineError(
          'NOT_TLS',
          `the server sent bytes that are not a TLS record (${Buffer.from(b.subarray(0, 5)).toString('hex')})`,
        );
      if (b.length < 5 + length) return;
      this.records.push({
        type,
        header: new Uint8Array(b.subarray(0, 5)),
        payload: new Uint8Array(b.subarray(5, 5 + length)),
      });
      this.pending = b.subarray(5 + length);
    }
  }

  shift(): Tls13Record | undefined {
    return this.records.shift();
  }
}

function nonce(iv: Uint8Array, seq: number): Buffer {
  const n = Buffer.from(iv);
  // The 64-bit sequence number, left-padded to the IV's length and XORed in; a handshake never nears 2^53.
  let s = seq;
  for (let i = n.length - 1; i >= n.length - 8 && s > 0; i--) {
    n[i] = (n[i] ?? 0) ^ (s & 0xff);
    s = Math.floor(s / 256);
  }
  return n;
}

// node:crypto types GCM and ChaCha20-Poly1305 separately; both take a 12-byte nonce and a 16-byte tag.
function decipher(suite: Tls13Suite, key: Uint8Array, iv: Uint8Array) {
  return suite.cipher === 'chacha20-poly1305'
    ? createDecipheriv('chacha20-poly1305', key, iv, { authTagLength: TAG })
    : createDecipheriv(suite.cipher, key, iv, { authTagLength: TAG });
}
function cipher(suite: Tls13Suite, key: Uint8Array, iv: Uint8Array) {
  return suite.cipher === 'chacha20-poly1305'
    ? createCipheriv('chacha20-poly1305', key, iv, { authTagLength: TAG })
    : createCipheriv(suite.cipher, key, iv, { authTagLength: TAG });
}

/** One direction's protection: the suite's AEAD with its keys and the record sequence number. */
export class Tls13Protection {
  private seq = 0;

  constructor(
    private readonly suite: Tls13Suite,
    private readonly keys: TrafficKeys,
  ) {}

  /** Opens one application_data record: the inner content and its real content type. */
  open(rec: Tls13Record): { type: number; content: Uint8Array } {
    if (rec.payload.length < TAG + 1)
      throw new EngineError('TLS_ERROR', 'an encrypted record is shorter than its authentication tag');
    const body = rec.payload.subarray(0, rec.payload.length - TAG);
    const tag = rec.payload.subarray(rec.payload.length - TAG);
    let plain: Buffer;
    try {
      const d = decipher(this.suite, this.keys.key, nonce(this.keys.iv, this.seq));
      d.setAAD(rec.header, { plaintextLength: body.length });
      d.setAuthTag(tag);
      plain = Buffer.concat([d.update(body), d.final()]);
    } catch {
      throw new EngineError(
        'TLS_ERROR',
        `record ${this.seq} of the encrypted handshake does not decrypt (bad_record_mac): wrong keys or a corrupted record`,
      );
    }
    this.seq++;
    // TLSInnerPlaintext: content, the real type, then zero padding.
    let end = plain.length - 1;
    while (end >= 0 && plain[end] === 0) end--;
    if (end < 0) throw new EngineError('TLS_ERROR', 'an encrypted record holds only padding');
    return { type: plain[end] ?? 0, content: new Uint8Array(plain.subarray(0, end)) };
  }

  /** Seals `content` of `type` into one record (the client's alert when it walks away). */
  seal(type: number, content: Uint8Array): Uint8Array {
    const inner = Buffer.concat([content, Buffer.from([type])]);
    const len = inner.length + TAG;
    const header = Buffer.from([23, 3, 3, (len >> 8) & 0xff, len & 0xff]);
    const c = cipher(this.suite, this.keys.key, nonce(this.keys.iv, this.seq));
    c.setAAD(header, { plaintextLength: inner.length });
    const body = Buffer.concat([c.update(inner), c.final(), c.getAuthTag()]);
    this.seq++;
    return new Uint8Array(Buffer.concat([header, body]));
  }
}

export interface Tls13Message {
  type: number;
  body: Uint8Array;
  /** The whole message, header included, as it enters the transcript. */
  raw: Uint8Array;
}

/** Reassembles handshake messages from record contents; a message larger than `maxBytes` is refused. */
export class HandshakeAssembler {
  private buf = Buffer.alloc(0);

  constructor(private readonly maxBytes: number) {}

  push(content: Uint8Array): Tls13Message[] {
    this.buf = Buffer.concat([this.buf, content]);
    const out: Tls13Message[] = [];
    while (this.buf.length >= 4) {
      const len = ((this.buf[1] ?? 0) << 16) | ((this.buf[2] ?? 0) << 8) | (this.buf[3] ?? 0);
      if (len > this.maxBytes)
        throw new EngineError(
          'LIMIT_EXCEEDED',
          `a handshake message of ${len} bytes exceeds ${this.maxBytes}`,
        );
      if (this.buf.length < 4 + len) break;
      const raw = new Uint8Array(this.buf.subarray(0, 4 + len));
      out.push({ type: raw[0] ?? 0, body: raw.subarray(4), raw });
      this.buf = this.buf.subarray(4 + len);
    }
    return out;
  }

  get partial(): boolean {
    return this.buf.length > 0;
  }
}
