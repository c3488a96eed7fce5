// A TLS 1.3 client that reads a server's encrypted first flight and walks away (RFC 8446): ClientHello
// with an X25519 share (P-256/P-384 after a HelloRetryRequest), the handshake key schedule, and the
// decrypted EncryptedExtensions, Certificate (with each entry's SCT list and OCSP staple) and
// CertificateVerify, whose signature it checks against the leaf (tls13-verify.ts). It never sends a
// Finished: after the server's CertificateVerify it says user_canceled + close_notify and closes.
// Tls13Reader is sans-IO (bytes in, bytes out); readTls13Flight drives it over one TCP connection.
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { EngineError, toEngineError } from '../common/errors';
import { ALERT_NAMES } from './alerts';
import { openRawSocket, type RawTarget } from './raw-connection';
import {
  TLS13_RUNNABLE,
  handshakeSecrets,
  messageHash,
  trafficKeys,
  transcriptHash,
  type Tls13Suite,
} from './tls13-key-schedule';
import {
  GROUP_P256,
  GROUP_X25519,
  KeyShare,
  Reader,
  TLS13_GROUPS,
  buildTls13ClientHello,
  parseCertificateVerify,
  parseEncryptedExtensions,
  parseTls13Certificate,
  type Tls13CertificateEntry,
} from './tls13-messages';
import { checkCertificateVerify } from './tls13-verify';
import { HandshakeAssembler, RecordReader, Tls13Protection, type Tls13Record } from './tls13-records';
import { WireFormatError, groupName, parseServerHello } from './wire';

const HS = {
  serverHello: 2,
  encryptedExtensions: 8,
  certificate: 11,
  certificateRequest: 13,
  certificateVerify: 15,
};

export interface Tls13Flight {
  suite: string;
  group: string;
  helloRetryRequest: boolean;
  alpn?: string;
  /** The chain in the server's order, each entry with its own extensions' SCT list and OCSP staple. */
  certificates: Tls13CertificateEntry[];
  certificateRequested: boolean;
  /** The server's proof of its key over the transcript; `valid` absent when the scheme is not checkable here. */
  certificateVerify?: { scheme: string; valid?: boolean };
}

export interface Tls13ReaderOptions {
  sni?: string;
  alpn?: readonly string[];
  /** Bytes of the server's flight kept at most (records and one handshake message each). */
  maxBytes: number;
  /** Groups to send a share for in the first ClientHello (default X25519 alone, P-256 where X25519 is missing). */
  firstShares?: readonly number[];
  /** Suites offered (default: every TLS 1.3 suite this runtime can decrypt). */
  suites?: readonly Tls13Suite[];
  /** Receives the handshake secrets as NSS key-log lines (what SSLKEYLOGFILE holds, for Wireshark). */
  keylog?: (line: string) => void;
}

type Phase = 'hello' | 'encrypted' | 'done';

function record(type: number, payload: Uint8Array): Uint8Array {
  return new Uint8Array([type, 3, 3, (payload.length >> 8) & 0xff, payload.length & 0xff, ...payload]);
}

function alertError(payload: Uint8Array, phase: Phase): EngineError {
  const desc = payload[1] ?? 0;
  const name = ALERT_NAMES[desc] ?? `alert ${desc}`;
  // Before a ServerHello, these are how a server without TLS 1.3 (or without a common suite) says no.
  if (phase === 'hello' && (desc === 40 || desc === 70 || desc === 71))
    return new EngineError('TLS_NO_COMMON_PROTOCOL', `the server refused the TLS 1.3 ClientHello: ${name}`);
  return new EngineError('TLS_ERROR', `the server sent the alert ${name} during the TLS 1.3 handshake`);
}

function firstShare(): KeyShare {
  try {
    return KeyShare.create(GROUP_X25519);
  } catch {
    // a runtime without X25519 offers P-256; a server that wants X25519 asks for it and is refused
    return KeyShare.create(GROUP_P256);
  }
}

