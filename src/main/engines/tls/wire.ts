// TLS on the wire, by hand: ClientHello construction and an incremental parser of what a server sends
// back (records, handshake messages, alerts, SSLv2 replies). It never completes a handshake and holds no
// keys — the scanner only needs what the server chooses, which is visible in cleartext before the
// first encrypted byte. Knows no sockets: raw-connection.ts feeds it bytes.
import { createECDH, generateKeyPairSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';

export const ContentType = {
  changeCipherSpec: 20,
  alert: 21,
  handshake: 22,
  applicationData: 23,
  heartbeat: 24,
} as const;
export const HandshakeType = {
  clientHello: 1,
  serverHello: 2,
  newSessionTicket: 4,
  encryptedExtensions: 8,
  certificate: 11,
  serverKeyExchange: 12,
  certificateRequest: 13,
  serverHelloDone: 14,
  clientKeyExchange: 16,
  certificateStatus: 22,
} as const;
export const Ext = {
  serverName: 0,
  statusRequest: 5,
  supportedGroups: 10,
  ecPointFormats: 11,
  signatureAlgorithms: 13,
  heartbeat: 15,
  alpn: 16,
  signedCertificateTimestamp: 18,
  encryptThenMac: 22,
  extendedMasterSecret: 23,
  sessionTicket: 35,
  supportedVersions: 43,
  pskKeyExchangeModes: 45,
  keyShare: 51,
  renegotiationInfo: 0xff01,
} as const;

export type ProtocolVersion = 'SSLv2' | 'SSLv3' | 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
export const VERSION_CODES: Record<Exclude<ProtocolVersion, 'SSLv2'>, number> = {
  SSLv3: 0x0300,
  TLSv1: 0x0301,
  'TLSv1.1': 0x0302,
  'TLSv1.2': 0x0303,
  'TLSv1.3': 0x0304,
};
export function versionName(code: number): ProtocolVersion | undefined {
  for (const [name, c] of Object.entries(VERSION_CODES)) if (c === code) return name as ProtocolVersion;
  if (code === 0x0002) return 'SSLv2';
  return undefined;
}

export const SCSV_RENEGOTIATION = 0x00ff;
export const SCSV_FALLBACK = 0x5600;
/** SHA-256("HelloRetryRequest"): the ServerHello.random of a HelloRetryRequest (RFC 8446 §4.1.3). */
const HRR_RANDOM = Buffer.from('CF21AD74E59A6111BE1D8C021E65B891C2A211167ABB8C5E079E09E2C8A8339C', 'hex');

/** Named groups (IANA "TLS Supported Groups"), the ones a scan asks about. */
export const NAMED_GROUPS: ReadonlyArray<{ code: number; name: string; bits: number; pq?: boolean }> = [
  { code: 0x001d, name: 'x25519', bits: 128 },
  { code: 0x0017, name: 'secp256r1', bits: 128 },
  { code: 0x0018, name: 'secp384r1', bits: 192 },
  { code: 0x0019, name: 'secp521r1', bits: 256 },
  { code: 0x001e, name: 'x448', bits: 224 },
  { code: 0x11ec, name: 'X25519MLKEM768', bits: 192, pq: true },
  { code: 0x11eb, name: 'SecP256r1MLKEM768', bits: 192, pq: true },
  { code: 0x11ed, name: 'SecP384r1MLKEM1024', bits: 256, pq: true },
  { code: 0x6399, name: 'X25519Kyber768Draft00', bits: 192, pq: true },
  { code: 0x001a, name: 'brainpoolP256r1', bits: 128 },
  { code: 0x001b, name: 'brainpoolP384r1', bits: 192 },
  { code: 0x001c, name: 'brainpoolP512r1', bits: 256 },
  { code: 0x001f, name: 'brainpoolP256r1tls13', bits: 128 },
  { code: 0x0020, name: 'brainpoolP384r1tls13', bits: 192 },
  { code: 0x0021, name: 'brainpoolP512r1tls13', bits: 256 },
  { code: 0x0100, name: 'ffdhe2048', bits: 103 },
  { code: 0x0101, name: 'ffdhe3072', bits: 125 },
  { code: 0x0102, name: 'ffdhe4096', bits: 150 },
  { code: 0x0103, name: 'ffdhe6144', bits: 175 },
  { code: 0x0104, name: 'ffdhe8192', bits: 192 },
  { code: 0x0016, name: 'secp256k1', bits: 128 },
  { code: 0x0015, name: 'secp224r1', bits: 112 },
  { code: 0x0013, name: 'secp192r1', bits: 96 },
];
export function groupName(code: number): string {
  return NAMED_GROUPS.find((g) => g.code === code)?.name ?? `0x${code.toString(16).padStart(4, '0')}`;
}

const SIGNATURE_ALGORITHMS = [
  0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0807, 0x0808, 0x0809, 0x080a,
  0x080b, 0x0303, 0x0301, 0x0302, 0x0402, 0x0502, 0x0602, 0x0203, 0x0201, 0x0202,
];

export interface HelloSpec {
  version: Exclude<ProtocolVersion, 'SSLv2'>;
  suites: readonly number[];
  sni?: string;
  groups?: readonly number[];
  /** Groups to send a key share for (TLS 1.3). Groups with no share make a willing server answer HelloRetryRequest. */
  keyShareGroups?: readonly number[];
  compression?: readonly number[];
  heartbeat?: boolean;
  /** Offer the renegotiation_info extension (empty). SSLv3 hellos carry no extensions and use the SCSV instead. */
  renegotiationInfo?: boolean;
  alpn?: readonly string[];
  statusRequest?: boolean;
  /** Ask for SCTs in the signed_certificate_timestamp extension (RFC 6962). */
  signedCertificateTimestamp?: boolean;
  /** true: an empty SessionTicket extension (asks for a ticket); bytes: a ticket to resume with. */
  sessionTicket?: boolean | Uint8Array;
  /** Legacy session id (TLS ≤ 1.2); empty when absent. */
  sessionId?: Uint8Array;
  /** Renegotiation inside a session: renegotiation_info carries the client's previous verify_data (RFC 5746). */
  renegotiationVerifyData?: Uint8Array;
  /** Offer extended_master_secret (default true); a hand-completed handshake turns it off. */
  extendedMasterSecret?: boolean;
}

function u8(n: number): number[] {
  return [n & 0xff];
}
function u16(n: number): number[] {
  return [(n >> 8) & 0xff, n & 0xff];
}
function u24(n: number): number[] {
  return [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}
function vec16(bytes: number[] | Uint8Array): number[] {
  return [...u16(bytes.length), ...bytes];
}
function vec8(bytes: number[] | Uint8Array): number[] {
  return [...u8(bytes.length), ...bytes];
}
function ext(type: number, body: number[]): number[] {
  return [...u16(type), ...vec16(body)];
}

/** A public key share for a group, when node:crypto can make one; undefined otherwise. */
export function keyShareFor(group: number): Uint8Array | undefined {
  try {
    if (group === 0x001d || group === 0x001e) {
      const pair = group === 0x001d ? generateKeyPairSync('x25519') : generateKeyPairSync('x448');
      const spki = pair.publicKey.export({ type: 'spki', format: 'der' });
      return new Uint8Array(spki.subarray(spki.length - (group === 0x001d ? 32 : 56)));
    }
    const curve = (
      { 0x0017: 'prime256v1', 0x0018: 'secp384r1', 0x0019: 'secp521r1' } as Record<number, string>
    )[group];
    if (curve) {
      const ecdh = createECDH(curve);
      return new Uint8Array(ecdh.generateKeys());
    }
  } catch {
    // curve not available in this crypto build: the server will ask again (HRR), which is what we need
  }
  return undefined;
}

export function buildClientHello(spec: HelloSpec): Uint8Array {
  const tls13 = spec.version === 'TLSv1.3';
  const legacy = tls13 ? 0x0303 : VERSION_CODES[spec.version];
  const sslv3 = spec.version === 'SSLv3';
  const suites = [...spec.suites];
  if (sslv3 && spec.renegotiationInfo !== false && !suites.includes(SCSV_RENEGOTIATION))
    suites.push(SCSV_RENEGOTIATION);
  const body: number[] = [
    ...u16(legacy),
    ...randomBytes(32),
    ...vec8(tls13 ? [...randomBytes(32)] : [...(spec.sessionId ?? [])]),
    ...vec16(suites.flatMap((s) => u16(s))),
    ...vec8([...(spec.compression ?? [0])]),
  ];
  if (!sslv3) {
    const exts: number[] = [];
    if (spec.sni && isIP(spec.sni) === 0) {
      const name = [...Buffer.from(spec.sni, 'ascii')];
      exts.push(...ext(Ext.serverName, vec16([0, ...vec16(name)])));
    }
    const groups = spec.groups ?? NAMED_GROUPS.filter((g) => !g.pq).map((g) => g.code);
    exts.push(...ext(Ext.supportedGroups, vec16(groups.flatMap((g) => u16(g)))));
    exts.push(...ext(Ext.ecPointFormats, vec8([0])));
    if (spec.version !== 'TLSv1' && spec.version !== 'TLSv1.1') {
      exts.push(...ext(Ext.signatureAlgorithms, vec16(SIGNATURE_ALGORITHMS.flatMap((a) => u16(a)))));
    }
    if (spec.renegotiationVerifyData && !tls13)
      exts.push(...ext(Ext.renegotiationInfo, vec8(spec.renegotiationVerifyData)));
    else if (spec.renegotiationInfo !== false && !tls13) exts.push(...ext(Ext.renegotiationInfo, [0]));
    if (spec.heartbeat) exts.push(...ext(Ext.heartbeat, [1]));
    if (spec.statusRequest) exts.push(...ext(Ext.statusRequest, [1, 0, 0, 0, 0]));
    if (spec.signedCertificateTimestamp) exts.push(...ext(Ext.signedCertificateTimestamp, []));
    if (spec.sessionTicket)
      exts.push(...ext(Ext.sessionTicket, spec.sessionTicket === true ? [] : [...spec.sessionTicket]));
    if (spec.alpn && spec.alpn.length > 0) {
      exts.push(...ext(Ext.alpn, vec16(spec.alpn.flatMap((p) => vec8([...Buffer.from(p, 'ascii')])))));
    }
    if (spec.extendedMasterSecret !== false) exts.push(...ext(Ext.extendedMasterSecret, []));
    if (tls13) {
      exts.push(...ext(Ext.supportedVersions, vec8(u16(0x0304))));
      exts.push(...ext(Ext.pskKeyExchangeModes, vec8([1])));
      const shares: number[] = [];
      for (const g of spec.keyShareGroups ?? []) {
        const share = keyShareFor(g);
        if (share) shares.push(...u16(g), ...vec16(share));
      }
      exts.push(...ext(Ext.keyShare, vec16(shares)));
    }
    body.push(...vec16(exts));
  }
  const handshake = [HandshakeType.clientHello, ...u24(body.length), ...body];
  return record(ContentType.handshake, sslv3 ? 0x0300 : 0x0301, handshake);
}

export function record(type: number, version: number, payload: number[] | Uint8Array): Uint8Array {
  return new Uint8Array([type, ...u16(version), ...u16(payload.length), ...payload]);
}

/** An SSLv2 CLIENT-HELLO offering the given 3-byte cipher specs. */
export function buildSslv2ClientHello(specs: readonly number[]): Uint8Array {
  const cipherSpecs = specs.flatMap((s) => [(s >> 16) & 0xff, (s >> 8) & 0xff, s & 0xff]);
  const challenge = [...randomBytes(16)];
  const msg = [
    1,
    0x00,
    0x02,
    ...u16(cipherSpecs.length),
    ...u16(0),
    ...u16(challenge.length),
    ...cipherSpecs,
    ...challenge,
  ];
  return new Uint8Array([0x80 | ((msg.length >> 8) & 0x7f), msg.length & 0xff, ...msg]);
}

export const SSLV2_CIPHER_SPECS: ReadonlyArray<{ code: number; name: string }> = [
  { code: 0x010080, name: 'SSL_CK_RC4_128_WITH_MD5' },
  { code: 0x020080, name: 'SSL_CK_RC4_128_EXPORT40_WITH_MD5' },
  { code: 0x030080, name: 'SSL_CK_RC2_128_CBC_WITH_MD5' },
  { code: 0x040080, name: 'SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5' },
  { code: 0x050080, name: 'SSL_CK_IDEA_128_CBC_WITH_MD5' },
  { code: 0x060040, name: 'SSL_CK_DES_64_CBC_WITH_MD5' },
  { code: 0x0700c0, name: 'SSL_CK_DES_192_EDE3_CBC_WITH_MD5' },
];

export interface ParsedServerHello {
  version: number;
  random: Uint8Array;
  sessionId: Uint8Array;
  suite: number;
  compression: number;
  extensions: Map<number, Uint8Array>;
  helloRetryRequest: boolean;
  /** supported_versions (TLS 1.3) or the legacy version field. */
  negotiatedVersion: number;
  /** TLS 1.3: the key_share group (ServerHello) or selected_group (HRR). */
  keyShareGroup?: number;
}

export interface ParsedKeyExchange {
  kind: 'ecdhe' | 'dhe' | 'other';
  group?: number;
  dhPrimeBits?: number;
}

export interface HandshakeMessage {
  type: number;
  body: Uint8Array;
}

export interface Alert {
  level: number;
  description: number;
}

export { ALERT_NAMES } from './alerts';

function readU16(b: Uint8Array, o: number): number {
  return ((b[o] ?? 0) << 8) | (b[o + 1] ?? 0);
}
function readU24(b: Uint8Array, o: number): number {
  return ((b[o] ?? 0) << 16) | ((b[o + 1] ?? 0) << 8) | (b[o + 2] ?? 0);
}

export class WireFormatError extends Error {}

export function parseServerHello(body: Uint8Array): ParsedServerHello {
  if (body.length < 38) throw new WireFormatError('ServerHello too short');
  let o = 0;
  const version = readU16(body, o);
  o += 2;
  const random = body.subarray(o, o + 32);
  o += 32;
  const sidLen = body[o] ?? 0;
  o += 1;
  const sessionId = body.subarray(o, o + sidLen);
  o += sidLen;
  if (o + 3 > body.length) throw new WireFormatError('ServerHello truncated');
  const suite = readU16(body, o);
  o += 2;
  const compression = body[o] ?? 0;
  o += 1;
  const extensions = new Map<number, Uint8Array>();
  if (o + 2 <= body.length) {
    const end = o + 2 + readU16(body, o);
    if (end > body.length) throw new WireFormatError('ServerHello extensions truncated');
    o += 2;
    while (o + 4 <= end) {
      const type = readU16(body, o);
      const len = readU16(body, o + 2);
      if (o + 4 + len > end) throw new WireFormatError('ServerHello extension truncated');
      extensions.set(type, body.subarray(o + 4, o + 4 + len));
      o += 4 + len;
    }
  }
  const helloRetryRequest = Buffer.from(random).equals(HRR_RANDOM);
  const sv = extensions.get(Ext.supportedVersions);
  const negotiatedVersion = sv && sv.length >= 2 ? readU16(sv, 0) : version;
  const ks = extensions.get(Ext.keyShare);
  const keyShareGroup = ks && ks.length >= 2 ? readU16(ks, 0) : undefined;
  return {
    version,
    random,
    sessionId,
    suite,
    compression,
    extensions,
    helloRetryRequest,
    negotiatedVersion,
    keyShareGroup,
  };
}

/** Reads the group (ECDHE) or the prime size (DHE) out of a TLS ≤ 1.2 ServerKeyExchange. */
export function parseServerKeyExchange(body: Uint8Array, kx: string): ParsedKeyExchange {
  if (kx === 'ECDHE' && body.length >= 3 && body[0] === 3) return { kind: 'ecdhe', group: readU16(body, 1) };
  if (kx === 'DHE' && body.length >= 2) {
    const len = readU16(body, 0);
    const p = body.subarray(2, 2 + len);
    let i = 0;
    while (i < p.length && p[i] === 0) i++;
    const first = p[i] ?? 0;
    const bits = p.length > i ? (p.length - i - 1) * 8 + (32 - Math.clz32(first)) : 0;
    return { kind: 'dhe', dhPrimeBits: bits };
  }
  return { kind: 'other' };
}

/** Splits the Certificate message of TLS ≤ 1.2 into DER certificates. */
export function parseCertificateMessage(body: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const total = readU24(body, 0);
  let o = 3;
  const end = Math.min(body.length, 3 + total);
  while (o + 3 <= end) {
    const len = readU24(body, o);
    out.push(body.subarray(o + 3, o + 3 + len));
    o += 3 + len;
  }
  return out;
}

export type ParseState = 'tls' | 'sslv2' | 'not-tls';

/**
 * Incremental parser of the server's side of a connection. Bounded: it keeps at most `maxBytes` of
 * unparsed input and stops (overflow) beyond it rather than buffering whatever a server streams.
 */
export class ServerStream {
  private pending = Buffer.alloc(0);
  private hsBuffer = Buffer.alloc(0);
  readonly messages: HandshakeMessage[] = [];
  readonly alerts: Alert[] = [];
  readonly records: Array<{ type: number; version: number; length: number }> = [];
  readonly heartbeats: Uint8Array[] = [];
  state: ParseState | 'unknown' = 'unknown';
  sslv2?: { version: number; certificate: Uint8Array; cipherSpecs: number[] };
  bytes = 0;
  overflow = false;
  encryptedSeen = false;
  ccsSeen = false;
  /** Records after the server's ChangeCipherSpec, still encrypted (for a session completed by hand). */
  readonly sealed: Array<{ type: number; payload: Uint8Array }> = [];
  private sealedBytes = 0;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    if (this.pending.length + chunk.length > this.maxBytes) {
      this.overflow = true;
      return;
    }
    this.pending = Buffer.concat([this.pending, chunk]);
    this.drain();
  }

  private drain(): void {
    for (;;) {
      const b = this.pending;
      if (b.length < 5 && this.state !== 'unknown') return;
      if (this.state === 'unknown') {
        if (b.length < 3) return;
        const first = b[0] ?? 0;
        if (first >= 20 && first <= 24 && b[1] === 3 && (b[2] ?? 9) <= 4) this.state = 'tls';
        else if ((first & 0x80) !== 0 && b[2] === 4) this.state = 'sslv2';
        else {
          this.state = 'not-tls';
          return;
        }
      }
      if (this.state === 'not-tls') return;
      if (this.state === 'sslv2') {
        this.drainSslv2();
        return;
      }
      if (b.length < 5) return;
      const type = b[0] ?? 0;
      const version = readU16(b, 1);
      const length = readU16(b, 3);
      if (type < 20 || type > 24 || b[1] !== 3 || length > 18_432) {
        this.state = 'not-tls';
        return;
      }
      if (b.length < 5 + length) return;
      const payload = b.subarray(5, 5 + length);
      this.pending = b.subarray(5 + length);
      this.records.push({ type, version, length });
      // Everything after the first ChangeCipherSpec is encrypted, a renegotiation's own CCS included.
      const sealed = this.ccsSeen;
      if (type === ContentType.handshake && !this.ccsSeen) this.pushHandshake(payload);
      else if (type === ContentType.alert && payload.length >= 2 && !this.ccsSeen)
        this.alerts.push({ level: payload[0] ?? 0, description: payload[1] ?? 0 });
      else if (type === ContentType.heartbeat) this.heartbeats.push(new Uint8Array(payload));
      else if (type === ContentType.changeCipherSpec) this.ccsSeen = true;
      else this.encryptedSeen = true;
      if (sealed && this.sealedBytes + length <= this.maxBytes) {
        this.sealed.push({ type, payload: new Uint8Array(payload) });
        this.sealedBytes += length;
      }
    }
  }

  private drainSslv2(): void {
    const b = this.pending;
    if (b.length < 2) return;
    const len = (((b[0] ?? 0) & 0x7f) << 8) | (b[1] ?? 0);
    if (b.length < 2 + len) return;
    const m = b.subarray(2, 2 + len);
    if (m[0] !== 4 || m.length < 11) {
      this.state = 'not-tls';
      return;
    }
    const certLen = readU16(m, 5);
    const specsLen = readU16(m, 7);
    const cert = m.subarray(11, 11 + certLen);
    const specs = m.subarray(11 + certLen, 11 + certLen + specsLen);
    const cipherSpecs: number[] = [];
    for (let i = 0; i + 3 <= specs.length; i += 3)
      cipherSpecs.push(((specs[i] ?? 0) << 16) | ((specs[i + 1] ?? 0) << 8) | (specs[i + 2] ?? 0));
    this.sslv2 = { version: readU16(m, 3), certificate: new Uint8Array(cert), cipherSpecs };
    this.pending = b.subarray(2 + len);
  }

  private pushHandshake(payload: Uint8Array): void {
    this.hsBuffer = Buffer.concat([this.hsBuffer, payload]);
    while (this.hsBuffer.length >= 4) {
      const len = readU24(this.hsBuffer, 1);
      if (this.hsBuffer.length < 4 + len) return;
      this.messages.push({
        type: this.hsBuffer[0] ?? 0,
        body: new Uint8Array(this.hsBuffer.subarray(4, 4 + len)),
      });
      this.hsBuffer = this.hsBuffer.subarray(4 + len);
    }
  }

  message(type: number): HandshakeMessage | undefined {
    return this.messages.find((m) => m.type === type);
  }
}
