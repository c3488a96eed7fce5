// The hand-built TLS 1.3 client against real servers on 127.0.0.1: node:tls (OpenSSL) servers that
// accept only TLS 1.3, with each suite and group, an OCSP staple and a client-certificate request; an
// `openssl s_server -tls1_3` sending SCTs in the leaf's CertificateEntry; and raw sockets answering
// with garbage, a cut-off flight, silence or a flood. Then the inspector on TLS 1.3-only servers.
import { createServer as createNetServer, type Socket } from 'node:net';
import { TLSSocket, createSecureContext, createServer as createTlsServer, type TlsOptions } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { closeServer, listen } from '../../../src/main/engines/common/net';
import { readTls13Flight, type Tls13ConnectOptions } from '../../../src/main/engines/tls/tls13-client';
import { TLS13_RUNNABLE, TLS13_SUITES } from '../../../src/main/engines/tls/tls13-key-schedule';
import { createTestPki, type TestPki } from '../../helpers/pki';
import { codeOf, inspect, inspector } from './helpers';
import { buildOcspResponse } from './ocsp-helper';
import { hasOpenssl, opensslServer } from './openssl';

let pki: TestPki;
beforeAll(() => {
  pki = createTestPki();
});
afterAll(() => pki.cleanup());

const target = (port: number) => ({
  host: '127.0.0.1',
  port,
  connectTimeoutMs: 10_000,
  maxBytes: 256 * 1024,
  starttlsMaxReplyBytes: 4096,
});
const options = (o: Partial<Tls13ConnectOptions> = {}): Tls13ConnectOptions => ({
  sni: 'localhost',
  timeoutMs: 15_000,
  maxBytes: 256 * 1024,
  ...o,
});

/** A TLS 1.3-only node:tls server; `staple` is handed out through the OCSPRequest event. */
async function tls13Server(extra: TlsOptions = {}, staple?: Uint8Array) {
  const keylog: string[] = [];
  const server = createTlsServer(
    { cert: pki.chain(), key: pki.leaf.keyPem, minVersion: 'TLSv1.3', ...extra },
    (s) => s.end(),
  );
  server.on('tlsClientError', () => undefined);
  server.on('keylog', (line: Buffer) => keylog.push(line.toString().trim()));
  if (staple)
    server.on('OCSPRequest', (_c: Buffer, _i: Buffer, cb: (err: Error | null, resp: Buffer) => void) =>
      cb(null, Buffer.from(staple)),
    );
  const { port } = await listen(server, 0, '127.0.0.1');
  onTestFinished(() => closeServer(server));
  return { port, keylog };
}

