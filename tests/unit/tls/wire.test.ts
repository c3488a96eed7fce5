import { describe, expect, it } from 'vitest';
import {
  HandshakeType,
  ServerStream,
  buildClientHello,
  buildSslv2ClientHello,
  parseServerHello,
  parseServerKeyExchange,
  parseCertificateMessage,
} from '../../../src/main/engines/tls/wire';

const u16 = (n: number) => [(n >> 8) & 0xff, n & 0xff];
const HRR = [...Buffer.from('CF21AD74E59A6111BE1D8C021E65B891C2A211167ABB8C5E079E09E2C8A8339C', 'hex')];

function serverHello(random: number[], suite: number, exts: number[]): number[] {
  const body = [...u16(0x0303), ...random, 0, ...u16(suite), 0, ...u16(exts.length), ...exts];
  return [2, 0, (body.length >> 8) & 0xff, body.length & 0xff, ...body];
}

describe('ClientHello construction', () => {
  it('TLS 1.2: record/handshake framing, suites, SNI; read back by the same parser the scanner uses', () => {
    const bytes = buildClientHello({
      version: 'TLSv1.2',
      suites: [0xc02f, 0x009c],
      sni: 'example.test',
      heartbeat: true,
    });
    const s = new ServerStream(1 << 16);
    s.push(bytes);
    expect(s.state).toBe('tls');
    expect(s.records[0]).toMatchObject({ type: 22, version: 0x0301 });
    const hello = s.message(HandshakeType.clientHello)!;
    expect([hello.body[0], hello.body[1]]).toEqual([3, 3]);
    expect(hello.body[34]).toBe(0); // empty session id
    expect([...hello.body.subarray(35, 41)]).toEqual([0, 4, 0xc0, 0x2f, 0x00, 0x9c]);
    expect(Buffer.from(hello.body).includes(Buffer.from('example.test'))).toBe(true);
  });

  it('no SNI for an IP literal; TLS 1.3 carries supported_versions and a 32-byte x25519 share', () => {
    const ip = buildClientHello({ version: 'TLSv1.2', suites: [0xc02f], sni: '127.0.0.1' });
    expect(Buffer.from(ip).includes(Buffer.from('127.0.0.1'))).toBe(false);
    const t13 = Buffer.from(
      buildClientHello({ version: 'TLSv1.3', suites: [0x1301], keyShareGroups: [0x001d] }),
    );
    expect(t13.includes(Buffer.from([0x00, 0x2b, 0x00, 0x03, 0x02, 0x03, 0x04]))).toBe(true);
    expect(t13.includes(Buffer.from([0x00, 0x1d, 0x00, 0x20]))).toBe(true);
  });

  it('SSLv3: record version 3.0, no extensions, renegotiation SCSV added', () => {
    const b = buildClientHello({ version: 'SSLv3', suites: [0x0005] });
    expect([b[1], b[2]]).toEqual([3, 0]);
    const s = new ServerStream(1 << 16);
    s.push(b);
    const body = s.message(1)!.body;
    expect([...body.subarray(35, 41)]).toEqual([0, 4, 0x00, 0x05, 0x00, 0xff]);
    expect(body.length).toBe(41 + 2); // compression list, nothing after it
  });

  it('SSLv2 CLIENT-HELLO framing', () => {
    const b = buildSslv2ClientHello([0x010080]);
    expect(b[0]! & 0x80).toBe(0x80);
    expect(b[2]).toBe(1);
    expect([b[3], b[4]]).toEqual([0, 2]);
  });
});

describe('server answers', () => {
  it('reassembles records fed one byte at a time and a message spanning two records', () => {
    const msg = serverHello(Array(32).fill(7), 0xc02f, [0xff, 0x01, 0, 1, 0]);
    const half = Math.floor(msg.length / 2);
    const wire = [
      22,
      3,
      3,
      ...u16(half),
      ...msg.slice(0, half),
      22,
      3,
      3,
      ...u16(msg.length - half),
      ...msg.slice(half),
    ];
    const s = new ServerStream(1 << 16);
    for (const b of wire) s.push(Uint8Array.of(b));
    const sh = parseServerHello(s.message(2)!.body);
    expect(sh.suite).toBe(0xc02f);
    expect(sh.negotiatedVersion).toBe(0x0303);
    expect(sh.extensions.has(0xff01)).toBe(true);
    expect(sh.helloRetryRequest).toBe(false);
  });

  it('recognises HelloRetryRequest and the selected group', () => {
    const msg = serverHello(HRR, 0x1301, [0, 43, 0, 2, 3, 4, 0, 51, 0, 2, 0, 0x18]);
    const sh = parseServerHello(Uint8Array.from(msg.slice(4)));
    expect(sh).toMatchObject({ helloRetryRequest: true, negotiatedVersion: 0x0304, keyShareGroup: 0x18 });
  });

  it('flags non-TLS bytes, alerts, SSLv2 server hellos and overflow', () => {
    const http = new ServerStream(1024);
    http.push(Buffer.from('HTTP/1.1 400 Bad Request\r\n'));
    expect(http.state).toBe('not-tls');
    const alert = new ServerStream(1024);
    alert.push(Uint8Array.of(21, 3, 3, 0, 2, 2, 70));
    expect(alert.alerts).toEqual([{ level: 2, description: 70 }]);
    const v2 = new ServerStream(1024);
    const m = [4, 0, 1, 0, 2, 0, 2, 0, 3, 0, 1, 0xaa, 0xbb, 1, 0, 0x80, 9];
    v2.push(Uint8Array.from([0x80, m.length, ...m]));
    expect(v2.sslv2?.cipherSpecs).toEqual([0x010080]);
    const big = new ServerStream(10);
    big.push(new Uint8Array(11).fill(22));
    expect(big.overflow).toBe(true);
  });

  it('ServerKeyExchange: ECDHE group, DHE prime size (leading zero ignored)', () => {
    expect(parseServerKeyExchange(Uint8Array.of(3, 0, 0x17, 65), 'ECDHE')).toEqual({
      kind: 'ecdhe',
      group: 0x17,
    });
    const p = [0x00, 0x80, ...Array(127).fill(1)];
    expect(parseServerKeyExchange(Uint8Array.from([...u16(p.length), ...p]), 'DHE')).toEqual({
      kind: 'dhe',
      dhPrimeBits: 1024,
    });
  });

  it('Certificate message splits into DER blobs', () => {
    const body = [0, 0, 10, 0, 0, 2, 0xa, 0xb, 0, 0, 2, 0xc, 0xd];
    expect(parseCertificateMessage(Uint8Array.from(body)).map((c) => [...c])).toEqual([
      [0xa, 0xb],
      [0xc, 0xd],
    ]);
  });
});
