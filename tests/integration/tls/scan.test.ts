import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { buildCertificate } from '../../../src/main/engines/common/x509-builder';
import type { TlsReport } from '../../../src/shared/contract/tls';
import { createTestPki, leafSpec, type TestPki } from '../../helpers/pki';
import { startFakeTls, type FakeConfig } from './fake-server';
import { inspect, inspector, tlsServer } from './helpers';

let pki: TestPki;
beforeAll(() => {
  pki = createTestPki();
});
afterAll(() => pki.cleanup());

const supported = (r: TlsReport) => r.scan!.versions.filter((v) => v.supported).map((v) => v.version);
const suitesOf = (r: TlsReport, v: string) =>
  r.scan!.versions.find((x) => x.version === v)!.suites.map((s) => s.openssl ?? s.name);
const weakness = (r: TlsReport) => Object.fromEntries(r.scan!.weaknesses.map((w) => [w.id, w.status]));

async function fake(cfg: Partial<FakeConfig>): Promise<number> {
  const f = await startFakeTls({
    versions: ['TLSv1.2'],
    suites: {},
    serverPreference: true,
    renegotiationInfo: true,
    certificates: [pki.leaf.der, pki.intermediate.der],
    ...cfg,
  });
  onTestFinished(() => f.close());
  return f.port;
}

