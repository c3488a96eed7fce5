// A scripted TLS server for answers modern OpenSSL will not give: SSLv2/SSLv3, export/RC4/NULL suites,
// small DH primes, Heartbleed, CCS injection, compression, no renegotiation_info. It only ever speaks the
// cleartext first flight (plus a heartbeat echo or alert), which is all the scanner reads.
import { createServer, type Server, type Socket } from 'node:net';
import { constants, privateDecrypt, randomBytes } from 'node:crypto';
import { listen, closeServer } from '../../../src/main/engines/common/net';

type Version = 'SSLv3' | 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
const CODES: Record<Version, number> = {
  SSLv3: 0x0300,
  TLSv1: 0x0301,
  'TLSv1.1': 0x0302,
  'TLSv1.2': 0x0303,
  'TLSv1.3': 0x0304,
};

export interface FakeConfig {
  versions: Version[];
  /** Suites per version, in the server's preference order. */
  suites: Partial<Record<Version, number[]>>;
  serverPreference: boolean;
  renegotiationInfo: boolean;
  compression?: boolean;
  heartbeat?: 'vulnerable' | 'patched';
  ccs?: 'vulnerable' | 'patched';
  fallbackScsv?: boolean;
  dhBits?: number;
  /** ECDHE groups the server accepts, in preference order. */
  groups?: number[];
  sslv2?: number[];
  certificates: Uint8Array[];
  /**
   * RSA key exchange: the private key of certificates[0]. 'oracle' answers a premaster secret whose
   * padding does not start 00 02 at once with decrypt_error (a Bleichenbacher oracle); 'constant' treats
   * every ClientKeyExchange alike, as a patched server does.
   */
  rsa?: { keyPem: string; behaviour: 'oracle' | 'constant' };
}

export interface FakeServer {
  port: number;
  hellos: number;
  close(): Promise<void>;
}

