// A TLS 1.0–1.2 client handshake completed by hand, for the checks that need a live session and must
// control every byte of it: client-initiated renegotiation (a ClientHello sent inside the encrypted
// session), POODLE over TLS (a record with wrong CBC padding but a correct MAC) and Ticketbleed (a ticket
// to resume with). The runtime's TLS library cannot do either — Electron's BoringSSL has no renegotiate()
// and no library sends broken padding on request. It holds keys only for the one connection and checks
// nothing about the server's identity: the inspection's own handshake does that.
// Key exchange: ECDHE (x25519, P-256/384/521), DHE and RSA; bulk: AES-CBC with HMAC and AES-GCM.
import {
  X509Certificate,
  constants,
  createDiffieHellman,
  createECDH,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  publicEncrypt,
  randomBytes,
} from 'node:crypto';
import type { CipherSuite, SuiteTable } from './cipher-suites';
import { withHello, type ProbeContext } from './probes';
import type { RawConnection } from './raw-connection';
import {
  keySchedule,
  sessionParams,
  type Params,
  type RecordProtection,
  type SessionVersion,
  type Tamper,
} from './record-protection';
import {
  ContentType,
  HandshakeType,
  VERSION_CODES,
  buildClientHello,
  parseCertificateMessage,
  parseServerHello,
  record,
  type HandshakeMessage,
  type HelloSpec,
  type ParsedServerHello,
} from './wire';

export { prf, sessionParams, RecordProtection, type SessionVersion, type Tamper } from './record-protection';

/** Groups this client can compute a shared secret for (x25519 and the NIST curves). */
const SESSION_GROUPS = [0x001d, 0x0017, 0x0018, 0x0019];
const NIST_CURVES: Record<number, string> = {
  0x0017: 'prime256v1',
  0x0018: 'secp384r1',
  0x0019: 'secp521r1',
};
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

/** The server's next answer inside the session. */
export type Received =
  | { kind: 'record'; type: number; data: Buffer }
  | { kind: 'alert'; level: number; description: number }
  | { kind: 'undecryptable' }
  | { kind: 'closed' }
  | { kind: 'timeout' };

export interface Session {
  version: SessionVersion;
  suite: CipherSuite;
  hello: ParsedServerHello;
  /** The verify_data of both Finished messages (renegotiation_info carries them). */
  clientVerifyData: Buffer;
  serverVerifyData: Buffer;
  /** The NewSessionTicket's ticket, when the server sent one. */
  ticket?: Uint8Array;
  send(type: number, data: Uint8Array, tamper?: Tamper): void;
  /** The server's next record (decrypted), bounded by `timeoutMs`. */
  next(timeoutMs: number): Promise<Received>;
  /**
   * A client-initiated renegotiation, completed when the server goes along: started = it answered with
   * a ServerHello; otherwise `answer` is what it said instead (or `reason`, why this client stopped).
   */
  renegotiate(timeoutMs: number): Promise<Renegotiation>;
}

export interface Renegotiation {
  started: boolean;
  completed: boolean;
  answer?: Received;
  reason?: string;
}

export interface SessionSpec {
  version: SessionVersion;
  /** Offered in this order; only suites sessionParams() accepts are usable. */
  suites: number[];
  sni?: string;
  /** Ask for a session ticket (empty SessionTicket extension). */
  sessionTicket?: boolean;
}

const hs = (type: number, body: Uint8Array): Buffer =>
  Buffer.concat([
    Buffer.from([type, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]),
    body,
  ]);
const vec8 = (b: Uint8Array): Buffer => Buffer.concat([Buffer.from([b.length]), b]);
const vec16 = (b: Uint8Array): Buffer => Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);