describe('TLS scan against node:tls servers', () => {
  it('TLS 1.2 only, chosen suites, server preference on: exact suites in the server order', async () => {
    const port = await tlsServer({
      cert: pki.chain(),
      key: pki.leaf.keyPem,
      maxVersion: 'TLSv1.2',
      honorCipherOrder: true,
      ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-CHACHA20-POLY1305',
    });
    const r = await inspect(inspector(), { target: `localhost:${port}`, scan: true });
    expect(supported(r)).toEqual(['TLSv1.2']);
    expect(suitesOf(r, 'TLSv1.2')).toEqual([
      'ECDHE-ECDSA-AES256-GCM-SHA384',
      'ECDHE-ECDSA-AES128-SHA',
      'ECDHE-ECDSA-CHACHA20-POLY1305',
    ]);
    expect(r.scan!.versions.find((v) => v.version === 'TLSv1.2')!.serverPreference).toBe(true);
    expect(r.scan!.handshakes).toBeGreaterThan(8);
    expect(r.scan!.handshakes).toBeLessThan(60);
    expect(r.scan!.sslv2Ciphers).toEqual([]);
  });

  it('server preference off: same set, reported as following the client order', async () => {
    const port = await tlsServer({
      cert: pki.chain(),
      key: pki.leaf.keyPem,
      maxVersion: 'TLSv1.2',
      honorCipherOrder: false,
      ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-CHACHA20-POLY1305',
    });
    const r = await inspect(inspector(), { target: `localhost:${port}`, scan: true });
    expect(suitesOf(r, 'TLSv1.2').sort()).toEqual([
      'ECDHE-ECDSA-AES128-SHA',
      'ECDHE-ECDSA-AES256-GCM-SHA384',
      'ECDHE-ECDSA-CHACHA20-POLY1305',
    ]);
    expect(r.scan!.versions.find((v) => v.version === 'TLSv1.2')!.serverPreference).toBe(false);
  });

  it('TLS 1.3 only: exact 1.3 suites and groups (in the server order), no legacy checks apply', async () => {
    const port = await tlsServer({
      cert: pki.chain(),
      key: pki.leaf.keyPem,
      minVersion: 'TLSv1.3',
      honorCipherOrder: true,
      ciphers: 'TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256',
      ecdhCurve: 'P-384:X25519',
    });
    const r = await inspect(inspector(), { target: `localhost:${port}`, scan: true });
    expect(supported(r)).toEqual(['TLSv1.3']);
    expect(suitesOf(r, 'TLSv1.3')).toEqual(['TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256']);
    expect(r.scan!.groups.map((g) => g.name)).toEqual(['secp384r1', 'x25519']);
    expect(r.scan!.groupsVersion).toBe('TLSv1.3');
    const w = weakness(r);
    expect([
      w.heartbleed,
      w['ccs-injection'],
      w['secure-renegotiation'],
      w.compression,
      w['fallback-scsv'],
    ]).toEqual(['not-applicable', 'not-applicable', 'not-applicable', 'not-applicable', 'not-applicable']);
    expect(r.grade.ignoringTrust).toBe('A');
  });

  it('groups in TLS 1.2 come from the ServerKeyExchange; a DHE prime size is measured', async () => {
    const rsa = buildCertificate(leafSpec(pki.intermediate, { keySpec: 'rsa-2048' }));
    const port = await tlsServer({
      cert: rsa.certPem + pki.intermediate.certPem,
      key: rsa.keyPem,
      maxVersion: 'TLSv1.2',
      ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384',
      dhparam: 'auto',
      ecdhCurve: 'P-256:P-521',
      honorCipherOrder: true,
    });
    const r = await inspect(inspector(), { target: `localhost:${port}`, scan: true });
    expect(suitesOf(r, 'TLSv1.2')).toEqual(['ECDHE-RSA-AES128-GCM-SHA256', 'DHE-RSA-AES256-GCM-SHA384']);
    expect(r.scan!.groups.map((g) => g.name)).toEqual(['secp256r1', 'secp521r1']);
    expect(r.scan!.groupsVersion).toBe('TLSv1.2');
    expect(r.scan!.dhPrimeBits).toBeGreaterThanOrEqual(2048);
    expect(weakness(r)['weak-dh']).toBe('ok');
  });

  it('BREACH: a server that compresses "/" for a client accepting gzip is flagged', async () => {
    let acceptEncoding = '';
    const port = await tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem }, (s) =>
      s.on('data', (d: Buffer) => {
        acceptEncoding = /accept-encoding:\s*([^\r\n]*)/i.exec(d.toString())?.[1] ?? '';
        s.end('HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 20\r\n\r\n');
      }),
    );
    const r = await inspect(inspector(), {
      target: `localhost:${port}`,
      scan: true,
      http: 'always',
      caPem: pki.root.certPem,
      scanRatePerSecond: 0,
    });
    expect(acceptEncoding).toBe('gzip, deflate, br');
    expect(r.handshake.hsts?.contentEncoding).toBe('gzip');
    const w = r.scan!.weaknesses.find((x) => x.id === 'breach');
    expect(w).toMatchObject({ status: 'vulnerable', detail: expect.stringContaining('gzip') });
  });

  it('a modern default server: no weakness, A+ with HSTS and TLS 1.3, the scan stays bounded', async () => {
    const port = await tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem }, (s) => {
      // As node:https does: the error Node raises at the 4th renegotiation in 10 minutes ends the connection.
      s.on('error', () => s.destroy());
      s.on('data', () =>
        s.end('HTTP/1.1 200 OK\r\nStrict-Transport-Security: max-age=31536000\r\nContent-Length: 0\r\n\r\n'),
      );
    });
    const r = await inspect(inspector(), {
      target: `localhost:${port}`,
      scan: true,
      http: 'always',
      caPem: pki.root.certPem,
      scanConcurrency: 2,
      scanRatePerSecond: 0,
    });
    // Node's defaults include CBC suites in client order: informational findings only, not problems.
    expect(
      r.scan!.weaknesses.filter((w) => w.status === 'vulnerable' && w.severity !== 'info').map((w) => w.id),
    ).toEqual([]);
    // Node renegotiates when the client asks, but only 3 times per connection in 10 minutes.
    expect(r.scan!.weaknesses.find((w) => w.id === 'client-renegotiation')).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining('mitigated: the server renegotiated 3 times'),
    });
    expect(weakness(r)['poodle-tls']).toBe('ok');
    expect(weakness(r).ticketbleed).toBe('ok');
    expect(weakness(r)['fallback-scsv']).toBe('ok');
    expect(weakness(r).beast).toBe('ok');
    // The HTTP probe accepted compression and got an uncompressed answer.
    expect(weakness(r).breach).toBe('ok');
    expect(weakness(r)['secure-renegotiation']).toBe('ok');
    expect(r.grade.grade).toBe('A+');
    expect(r.problemCount).toBe(0);
  });

  it('a handshake limit that is too small stops the scan with TLS_SCAN_LIMIT', async () => {
    const port = await tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem });
    await expect(
      inspect(inspector(), { target: `localhost:${port}`, scan: true, scanMaxHandshakes: 10 }),
    ).rejects.toMatchObject({ code: 'TLS_SCAN_LIMIT' });
  });
});