describe('TLS 1.3 client against node:tls', () => {
  it('reads the chain in order, the OCSP staple of the leaf entry, ALPN, and the server key proof', async () => {
    const staple = buildOcspResponse(pki.leaf, pki.intermediate, 'good', new Date(Date.now() - 60_000));
    const { port, keylog } = await tls13Server({ ALPNProtocols: ['h2', 'http/1.1'] }, staple);
    const ours: string[] = [];
    const f = await readTls13Flight(target(port), options({ alpn: ['h2'], keylog: (l) => ours.push(l) }));
    expect(f.certificates.map((c) => Buffer.from(c.der).toString('base64'))).toEqual([
      Buffer.from(pki.leaf.der).toString('base64'),
      Buffer.from(pki.intermediate.der).toString('base64'),
    ]);
    expect(f.certificates[0]?.ocsp && Buffer.from(f.certificates[0].ocsp)).toEqual(Buffer.from(staple));
    expect(f.certificates[1]?.ocsp).toBeUndefined();
    expect(f).toMatchObject({
      group: 'x25519',
      helloRetryRequest: false,
      alpn: 'h2',
      certificateRequested: false,
    });
    expect(f.certificateVerify).toEqual({ scheme: 'ecdsa_secp256r1_sha256', valid: true });
    // The server's own key log (OpenSSL) holds the same handshake secrets this client derived.
    await expect.poll(() => keylog.filter((l) => l.includes('HANDSHAKE_TRAFFIC_SECRET')).length).toBe(2);
    expect(ours.sort()).toEqual(keylog.filter((l) => l.includes('HANDSHAKE_TRAFFIC_SECRET')).sort());
  });

  for (const [suite, curve, group, retry] of [
    ['TLS_AES_128_GCM_SHA256', 'X25519', 'x25519', false],
    ['TLS_AES_256_GCM_SHA384', 'P-256', 'secp256r1', true],
    ['TLS_CHACHA20_POLY1305_SHA256', 'P-384', 'secp384r1', true],
  ] as const) {
    it(`${suite} over ${group}${retry ? ' after a HelloRetryRequest' : ''}`, async () => {
      const { port } = await tls13Server({ ciphers: suite, ecdhCurve: curve });
      const f = await readTls13Flight(target(port), options());
      expect(f).toMatchObject({ suite, group, helloRetryRequest: retry });
      expect(f.certificates).toHaveLength(2);
      expect(f.certificateVerify?.valid).toBe(true);
    });
  }

  it('an RSA leaf proves its key with RSA-PSS; a client-certificate request is seen', async () => {
    const { buildCertificate } = await import('../../../src/main/engines/common/x509-builder');
    const { leafSpec } = await import('../../helpers/pki');
    const rsa = buildCertificate(leafSpec(pki.intermediate, { keySpec: 'rsa-2048' }));
    const { port } = await tls13Server({ cert: pki.chain(rsa), key: rsa.keyPem, requestCert: true });
    const f = await readTls13Flight(target(port), options());
    expect(f.certificateVerify).toEqual({ scheme: 'rsa_pss_rsae_sha256', valid: true });
    expect(f.certificateRequested).toBe(true);
  });

  it('only runnable suites are offered: a ChaCha20-only server and an AES-only offer (Electron) fail cleanly', async () => {
    const { port } = await tls13Server({ ciphers: 'TLS_CHACHA20_POLY1305_SHA256' });
    const aesOnly = TLS13_SUITES.filter((s) => s.cipher !== 'chacha20-poly1305');
    expect(await codeOf(readTls13Flight(target(port), options({ suites: aesOnly })))).toBe(
      'TLS_NO_COMMON_PROTOCOL',
    );
    // Node's OpenSSL has the cipher, so it is offered here.
    expect(TLS13_RUNNABLE.map((s) => s.name)).toContain('TLS_CHACHA20_POLY1305_SHA256');
  });

  it('a server without TLS 1.3 is TLS_NO_COMMON_PROTOCOL', async () => {
    const { port } = await tls13Server({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
    expect(await codeOf(readTls13Flight(target(port), options()))).toBe('TLS_NO_COMMON_PROTOCOL');
  });
});

describe('TLS 1.3 client after STARTTLS', () => {
  it('SMTP: the dialogue first, then the encrypted flight', async () => {
    const context = createSecureContext({ cert: pki.chain(), key: pki.leaf.keyPem, minVersion: 'TLSv1.3' });
    // 220 greeting, EHLO → STARTTLS offered, STARTTLS → 220, then TLS on the same socket.
    const port = await scriptedServer((s) => {
      s.write('220 mail.test ESMTP\r\n');
      s.once('data', () => {
        s.once('data', () => {
          s.write('220 Go ahead\r\n');
          new TLSSocket(s, { isServer: true, secureContext: context }).on('error', () => undefined);
        });
        s.write('250-mail.test\r\n250 STARTTLS\r\n');
      });
    });
    const f = await readTls13Flight({ ...target(port), starttls: 'smtp' }, options());
    expect(f.certificates).toHaveLength(2);
    expect(f.certificateVerify?.valid).toBe(true);
  });
});

/** SCT list (RFC 6962 §3.3) with one synthetic SCT from log id `fill`. */
function sctList(fill: number, ms: number): Buffer {
  const ts = Buffer.alloc(8);
  ts.writeBigUInt64BE(BigInt(ms));
  const sct = Buffer.concat([
    Buffer.from([0]),
    Buffer.alloc(32, fill),
    ts,
    Buffer.from([0, 0, 4, 3, 0, 70]),
    Buffer.alloc(70, 0x30),
  ]);
  const entry = Buffer.concat([Buffer.from([sct.length >> 8, sct.length & 0xff]), sct]);
  return Buffer.concat([Buffer.from([entry.length >> 8, entry.length & 0xff]), entry]);
}

/** s_server -serverinfo v2: the SCT extension in the TLS 1.3 Certificate (context 0x1000) and in ClientHello. */
function serverinfoV2(list: Buffer): string {
  const ctx = Buffer.alloc(4);
  ctx.writeUInt32BE(0x1000 | 0x80 | 0x1);
  const data = Buffer.concat([ctx, Buffer.from([0, 18, list.length >> 8, list.length & 0xff]), list]);
  return pki.file(
    `serverinfo13-${process.pid}.pem`,
    `-----BEGIN SERVERINFOV2 FOR localhost-----\n${data.toString('base64')}\n-----END SERVERINFOV2 FOR localhost-----\n`,
  );
}

describe.skipIf(!hasOpenssl)('TLS 1.3 client against openssl s_server', () => {
  it('SCTs in the leaf CertificateEntry', async () => {
    const at = Date.UTC(2026, 4, 6);
    const list = sctList(0x13, at);
    const port = await opensslServer(pki, ['-tls1_3', '-serverinfo', serverinfoV2(list)]);
    const f = await readTls13Flight(target(port), options());
    expect(f.certificates[0]?.sctList && Buffer.from(f.certificates[0].sctList)).toEqual(list);
    expect(f.certificateVerify?.valid).toBe(true);
  });

  it('the inspector shows those SCTs and the chain in wire order for a TLS 1.3-only server', async () => {
    const at = Date.UTC(2026, 4, 7);
    const port = await opensslServer(pki, ['-tls1_3', '-serverinfo', serverinfoV2(sctList(0x31, at))]);
    const r = await inspect(inspector(), { target: `localhost:${port}`, caPem: pki.root.certPem });
    expect(r.handshake.protocol).toBe('TLSv1.3');
    expect(r.wireOrderKnown).toBe(true);
    expect(r.scts).toEqual([
      expect.objectContaining({
        source: 'tls-extension',
        logId: Buffer.alloc(32, 0x31).toString('base64'),
        timestamp: new Date(at).toISOString(),
      }),
    ]);
  });
});

describe('the inspector on a TLS 1.3-only node:tls server', () => {
  it('SCTs inside the OCSP staple, the staple judged, the chain in wire order', async () => {
    const at = Date.UTC(2026, 6, 8);
    const staple = buildOcspResponse(pki.leaf, pki.intermediate, 'good', new Date(Date.now() - 60_000), {
      sctList: sctList(0x0d, at),
    });
    const { port } = await tls13Server({}, staple);
    const r = await inspect(inspector(), {
      target: `localhost:${port}`,
      caPem: pki.root.certPem,
      checkRevocation: false,
    });
    expect(r.handshake.protocol).toBe('TLSv1.3');
    expect(r.wireOrderKnown).toBe(true);
    expect(r.handshake.ocsp).toMatchObject({ present: true, certStatus: 'good', signature: 'valid' });
    expect(r.scts).toEqual([
      expect.objectContaining({ source: 'ocsp', logId: Buffer.alloc(32, 0x0d).toString('base64') }),
    ]);
  });
});

/** A raw TCP server that answers each connection's first bytes with `respond`. */
function rawServer(respond: (s: Socket) => void): Promise<number> {
  return scriptedServer((s) => s.once('data', () => respond(s)));
}

/** A raw TCP server running `script` on each connection. */
async function scriptedServer(script: (s: Socket) => void): Promise<number> {
  const sockets = new Set<Socket>();
  const server = createNetServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    script(s);
  });
  const { port } = await listen(server, 0, '127.0.0.1');
  onTestFinished(() => {
    for (const s of sockets) s.destroy();
    return closeServer(server);
  });
  return port;
}