/** The client's ClientKeyExchange body and the premaster secret, from the server's first flight. */
function keyExchange(
  p: Params,
  version: SessionVersion,
  ske: Uint8Array | undefined,
  leafDer: Uint8Array | undefined,
): { cke: Buffer; pms: Buffer } {
  if (p.kx === 'RSA') {
    if (!leafDer) throw new Error('no certificate for RSA key exchange');
    const v = VERSION_CODES[version];
    const pms = Buffer.concat([Buffer.from([v >> 8, v & 0xff]), randomBytes(46)]);
    const key = new X509Certificate(Buffer.from(leafDer)).publicKey;
    return { cke: vec16(publicEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, pms)), pms };
  }
  if (!ske) throw new Error('no ServerKeyExchange');
  const b = Buffer.from(ske);
  if (p.kx === 'ECDHE') {
    if (b[0] !== 3) throw new Error('not a named-curve ServerKeyExchange');
    const group = b.readUInt16BE(1);
    const point = b.subarray(4, 4 + (b[3] ?? 0));
    if (group === 0x001d) {
      const pair = generateKeyPairSync('x25519');
      const peer = createPublicKey({
        key: Buffer.concat([X25519_SPKI_PREFIX, point]),
        format: 'der',
        type: 'spki',
      });
      const pms = diffieHellman({ privateKey: pair.privateKey, publicKey: peer });
      const ours = pair.publicKey.export({ type: 'spki', format: 'der' }).subarray(-32);
      return { cke: vec8(ours), pms };
    }
    const curve = NIST_CURVES[group];
    if (!curve) throw new Error(`group 0x${group.toString(16)} is not supported here`);
    const ecdh = createECDH(curve);
    const ours = ecdh.generateKeys();
    return { cke: vec8(ours), pms: ecdh.computeSecret(point) };
  }
  let o = 0;
  const field = (): Buffer => {
    const len = b.readUInt16BE(o);
    const v = b.subarray(o + 2, o + 2 + len);
    o += 2 + len;
    return v;
  };
  const prime = field();
  const g = field();
  const ys = field();
  const dh = createDiffieHellman(prime, g);
  const ours = dh.generateKeys();
  const secret = dh.computeSecret(ys);
  // RFC 5246 §8.1.2: leading zero bytes of Z are stripped.
  let i = 0;
  while (i < secret.length - 1 && secret[i] === 0) i++;
  return { cke: vec16(ours), pms: secret.subarray(i) };
}

/** The client's second flight for a server's first: what to send, and the keys it leads to. */
function clientFlight(
  table: SuiteTable,
  version: SessionVersion,
  clientRandom: Uint8Array,
  server: HandshakeMessage[],
):
  | { suite: CipherSuite; hello: ParsedServerHello; flight: Buffer[]; keys: ReturnType<typeof keySchedule> }
  | string {
  const sh = server.find((m) => m.type === HandshakeType.serverHello);
  if (!sh) return 'no ServerHello';
  const hello = parseServerHello(sh.body);
  if (hello.negotiatedVersion !== VERSION_CODES[version]) return 'the server answered another version';
  const suite = table.byCode(hello.suite);
  const p = suite && sessionParams(suite);
  if (!suite || !p) return `the server chose suite 0x${hello.suite.toString(16)}`;
  const cert = server.find((m) => m.type === HandshakeType.certificate);
  let kx: { cke: Buffer; pms: Buffer };
  try {
    kx = keyExchange(
      p,
      version,
      server.find((m) => m.type === HandshakeType.serverKeyExchange)?.body,
      cert ? parseCertificateMessage(cert.body)[0] : undefined,
    );
  } catch (err) {
    return `key exchange: ${(err as Error).message}`;
  }
  const flight: Buffer[] = [];
  // A server asking for a client certificate gets an empty one; it may then refuse, which is an answer.
  if (server.some((m) => m.type === HandshakeType.certificateRequest))
    flight.push(hs(HandshakeType.certificate, Buffer.from([0, 0, 0])));
  flight.push(hs(HandshakeType.clientKeyExchange, kx.cke));
  return { suite, hello, flight, keys: keySchedule(p, version, kx.pms, clientRandom, hello.random) };
}