describe('TLS scan against a scripted legacy server', () => {
  it('finds every legacy weakness by handshake and grades F with the reasons', async () => {
    const port = await fake({
      versions: ['SSLv3', 'TLSv1'],
      suites: { SSLv3: [0x0005, 0x000a, 0x0003], TLSv1: [0x0033, 0x0005, 0x000a, 0x0034, 0x0002, 0x0003] },
      serverPreference: true,
      renegotiationInfo: false,
      compression: true,
      heartbeat: 'vulnerable',
      ccs: 'vulnerable',
      fallbackScsv: false,
      dhBits: 1024,
      sslv2: [0x010080, 0x020080],
    });
    const r = await inspect(inspector(), {
      target: `localhost:${port}`,
      scan: true,
      caPem: pki.root.certPem,
    });
    // OpenSSL 3 refuses this server itself: the report says so and takes the facts from the raw scan.
    expect(r.handshake.runtimeError).toMatch(/^TLS_/);
    expect(r.handshake.protocol).toBe('TLSv1');
    expect(r.handshake.cipher?.openssl).toBe('DHE-RSA-AES128-SHA');
    expect(supported(r)).toEqual(['SSLv3', 'TLSv1']);
    expect(suitesOf(r, 'SSLv3')).toEqual(['RC4-SHA', 'DES-CBC3-SHA', 'EXP-RC4-MD5']);
    expect(suitesOf(r, 'TLSv1')).toEqual([
      'DHE-RSA-AES128-SHA',
      'RC4-SHA',
      'DES-CBC3-SHA',
      'ADH-AES128-SHA',
      'NULL-SHA',
      'EXP-RC4-MD5',
    ]);
    expect(r.scan!.sslv2Ciphers).toEqual(['SSL_CK_RC4_128_WITH_MD5', 'SSL_CK_RC4_128_EXPORT40_WITH_MD5']);
    expect(r.scan!.dhPrimeBits).toBe(1024);
    expect(weakness(r)).toEqual({
      heartbleed: 'vulnerable',
      'ccs-injection': 'vulnerable',
      'secure-renegotiation': 'vulnerable',
      compression: 'vulnerable',
      'fallback-scsv': 'vulnerable',
      sslv2: 'vulnerable',
      sslv3: 'vulnerable',
      rc4: 'vulnerable',
      sweet32: 'vulnerable',
      export: 'vulnerable',
      'null-cipher': 'vulnerable',
      anonymous: 'vulnerable',
      beast: 'vulnerable',
      lucky13: 'vulnerable',
      'cipher-order': 'ok',
      breach: 'not-applicable',
      // RSA key exchange suites, but the scripted server's certificate key is ECDSA.
      robot: 'not-applicable',
      'weak-dh': 'vulnerable',
      // The scripted server speaks only the first flight: no session can be completed with it.
      'client-renegotiation': 'unknown',
      'poodle-tls': 'unknown',
      ticketbleed: 'unknown',
    });
    for (const w of r.scan!.weaknesses) {
      expect(w.explanation.length).toBeGreaterThan(20);
      expect(w.reference).toMatch(/^https:\/\//);
    }
    expect(r.wireOrderKnown).toBe(true);
    expect(r.validation.trusted).toBe(true);
    expect(r.grade.grade).toBe('F');
    expect(r.grade.reasons.filter((x) => x.cap === 'F').map((x) => x.reason)).toEqual(
      expect.arrayContaining([
        'SSLv2 is supported',
        'vulnerable to Heartbleed',
        'vulnerable to CCS injection',
        'export-grade suites are accepted',
        'NULL-encryption suites are accepted',
        'anonymous suites are accepted',
      ]),
    );
    expect(r.problemCount).toBe(14); // every weakness above that is vulnerable
  });

  it('a patched legacy server: heartbeat, early CCS and fallback all handled → only TLS 1.0 and 3DES cost grades', async () => {
    const port = await fake({
      versions: ['TLSv1', 'TLSv1.2'],
      suites: { TLSv1: [0xc013, 0x000a], 'TLSv1.2': [0xc02f, 0xc013, 0x000a] },
      groups: [0x0017, 0x001d],
      heartbeat: 'patched',
      ccs: 'patched',
      fallbackScsv: true,
    });
    const r = await inspect(inspector(), {
      target: `localhost:${port}`,
      scan: true,
      caPem: pki.root.certPem,
    });
    expect(supported(r)).toEqual(['TLSv1', 'TLSv1.2']);
    expect(r.scan!.groups.map((g) => g.name)).toEqual(['secp256r1', 'x25519']);
    const w = weakness(r);
    expect([
      w.heartbleed,
      w['ccs-injection'],
      w['fallback-scsv'],
      w['secure-renegotiation'],
      w.compression,
      w.sweet32,
    ]).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'vulnerable']);
    expect(r.grade.ignoringTrust).toBe('B');
    expect(r.grade.reasons.map((x) => x.reason)).toEqual(
      expect.arrayContaining([
        'TLS 1.0 or 1.1 is supported',
        '64-bit block ciphers (3DES) are accepted',
        'suites without forward secrecy are accepted',
      ]),
    );
  });
});