describe('TLS 1.3 client against broken servers', () => {
  it('an HTTP answer is NOT_TLS', async () => {
    const port = await rawServer((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    expect(await codeOf(readTls13Flight(target(port), options()))).toBe('NOT_TLS');
  });

  it('a ServerHello cut off and the connection closed is TLS_HANDSHAKE_INCOMPLETE', async () => {
    const port = await rawServer((s) => s.end(Buffer.from([22, 3, 3, 0, 90, 2, 0, 0, 86, 3, 3])));
    expect(await codeOf(readTls13Flight(target(port), options()))).toBe('TLS_HANDSHAKE_INCOMPLETE');
  });

  it('silence ends in TIMEOUT after the timeout, not a hang', async () => {
    const port = await rawServer(() => undefined);
    expect(await codeOf(readTls13Flight(target(port), options({ timeoutMs: 300 })))).toBe('TIMEOUT');
  });

  it('a flood of records is LIMIT_EXCEEDED', async () => {
    const port = await rawServer((s) => {
      const rec = Buffer.concat([Buffer.from([22, 3, 3, 0x40, 0x00]), Buffer.alloc(0x4000, 0)]);
      for (let i = 0; i < 8; i++) s.write(rec);
    });
    expect(await codeOf(readTls13Flight(target(port), options({ maxBytes: 32 * 1024 })))).toBe(
      'LIMIT_EXCEEDED',
    );
  });
});