/** The client's side of the exchange, without sockets: feed it the server's bytes, send what it returns. */
export class Tls13Reader {
  private phase: Phase = 'hello';
  private readonly records: RecordReader;
  private plain: HandshakeAssembler;
  private readonly random = randomBytes(32);
  // A non-empty legacy session id puts the server in middlebox-compatibility mode (RFC 8446 §D.4).
  private readonly sessionId = randomBytes(32);
  private shares: KeyShare[];
  private transcript: Uint8Array[] = [];
  private retried = false;
  private suite: Tls13Suite | undefined;
  private group = 0;
  private server: Tls13Protection | undefined;
  private client: Tls13Protection | undefined;
  private expect: number[] = [HS.encryptedExtensions];
  private flight: Partial<Tls13Flight> = { certificateRequested: false };
  result: Tls13Flight | undefined;
  private readonly suites: readonly Tls13Suite[];

  constructor(private readonly o: Tls13ReaderOptions) {
    this.records = new RecordReader(o.maxBytes);
    this.plain = new HandshakeAssembler(o.maxBytes);
    this.suites = o.suites ?? TLS13_RUNNABLE;
    this.shares = o.firstShares ? o.firstShares.map((g) => KeyShare.create(g)) : [firstShare()];
  }

  /** The first ClientHello, as a record. */
  hello(): Uint8Array {
    const ch = this.clientHello();
    this.transcript.push(ch);
    return record(22, ch);
  }

  /** What the server's flight reached, for an error when it stops early. */
  get progress(): string {
    if (this.phase === 'hello') return 'before its ServerHello';
    return `after ${this.flight.certificates ? 'its Certificate' : this.transcript.length > 2 ? 'EncryptedExtensions' : 'its ServerHello'}`;
  }

  private clientHello(cookie?: Uint8Array): Uint8Array {
    return buildTls13ClientHello({
      random: this.random,
      sessionId: this.sessionId,
      sni: this.o.sni,
      alpn: this.o.alpn,
      shares: this.shares,
      suites: this.suites,
      cookie,
    });
  }

  /** Takes the server's bytes; returns records to send back. Throws a coded EngineError on anything wrong. */
  receive(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    this.records.push(chunk);
    for (let rec = this.records.shift(); rec && this.phase !== 'done'; rec = this.records.shift())
      out.push(...this.onRecord(rec));
    return out;
  }

  private onRecord(rec: Tls13Record): Uint8Array[] {
    // A compatibility-mode server sends one dummy ChangeCipherSpec; it carries nothing.
    if (rec.type === 20) return [];
    if (rec.type === 21) throw alertError(rec.payload, this.phase);
    if (this.phase === 'hello') {
      if (rec.type !== 22)
        throw new EngineError('TLS_ERROR', `the server sent record type ${rec.type} before its ServerHello`);
      const out: Uint8Array[] = [];
      for (const m of this.plain.push(rec.payload)) {
        if (this.phase !== 'hello')
          throw new EngineError(
            'TLS_ERROR',
            'the server sent cleartext handshake data after its ServerHello',
          );
        out.push(...this.onServerHello(m.type, m.body, m.raw));
      }
      return out;
    }
    if (rec.type !== 23)
      throw new EngineError(
        'TLS_ERROR',
        `the server sent a cleartext record of type ${rec.type} after its ServerHello`,
      );
    const inner = (this.server as Tls13Protection).open(rec);
    if (inner.type === 21) throw alertError(inner.content, this.phase);
    if (inner.type !== 22)
      throw new EngineError(
        'TLS_ERROR',
        `the server sent content type ${inner.type} inside its handshake flight`,
      );
    for (const m of this.plain.push(inner.content)) {
      if (this.phase === 'done') break;
      this.onEncrypted(m.type, m.body, m.raw);
    }
    return this.phase === 'done' ? this.goodbye() : [];
  }