describe('ROBOT: an RSA padding oracle, found by its different answers', () => {
  const rsaLeaf = () => buildCertificate(leafSpec(pki.intermediate, { keySpec: 'rsa-2048' }));

  it('a server that refuses bad padding at once (before Finished) is an oracle: vulnerable, grade F', async () => {
    const leaf = rsaLeaf();
    const port = await fake({
      suites: { 'TLSv1.2': [0x009c, 0x002f] },
      certificates: [leaf.der, pki.intermediate.der],
      rsa: { keyPem: leaf.keyPem, behaviour: 'oracle' },
    });
    const r = await inspect(inspector(), {
      target: `localhost:${port}`,
      scan: true,
      caPem: pki.root.certPem,
    });
    const w = r.scan!.weaknesses.find((x) => x.id === 'robot')!;
    expect(w.status).toBe('vulnerable');
    expect(w.detail).toContain('well-formed: alert bad_record_mac');
    expect(w.detail).toContain('wrong first bytes: alert decrypt_error');
    expect(r.grade.grade).toBe('F');
    expect(r.grade.reasons.map((x) => x.reason)).toContain('vulnerable to ROBOT (an RSA padding oracle)');
  });

  it('a server that answers every premaster secret alike is not: ok', async () => {
    const leaf = rsaLeaf();
    const port = await fake({
      suites: { 'TLSv1.2': [0x009c, 0x002f] },
      certificates: [leaf.der, pki.intermediate.der],
      rsa: { keyPem: leaf.keyPem, behaviour: 'constant' },
    });
    const r = await inspect(inspector(), {
      target: `localhost:${port}`,
      scan: true,
      caPem: pki.root.certPem,
    });
    expect(r.scan!.weaknesses.find((x) => x.id === 'robot')).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining('the same answer (alert bad_record_mac)'),
    });
  });

  it('OpenSSL with RSA key exchange: ok; an ECDSA-only server: not applicable', async () => {
    const leaf = rsaLeaf();
    const port = await tlsServer({
      cert: leaf.certPem + pki.intermediate.certPem,
      key: leaf.keyPem,
      maxVersion: 'TLSv1.2',
      ciphers: 'AES128-GCM-SHA256:AES256-SHA',
    });
    const r = await inspect(inspector(), {
      target: `localhost:${port}`,
      scan: true,
      caPem: pki.root.certPem,
    });
    expect(r.scan!.weaknesses.find((x) => x.id === 'robot')?.status).toBe('ok');
    const ec = await tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem });
    const r2 = await inspect(inspector(), { target: `localhost:${ec}`, scan: true, caPem: pki.root.certPem });
    expect(r2.scan!.weaknesses.find((x) => x.id === 'robot')?.status).toBe('not-applicable');
  });
});