const u16 = (n: number) => [(n >> 8) & 0xff, n & 0xff];
const u24 = (n: number) => [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
const rec = (type: number, version: number, body: number[]) =>
  Buffer.from([type, ...u16(version), ...u16(body.length), ...body]);
const hs = (type: number, body: number[]) => [type, ...u24(body.length), ...body];
const alert = (version: number, d: number) => rec(21, version, [2, d]);

interface Hello {
  version: number;
  suites: number[];
  compression: number[];
  exts: Map<number, Buffer>;
}

function parseHello(b: Buffer): Hello | undefined {
  if (b[0] !== 22 || b.length < 9) return undefined;
  const body = b.subarray(9);
  let o = 0;
  const version = body.readUInt16BE(o);
  o += 34;
  o += 1 + (body[o] ?? 0);
  const sl = body.readUInt16BE(o);
  const suites: number[] = [];
  for (let i = 0; i < sl; i += 2) suites.push(body.readUInt16BE(o + 2 + i));
  o += 2 + sl;
  const cl = body[o] ?? 0;
  const compression = [...body.subarray(o + 1, o + 1 + cl)];
  o += 1 + cl;
  const exts = new Map<number, Buffer>();
  if (o + 2 <= body.length) {
    const end = o + 2 + body.readUInt16BE(o);
    o += 2;
    while (o + 4 <= end) {
      const t = body.readUInt16BE(o);
      const l = body.readUInt16BE(o + 2);
      exts.set(t, body.subarray(o + 4, o + 4 + l));
      o += 4 + l;
    }
  }
  return { version, suites, compression, exts };
}

function list16(buf: Buffer | undefined, skip: number): number[] {
  if (!buf) return [];
  const out: number[] = [];
  for (let i = skip; i + 1 < buf.length; i += 2) out.push(buf.readUInt16BE(i));
  return out;
}

function isEcdhe(code: number): boolean {
  return (
    (code >= 0xc006 && code <= 0xc014) ||
    (code >= 0xc023 &&
      code <= 0xc030 &&
      [0xc023, 0xc024, 0xc027, 0xc028, 0xc02b, 0xc02c, 0xc02f, 0xc030].includes(code)) ||
    code === 0xcca8 ||
    code === 0xcca9
  );
}
function isDhe(code: number): boolean {
  return [
    0x0011, 0x0012, 0x0013, 0x0014, 0x0015, 0x0016, 0x0032, 0x0033, 0x0038, 0x0039, 0x0067, 0x006b, 0x009e,
    0x009f, 0xccaa,
  ].includes(code);
}

function answer(
  cfg: FakeConfig,
  socket: Socket,
  data: Buffer,
  state: { version: number; helloDone: boolean; ccsSeen: boolean; keyExchanged?: boolean },
): void {
  if (!state.helloDone) {
    if ((data[0] ?? 0) & 0x80 && data[2] === 1) {
      // SSLv2 CLIENT-HELLO
      if (!cfg.sslv2) return void socket.destroy();
      const cert = [...(cfg.certificates[0] ?? [])];
      const specs = cfg.sslv2.flatMap((c) => [(c >> 16) & 0xff, (c >> 8) & 0xff, c & 0xff]);
      const conn = [...randomBytes(16)];
      const msg = [
        4,
        0,
        1,
        0,
        2,
        ...u16(cert.length),
        ...u16(specs.length),
        ...u16(conn.length),
        ...cert,
        ...specs,
        ...conn,
      ];
      socket.end(Buffer.from([0x80 | (msg.length >> 8), msg.length & 0xff, ...msg]));
      return;
    }
    const hello = parseHello(data);
    if (!hello) return void socket.destroy();
    state.helloDone = true;
    const sv = list16(hello.exts.get(43), 1);
    const offers13 = sv.includes(0x0304);
    const serverMax = Math.max(...cfg.versions.map((v) => CODES[v]));
    const clientMax = offers13 ? 0x0304 : hello.version;
    if (cfg.fallbackScsv && hello.suites.includes(0x5600) && clientMax < serverMax)
      return void socket.end(alert(hello.version, 86));
    const candidates = cfg.versions
      .map((v) => CODES[v])
      .filter((c) => c <= clientMax && (c !== 0x0304 || offers13));
    if (candidates.length === 0) return void socket.end(alert(Math.min(hello.version, 0x0303), 70));
    const version = Math.max(...candidates);
    state.version = version;
    const vname = (Object.keys(CODES) as Version[]).find((k) => CODES[k] === version) as Version;
    const mine = cfg.suites[vname] ?? [];
    const suite = cfg.serverPreference
      ? mine.find((s) => hello.suites.includes(s))
      : hello.suites.find((s) => mine.includes(s));
    if (suite === undefined) return void socket.end(alert(version === 0x0304 ? 0x0303 : version, 40));
    const clientGroups = list16(hello.exts.get(10), 2);
    const group = (cfg.groups ?? []).find((g) => clientGroups.includes(g));
    if (isEcdhe(suite) && group === undefined) return void socket.end(alert(version, 40));
    const exts: number[] = [];
    const wantsReneg = hello.exts.has(0xff01) || hello.suites.includes(0x00ff);
    if (cfg.renegotiationInfo && wantsReneg && version !== 0x0304) exts.push(...u16(0xff01), ...u16(1), 0);
    if (cfg.heartbeat && hello.exts.has(15) && version !== 0x0304) exts.push(...u16(15), ...u16(1), 1);
    if (version === 0x0304) {
      exts.push(...u16(43), ...u16(2), ...u16(0x0304));
      exts.push(...u16(51), ...u16(2), ...u16(group ?? 0x001d));
    }
    const compression = cfg.compression && hello.compression.includes(1) && version !== 0x0304 ? 1 : 0;
    const legacy = version === 0x0304 ? 0x0303 : version;
    const body = [
      ...u16(legacy),
      ...randomBytes(32),
      0,
      ...u16(suite),
      compression,
      ...(exts.length > 0 || version !== 0x0300 ? [...u16(exts.length), ...exts] : []),
    ];
    const msgs: number[] = [...hs(2, body)];
    if (version === 0x0304) {
      socket.write(rec(22, 0x0303, msgs));
      socket.write(rec(20, 0x0303, [1]));
      socket.end(rec(23, 0x0303, [...randomBytes(64)]));
      return;
    }
    const certs = cfg.certificates.flatMap((c) => [...u24(c.length), ...c]);
    msgs.push(...hs(11, [...u24(certs.length), ...certs]));
    if (isEcdhe(suite))
      msgs.push(
        ...hs(12, [
          3,
          ...u16(group ?? 0x17),
          65,
          4,
          ...randomBytes(64),
          ...u16(0x0403),
          ...u16(8),
          ...randomBytes(8),
        ]),
      );
    else if (isDhe(suite)) {
      const p = [...randomBytes((cfg.dhBits ?? 2048) / 8)];
      p[0] = (p[0] ?? 0) | 0x80;
      msgs.push(
        ...hs(12, [
          ...u16(p.length),
          ...p,
          ...u16(1),
          2,
          ...u16(p.length),
          ...randomBytes(p.length),
          ...u16(8),
          ...randomBytes(8),
        ]),
      );
    }
    msgs.push(...hs(14, []));
    socket.write(rec(22, version, msgs));
    return;
  }
  // After the first flight: heartbeat requests, early ChangeCipherSpec, and an RSA key exchange.
  for (let o = 0; o + 5 <= data.length;) {
    const type = data[o] ?? 0;
    const len = data.readUInt16BE(o + 3);
    if (type === 22 && data[o + 5] === 16 && cfg.rsa && !state.keyExchanged) {
      // ClientKeyExchange: u24 length, then (TLS) u16 length + ciphertext.
      const ct = data.subarray(o + 5 + 4 + 2, o + 5 + len);
      const block = privateDecrypt({ key: cfg.rsa.keyPem, padding: constants.RSA_NO_PADDING }, ct);
      if (cfg.rsa.behaviour === 'oracle' && (block[0] !== 0 || block[1] !== 2))
        return void socket.end(alert(state.version, 51));
      state.keyExchanged = true;
    } else if (type === 20 && state.keyExchanged) {
      // A ChangeCipherSpec after the key exchange is in order; the "Finished" after it cannot be read.
    } else if (type === 22 && state.keyExchanged) return void socket.end(alert(state.version, 20));
    else if (type === 24 && cfg.heartbeat === 'vulnerable')
      socket.write(rec(24, state.version, [2, 0x40, 0x00, ...randomBytes(0x4000)]));
    else if (type === 24) socket.end(alert(state.version, 10));
    else if (type === 20) {
      if (cfg.ccs === 'vulnerable') state.ccsSeen = true;
      else socket.end(alert(state.version, 10));
    } else if (state.ccsSeen) socket.end(alert(state.version, 20));
    o += 5 + len;
  }
}

export async function startFakeTls(cfg: FakeConfig): Promise<FakeServer> {
  const sockets = new Set<Socket>();
  const fake = { port: 0, hellos: 0, close: async () => undefined as void };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const state = { version: 0, helloDone: false, ccsSeen: false };
    socket.on('data', (d) => {
      if (!state.helloDone) fake.hellos++;
      answer(cfg, socket, d, state);
    });
  });
  const { port } = await listen(server, 0, '127.0.0.1');
  fake.port = port;
  fake.close = async () => {
    for (const s of sockets) s.destroy();
    await closeServer(server);
  };
  return fake;
}