  private onServerHello(type: number, body: Uint8Array, raw: Uint8Array): Uint8Array[] {
    if (type !== HS.serverHello)
      throw new EngineError(
        'TLS_ERROR',
        `the server answered with handshake message ${type}, not a ServerHello`,
      );
    let sh: ReturnType<typeof parseServerHello>;
    try {
      sh = parseServerHello(body);
    } catch (err) {
      if (err instanceof WireFormatError)
        throw new EngineError('TLS_ERROR', `malformed ServerHello: ${err.message}`);
      throw err;
    }
    if (sh.negotiatedVersion !== 0x0304)
      throw new EngineError(
        'TLS_NO_COMMON_PROTOCOL',
        `the server answered the TLS 1.3 ClientHello with version 0x${sh.negotiatedVersion.toString(16)}`,
      );
    const suite = this.suites.find((s) => s.code === sh.suite);
    if (!suite || (this.suite && this.suite !== suite))
      throw new EngineError(
        'TLS_ERROR',
        `the server chose cipher suite 0x${sh.suite.toString(16)}, not one offered`,
      );
    if (!Buffer.from(sh.sessionId).equals(this.sessionId))
      throw new EngineError('TLS_ERROR', 'the server did not echo the legacy session id (illegal_parameter)');
    this.suite = suite;
    if (this.plain.partial)
      throw new EngineError(
        'TLS_ERROR',
        'the server split a message across the key change (unexpected_message)',
      );
    if (sh.helloRetryRequest) return this.onRetry(sh.keyShareGroup, sh.extensions.get(44), raw);
    const ks = sh.extensions.get(51);
    if (!ks) throw new EngineError('TLS_ERROR', 'the ServerHello has no key_share');
    const r = new Reader(ks, 'the ServerHello key_share');
    const group = r.u16();
    const share = this.shares.find((s) => s.group === group);
    if (!share)
      throw new EngineError(
        'TLS_ERROR',
        `the server's key share is for ${groupName(group)}, which was not offered`,
      );
    const secret = share.shared(r.bytes(r.u16()));
    this.group = group;
    this.transcript.push(raw);
    const s = handshakeSecrets(suite.hash, secret, transcriptHash(suite.hash, this.transcript));
    const cr = this.random.toString('hex');
    this.o.keylog?.(`CLIENT_HANDSHAKE_TRAFFIC_SECRET ${cr} ${s.clientHandshakeTraffic.toString('hex')}`);
    this.o.keylog?.(`SERVER_HANDSHAKE_TRAFFIC_SECRET ${cr} ${s.serverHandshakeTraffic.toString('hex')}`);
    this.server = new Tls13Protection(suite, trafficKeys(suite, s.serverHandshakeTraffic));
    this.client = new Tls13Protection(suite, trafficKeys(suite, s.clientHandshakeTraffic));
    this.plain = new HandshakeAssembler(this.o.maxBytes);
    this.phase = 'encrypted';
    return [];
  }

  private onRetry(
    group: number | undefined,
    cookieExt: Uint8Array | undefined,
    raw: Uint8Array,
  ): Uint8Array[] {
    if (this.retried) throw new EngineError('TLS_ERROR', 'the server sent a second HelloRetryRequest');
    if (group === undefined || !TLS13_GROUPS.includes(group) || this.shares.some((s) => s.group === group))
      throw new EngineError(
        'TLS_ERROR',
        `the HelloRetryRequest asks for ${group === undefined ? 'no group' : groupName(group)}, which this client cannot offer`,
      );
    this.retried = true;
    const suite = this.suite as Tls13Suite;
    this.shares = [KeyShare.create(group)];
    let cookie: Uint8Array | undefined;
    if (cookieExt) {
      const r = new Reader(cookieExt, 'the HelloRetryRequest cookie');
      cookie = r.bytes(r.u16());
    }
    const ch2 = this.clientHello(cookie);
    const first = this.transcript[0] as Uint8Array;
    this.transcript = [messageHash(suite.hash, first), raw, ch2];
    return [record(22, ch2)];
  }

  private onEncrypted(type: number, body: Uint8Array, raw: Uint8Array): void {
    if (!this.expect.includes(type))
      throw new EngineError(
        'TLS_ERROR',
        `unexpected handshake message ${type} in the server's encrypted flight (expected ${this.expect.join(' or ')})`,
      );
    const hash = (this.suite as Tls13Suite).hash;
    if (type === HS.encryptedExtensions) {
      this.flight.alpn = parseEncryptedExtensions(body).alpn;
      this.expect = [HS.certificateRequest, HS.certificate];
    } else if (type === HS.certificateRequest) {
      this.flight.certificateRequested = true;
      this.expect = [HS.certificate];
    } else if (type === HS.certificate) {
      const certs = parseTls13Certificate(body);
      if (certs.length === 0)
        throw new EngineError('TLS_ERROR', 'the server sent an empty Certificate message');
      this.flight.certificates = certs;
      this.expect = [HS.certificateVerify];
    } else {
      const cv = parseCertificateVerify(body);
      this.flight.certificateVerify = checkCertificateVerify(
        cv.scheme,
        cv.signature,
        (this.flight.certificates as Tls13CertificateEntry[])[0]?.der,
        transcriptHash(hash, this.transcript),
      );
      this.finish();
    }
    this.transcript.push(raw);
  }