/** Reassembles handshake messages from decrypted handshake records (a message may span records). */
function messageReader(): (data: Buffer) => HandshakeMessage[] {
  let buf = Buffer.alloc(0);
  return (data) => {
    buf = Buffer.concat([buf, data]);
    const out: HandshakeMessage[] = [];
    while (buf.length >= 4 && buf.length >= 4 + buf.readUIntBE(1, 3)) {
      const len = buf.readUIntBE(1, 3);
      out.push({ type: buf[0] ?? 0, body: new Uint8Array(buf.subarray(4, 4 + len)) });
      buf = buf.subarray(4 + len);
    }
    return out;
  };
}

const ticketOf = (nst: HandshakeMessage | undefined): Uint8Array | undefined =>
  nst && nst.body.length >= 6
    ? nst.body.subarray(6, 6 + ((nst.body[4] ?? 0) << 8) + (nst.body[5] ?? 0))
    : undefined;

/**
 * Completes a handshake by hand and hands the live session to `use` (or, when it cannot be completed,
 * the reason). The connection closes when `use` returns. One handshake of the scan's budget.
 */
export async function withSession<T>(
  ctx: ProbeContext,
  table: SuiteTable,
  spec: SessionSpec,
  use: (s: Session | { failed: string }, conn: RawConnection) => Promise<T>,
): Promise<T> {
  const version = spec.version;
  const helloSpec: HelloSpec = {
    version,
    suites: spec.suites,
    sni: spec.sni,
    groups: SESSION_GROUPS,
    sessionTicket: spec.sessionTicket,
    extendedMasterSecret: false,
  };
  const helloRecord = buildClientHello(helloSpec);
  const transcript: Buffer[] = [Buffer.from(helloRecord.subarray(5))];
  const wire = VERSION_CODES[version];
  return withHello(ctx, helloRecord, 'done', async (o, conn) => {
    if (o.kind !== 'hello') return use({ failed: `handshake refused (${o.kind})` }, conn);
    if (!o.stream.message(HandshakeType.serverHelloDone))
      return use({ failed: 'no complete first flight' }, conn);
    const first = clientFlight(table, version, helloRecord.subarray(11, 43), o.stream.messages);
    if (typeof first === 'string') return use({ failed: first }, conn);
    for (const m of o.stream.messages) transcript.push(hs(m.type, m.body));
    transcript.push(...first.flight);
    const clientVerify = first.keys.verify('client finished', transcript);
    transcript.push(hs(20, clientVerify));
    let out = first.keys.out;
    conn.send(
      Buffer.concat([
        record(ContentType.handshake, wire, Buffer.concat(first.flight)),
        record(ContentType.changeCipherSpec, wire, [1]),
        record(ContentType.handshake, wire, out.seal(ContentType.handshake, hs(20, clientVerify))),
      ]),
    );
    const alertsBefore = o.stream.alerts.length;
    const waited = await conn.wait(
      (s) => s.sealed.length > 0 || s.alerts.length > alertsBefore,
      ctx.timeoutMs,
    );
    const alert = o.stream.alerts[alertsBefore];
    if (alert)
      return use({ failed: `the server answered our Finished with alert ${alert.description}` }, conn);
    const fin = o.stream.sealed[0];
    if (!fin) return use({ failed: `no Finished from the server (${waited})` }, conn);
    // NewSessionTicket comes in the clear before the server's ChangeCipherSpec and is in its transcript.
    const nst = o.stream.messages.find((m) => m.type === HandshakeType.newSessionTicket);
    if (nst) transcript.push(hs(nst.type, nst.body));
    const serverVerify = first.keys.verify('server finished', transcript);
    let inp: RecordProtection = first.keys.inp;
    const plain = inp.open(fin.type, fin.payload);
    if (!plain || !plain.equals(hs(20, serverVerify)))
      return use({ failed: 'the server Finished does not verify' }, conn);
    let read = 1;
    const send = (type: number, data: Uint8Array, tamper?: Tamper) =>
      conn.send(record(type, wire, out.seal(type, data, tamper)));
    const next = async (timeoutMs: number): Promise<Received> => {
      const w = await conn.wait((s) => s.sealed.length > read, timeoutMs);
      const r = o.stream.sealed[read];
      if (!r) return w === 'timeout' ? { kind: 'timeout' } : { kind: 'closed' };
      read++;
      const data = inp.open(r.type, r.payload);
      if (!data) return { kind: 'undecryptable' };
      if (r.type === ContentType.alert && data.length >= 2)
        return { kind: 'alert', level: data[0] ?? 0, description: data[1] ?? 0 };
      return { kind: 'record', type: r.type, data };
    };
    const session: Session = {
      version,
      suite: first.suite,
      hello: first.hello,
      clientVerifyData: clientVerify,
      serverVerifyData: serverVerify,
      ticket: ticketOf(nst),
      send,
      next,
      renegotiate: async (timeoutMs) => {
        // RFC 5746: a secure renegotiation's ClientHello carries the previous client verify_data.
        const secure = first.hello.extensions.has(0xff01);
        const again = buildClientHello({
          ...helloSpec,
          sessionTicket: undefined,
          renegotiationVerifyData: secure ? session.clientVerifyData : undefined,
        }).subarray(5);
        send(ContentType.handshake, again);
        const tr: Buffer[] = [Buffer.from(again)];
        const reader = messageReader();
        const got: HandshakeMessage[] = [];
        while (!got.some((m) => m.type === HandshakeType.serverHelloDone)) {
          const r = await next(timeoutMs);
          if (r.kind !== 'record' || r.type !== ContentType.handshake)
            return { started: got.length > 0, completed: false, answer: r };
          got.push(...reader(r.data));
        }
        const step = clientFlight(table, version, again.subarray(6, 38), got);
        if (typeof step === 'string') return { started: true, completed: false, reason: step };
        tr.push(...got.map((m) => hs(m.type, m.body)), ...step.flight);
        const cv = step.keys.verify('client finished', tr);
        tr.push(hs(20, cv));
        send(ContentType.handshake, Buffer.concat(step.flight));
        send(ContentType.changeCipherSpec, Buffer.from([1]));
        out = step.keys.out;
        send(ContentType.handshake, hs(20, cv));
        for (;;) {
          const r = await next(timeoutMs);
          if (r.kind === 'record' && r.type === ContentType.changeCipherSpec) break;
          if (r.kind !== 'record' || r.type !== ContentType.handshake)
            return { started: true, completed: false, answer: r };
          tr.push(...reader(r.data).map((m) => hs(m.type, m.body)));
        }
        inp = step.keys.inp;
        const sv = step.keys.verify('server finished', tr);
        const r = await next(timeoutMs);
        if (r.kind !== 'record' || !r.data.equals(hs(20, sv)))
          return { started: true, completed: false, reason: 'the server Finished does not verify' };
        session.clientVerifyData = cv;
        session.serverVerifyData = sv;
        return { started: true, completed: true };
      },
    };
    return use(session, conn);
  });
}

/** The highest of TLS 1.2/1.1/1.0 the scan found with suites a session can be completed with. */
export function sessionTarget(
  versions: ReadonlyArray<{ version: string; supported: boolean; suites: CipherSuite[] }>,
  pick: (s: CipherSuite) => boolean = () => true,
): { version: SessionVersion; suites: number[] } | undefined {
  for (const name of ['TLSv1.2', 'TLSv1.1', 'TLSv1'] as const) {
    const v = versions.find((x) => x.version === name && x.supported);
    const suites =
      v?.suites.filter((s) => pick(s) && sessionParams(s) !== undefined).map((s) => s.code) ?? [];
    if (suites.length > 0) return { version: name, suites };
  }
  return undefined;
}