  private finish(): void {
    const suite = this.suite as Tls13Suite;
    this.result = {
      suite: suite.name,
      group: groupName(this.group),
      helloRetryRequest: this.retried,
      alpn: this.flight.alpn,
      certificates: this.flight.certificates ?? [],
      certificateRequested: this.flight.certificateRequested ?? false,
      certificateVerify: this.flight.certificateVerify,
    };
    this.phase = 'done';
  }

  /** The Certificate was read; what is left is for the connection's owner to decide (a timeout, a close). */
  partialResult(): Tls13Flight | undefined {
    if (!this.flight.certificates || !this.suite) return undefined;
    this.finish();
    return this.result;
  }

  /** user_canceled then close_notify (RFC 8446 §6.1), after the compatibility-mode ChangeCipherSpec. */
  private goodbye(): Uint8Array[] {
    const c = this.client as Tls13Protection;
    return [
      record(20, new Uint8Array([1])),
      c.seal(21, new Uint8Array([1, 90])),
      c.seal(21, new Uint8Array([1, 0])),
    ];
  }
}

export interface Tls13ConnectOptions extends Tls13ReaderOptions {
  timeoutMs: number;
}

/**
 * One TLS 1.3 connection to `target` up to the server's CertificateVerify. Every wait is bounded by
 * `timeoutMs`; bytes by `maxBytes`. A server that stops after its Certificate still yields the chain.
 */
export async function readTls13Flight(
  target: RawTarget,
  o: Tls13ConnectOptions,
  signal?: AbortSignal,
): Promise<Tls13Flight> {
  const socket = await openRawSocket(target, signal);
  return exchange(socket, new Tls13Reader(o), o.timeoutMs, `${target.host}:${target.port}`, signal);
}

function exchange(
  socket: Socket,
  reader: Tls13Reader,
  timeoutMs: number,
  where: string,
  signal?: AbortSignal,
): Promise<Tls13Flight> {
  return new Promise<Tls13Flight>((resolve, reject) => {
    let settled = false;
    const settle = (err: EngineError | undefined, flight?: Tls13Flight, goodbye: Uint8Array[] = []) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.removeAllListeners('data');
      socket.on('error', () => {
        // the server may reset once the client walks away; nothing is left to learn from it
      });
      if (goodbye.length > 0 && !socket.destroyed) {
        socket.end(Buffer.concat(goodbye), () => socket.destroy());
        // a peer that never reads must not keep the socket: the alerts are a courtesy
        setTimeout(() => socket.destroy(), 1000).unref();
      } else socket.destroy();
      if (err) reject(err);
      else resolve(flight as Tls13Flight);
    };
    const onAbort = () => settle(new EngineError('CANCELLED', 'cancelled'));
    const timer = setTimeout(() => {
      const partial = reader.partialResult();
      if (partial) settle(undefined, partial);
      else
        settle(
          new EngineError(
            'TIMEOUT',
            `${where}: the TLS 1.3 handshake stalled ${reader.progress} (${timeoutMs} ms)`,
          ),
        );
    }, timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('data', (chunk: Buffer) => {
      if (settled) return;
      try {
        const out = reader.receive(chunk);
        if (reader.result) return settle(undefined, reader.result, out);
        for (const b of out) socket.write(b);
      } catch (err) {
        settle(toEngineError(err));
      }
    });
    socket.on('error', () => {
      // 'close' follows and says what was reached
    });
    socket.on('close', () => {
      const partial = reader.partialResult();
      if (partial) settle(undefined, partial);
      else
        settle(
          new EngineError(
            'TLS_HANDSHAKE_INCOMPLETE',
            `${where} closed the connection ${reader.progress} (TLS 1.3)`,
          ),
        );
    });
    socket.write(reader.hello());
  });
}
