import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createServer } from 'node:tls';
import { listen, closeServer } from '../../../src/main/engines/common/net';
import { X509Certificate } from 'node:crypto';
import { buildCertificate } from '../../../src/main/engines/common/x509-builder';
import { createTestPki, leafSpec, type TestPki } from '../../helpers/pki';
import { buildOcspResponse } from './ocsp-helper';
import { codeOf, inspect, inspector, problemCodes, tlsServer } from './helpers';

let pki: TestPki;
let rootFile: string;
beforeAll(() => {
  pki = createTestPki();
  rootFile = pki.file('root.pem', pki.root.certPem);
});
afterAll(() => pki.cleanup());

describe('TLS inspect: handshake and certificates', () => {
  it('a valid chain: handshake facts, wire-order certificates, trusted via the user root, no problems', async () => {
    const port = await tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem });
    const r = await inspect(inspector(), { target: `localhost:${port}`, caFiles: [rootFile] });
    expect(r.host).toBe('localhost');
    expect(r.port).toBe(port);
    expect(r.handshake.protocol).toBe('TLSv1.3');
    expect(r.handshake.cipher?.name).toMatch(/^TLS_/);
    expect(r.handshake.keyExchange?.name).toBe('X25519');
    expect(r.handshake.sni).toBe('localhost');
    expect(r.handshake.timings?.connectMs).toBeGreaterThan(0);
    expect(r.handshake.timings?.handshakeMs).toBeGreaterThan(0);
    expect(r.wireOrderKnown).toBe(true);
    expect(r.certificates.map((c) => c.sha256)).toEqual([
      new X509Certificate(pki.leaf.certPem).fingerprint256,
      new X509Certificate(pki.intermediate.certPem).fingerprint256,
    ]);
    const leaf = r.certificates[0]!;
    expect(leaf).toMatchObject({
      commonName: 'localhost',
      keyType: 'EC',
      keyBits: 256,
      curve: 'prime256v1',
      signatureAlgorithm: 'ecdsa-with-SHA256',
      subjectAltNames: ['DNS:localhost', 'IP:127.0.0.1', 'IP:::1'],
      keyUsage: ['digitalSignature'],
      extendedKeyUsage: ['serverAuth', 'clientAuth'],
      basicConstraints: { ca: false },
      ocspUrls: ['http://127.0.0.1:9/wirelab-test/ocsp'],
      caIssuerUrls: ['http://127.0.0.1:9/wirelab-test/intermediate.cer'],
      crlUrls: ['http://127.0.0.1:9/wirelab-test/intermediate.crl'],
      sctCount: 0,
      selfSigned: false,
    });
    expect(leaf.daysLeft).toBeGreaterThan(300);
    expect(leaf.pem).toBe(pki.leaf.certPem);
    expect(r.validation.trusted).toBe(true);
    expect(r.validation.hostnameMatches).toBe(true);
    expect(r.validation.path.map((l) => [l.source, l.sentIndex])).toEqual([
      ['sent', 0],
      ['sent', 1],
      ['user', -1],
    ]);
    expect(r.validation.problems).toEqual([]);
    expect(r.validation.runtimeVerdict).toBe('authorized');
    expect(r.problemCount).toBe(0);
    expect(r.grade.grade).toBe('A');
    expect(r.grade.complete).toBe(false);
  });

  it('the same server is untrusted without the user root (unknown issuer is reported with the AIA hint)', async () => {
    const port = await tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem });
    const r = await inspect(inspector(), { target: `127.0.0.1:${port}`, sni: 'localhost' });
    expect(r.validation.trusted).toBe(false);
    expect(problemCodes(r)).toEqual(['unknown-issuer']);
    expect(r.grade.grade).toBe('T');
    expect(r.validation.runtimeVerdict).not.toBe('authorized');
  });

  it.each([
    ['expired', () => pki.expired, ['expired']],
    ['not yet valid', () => pki.notYetValid, ['not-yet-valid']],
    ['wrong host', () => pki.wrongHost, ['name-mismatch']],
    ['expiring within 30 days', () => pki.expiringSoon, ['expiring-soon']],
  ] as const)('%s leaf → exactly %s', async (_name, leaf, codes) => {
    const port = await tlsServer({ cert: pki.chain(leaf()), key: leaf().keyPem });
    const r = await inspect(inspector(), { target: `localhost:${port}`, caFiles: [rootFile] });
    expect(problemCodes(r)).toEqual([...codes]);
    expect(r.problemCount).toBe(codes.length);
  });

  it('lists every problem at once: expired AND wrong host AND untrusted', async () => {
    const bad = buildCertificate(
      leafSpec(pki.intermediate, {
        commonName: 'other.test',
        altNames: ['other.test'],
        notBefore: new Date(Date.now() - 90e8),
        notAfter: new Date(Date.now() - 86_400_000),
      }),
    );
    const port = await tlsServer({ cert: bad.certPem, key: bad.keyPem });
    const r = await inspect(inspector(), { target: `localhost:${port}` });
    expect(problemCodes(r)).toEqual(['expired', 'name-mismatch', 'unknown-issuer']);
  });

  it('self-signed leaf', async () => {
    const port = await tlsServer({ cert: pki.selfSigned.certPem, key: pki.selfSigned.keyPem });
    const r = await inspect(inspector(), { target: `localhost:${port}`, caFiles: [rootFile] });
    expect(problemCodes(r)).toEqual(['self-signed']);
    expect(r.certificates[0]?.selfSigned).toBe(true);
  });

  it('a self-signed leaf the user trusts explicitly is trusted', async () => {
    const port = await tlsServer({ cert: pki.selfSigned.certPem, key: pki.selfSigned.keyPem });
    const r = await inspect(inspector(), { target: `localhost:${port}`, caPem: pki.selfSigned.certPem });
    expect(r.validation.trusted).toBe(true);
    expect(r.validation.problems).toEqual([]);
  });

  it('missing intermediate: named when the CA files hold it, unknown issuer when they do not', async () => {
    const port = await tlsServer({ cert: pki.leaf.certPem, key: pki.leaf.keyPem });
    const withIntermediate = await inspect(inspector(), {
      target: `localhost:${port}`,
      caPem: pki.root.certPem + pki.intermediate.certPem,
    });
    expect(problemCodes(withIntermediate)).toEqual(['missing-intermediate']);
    expect(withIntermediate.validation.path.map((l) => l.source)).toEqual(['sent', 'user', 'user']);
    const rootOnly = await inspect(inspector(), { target: `localhost:${port}`, caFiles: [rootFile] });
    expect(problemCodes(rootOnly)).toEqual(['unknown-issuer']);
    expect(rootOnly.validation.problems[0]?.message).toContain(
      'http://127.0.0.1:9/wirelab-test/intermediate.cer',
    );
  });

  it('chain sent in the wrong order, and an unrelated extra certificate', async () => {
    const port = await tlsServer({
      cert: pki.leaf.certPem + pki.otherRoot.certPem + pki.intermediate.certPem,
      key: pki.leaf.keyPem,
    });
    const r = await inspect(inspector(), { target: `localhost:${port}`, caFiles: [rootFile] });
    expect(r.certificates.map((c) => c.commonName)).toEqual([
      'localhost',
      'Unrelated Root',
      'Wirelab Test Intermediate',
    ]);
    expect(problemCodes(r)).toEqual(['extra-certificate']);
    expect(r.validation.trusted).toBe(true);
    const reversed = await tlsServer({
      cert: pki.leaf.certPem + pki.root.certPem + pki.intermediate.certPem,
      key: pki.leaf.keyPem,
    });
    const r2 = await inspect(inspector(), { target: `localhost:${reversed}`, caFiles: [rootFile] });
    expect(problemCodes(r2)).toEqual(['wrong-order']);
    expect(r2.validation.path.map((l) => l.sentIndex)).toEqual([0, 2, 1]);
  });

  it('weak key and weak signature (RSA-1024, SHA-1) are both reported', async () => {
    const port = await tlsServer({
      cert: pki.chain(pki.weak),
      key: pki.weak.keyPem,
      ciphers: 'DEFAULT:@SECLEVEL=0',
    });
    const r = await inspect(inspector(), { target: `localhost:${port}`, caFiles: [rootFile] });
    expect(problemCodes(r)).toEqual(['weak-key', 'weak-signature']);
    expect(r.certificates[0]).toMatchObject({
      keyType: 'RSA',
      keyBits: 1024,
      signatureAlgorithm: 'ecdsa-with-SHA1',
    });
    expect(r.grade.ignoringTrust).toBe('B');
  });

  it('SNI: sent by default for names, never for an IP, off on request', async () => {
    const seen: Array<string | false> = [];
    const port = await tlsServer({
      cert: pki.chain(),
      key: pki.leaf.keyPem,
      SNICallback: (name, cb) => {
        seen.push(name);
        cb(null);
      },
    });
    const i = inspector();
    await inspect(i, { target: `localhost:${port}` });
    await inspect(i, { target: `localhost:${port}`, noSni: true });
    await inspect(i, { target: `127.0.0.1:${port}` });
    await inspect(i, { target: `127.0.0.1:${port}`, sni: 'custom.test' });
    // two connections per inspection (the handshake and the wire-order probe), each with the same SNI
    expect(seen).toEqual(['localhost', 'localhost', 'custom.test', 'custom.test']);
  });

  it('ALPN: h2 and http/1.1 are each reported as the server chose', async () => {
    const h2 = await tlsServer({
      cert: pki.chain(),
      key: pki.leaf.keyPem,
      ALPNProtocols: ['h2', 'http/1.1'],
    });
    const h1 = await tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem, ALPNProtocols: ['http/1.1'] });
    const i = inspector();
    expect((await inspect(i, { target: `localhost:${h2}` })).handshake.alpn).toBe('h2');
    expect((await inspect(i, { target: `localhost:${h1}` })).handshake.alpn).toBe('http/1.1');
    expect((await inspect(i, { target: `localhost:${h2}`, alpn: [] })).handshake.alpn).toBeUndefined();
  });

  it('TLS 1.2 only and TLS 1.3 only servers; the chain order is seen on the wire in both (TLS 1.3 by the hand-built client)', async () => {
    const p12 = await tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem, maxVersion: 'TLSv1.2' });
    const p13 = await tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem, minVersion: 'TLSv1.3' });
    const i = inspector();
    const r12 = await inspect(i, { target: `localhost:${p12}`, caFiles: [rootFile] });
    expect(r12.handshake.protocol).toBe('TLSv1.2');
    expect(r12.handshake.cipher?.openssl).toMatch(/^ECDHE-ECDSA-AES(128|256)-GCM-SHA(256|384)$/);
    expect(r12.handshake.cipher?.strength).toBe('strong');
    expect(r12.wireOrderKnown).toBe(true);
    const r13 = await inspect(i, { target: `localhost:${p13}`, caFiles: [rootFile] });
    expect(r13.handshake.protocol).toBe('TLSv1.3');
    expect(r13.wireOrderKnown).toBe(true);
    expect(r13.certificates.length).toBe(2);
    expect(r13.validation.trusted).toBe(true);
  });

  it('session resumption: reused with tickets, reused with session ids, not reused when the server keeps no sessions', async () => {
    const yes = await tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem });
    const no = await tlsServer({
      cert: pki.chain(),
      key: pki.leaf.keyPem,
      maxVersion: 'TLSv1.2',
      secureOptions: 0x4000 /* SSL_OP_NO_TICKET */,
      sessionTimeout: 0,
    });
    const i = inspector();
    expect(
      (await inspect(i, { target: `localhost:${yes}`, resumption: true })).handshake.resumption,
    ).toMatchObject({ tested: true, ticketIssued: true, reused: true });
    const r = await inspect(i, { target: `localhost:${no}`, resumption: true });
    expect(r.handshake.resumption).toMatchObject({ reused: false, ticketIssued: false });
    // Session ids instead of tickets: node:tls servers keep them through the newSession/resumeSession events.
    const cache = new Map<string, Buffer>();
    const idServer = createServer(
      { cert: pki.chain(), key: pki.leaf.keyPem, maxVersion: 'TLSv1.2', secureOptions: 0x4000 },
      (sock) => sock.end(),
    );
    idServer.on('newSession', (id: Buffer, data: Buffer, cb: () => void) => {
      cache.set(id.toString('hex'), data);
      cb();
    });
    idServer.on('resumeSession', (id: Buffer, cb: (err: Error | null, data: Buffer | null) => void) =>
      cb(null, cache.get(id.toString('hex')) ?? null),
    );
    idServer.on('tlsClientError', () => undefined);
    const ids = (await listen(idServer, 0, '127.0.0.1')).port;
    onTestFinished(() => closeServer(idServer));
    expect(
      (await inspect(i, { target: `localhost:${ids}`, resumption: true })).handshake.resumption,
    ).toMatchObject({ reused: true, ticketIssued: false });
  });

  it('HSTS: header parsed from the HTTP answer', async () => {
    const port = await tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem }, (s) =>
      s.on('data', () =>
        s.end(
          'HTTP/1.1 200 OK\r\nStrict-Transport-Security: max-age=63072000; includeSubDomains; preload\r\nContent-Length: 0\r\n\r\n',
        ),
      ),
    );
    const r = await inspect(inspector(), { target: `localhost:${port}`, http: 'always' });
    expect(r.handshake.hsts).toMatchObject({
      probed: true,
      status: 200,
      maxAgeSeconds: 63072000,
      includeSubDomains: true,
      preload: true,
    });
    const none = await tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem });
    const r2 = await inspect(inspector(), { target: `localhost:${none}`, http: 'always' });
    expect(r2.handshake.hsts).toMatchObject({ probed: true, status: 200 });
    expect(r2.handshake.hsts?.header).toBeUndefined();
  });

  it('OCSP stapling: the stapled response is parsed (status and update times)', async () => {
    const produced = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    const staple = buildOcspResponse(pki.leaf, pki.intermediate, 'good', produced);
    const port = await tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem });
    const r0 = await inspect(inspector(), { target: `localhost:${port}` });
    expect(r0.handshake.ocsp.present).toBe(false);
    const stapling = await tlsServerWithOcsp(staple);
    const r = await inspect(inspector(), { target: `localhost:${stapling}`, caFiles: [rootFile] });
    expect(r.handshake.ocsp).toMatchObject({
      present: true,
      responseStatus: 'successful',
      certStatus: 'good',
      producedAt: produced.toISOString(),
    });
    expect(r.handshake.ocsp.nextUpdate).toBeDefined();
    expect(r.handshake.ocsp).toMatchObject({
      signature: 'valid',
      signedBy: 'issuer CN=Wirelab Test Intermediate',
    });
    expect(r.validation.problems.map((p) => p.code)).not.toContain('ocsp-staple-invalid');
    // A validly signed "revoked" is a trust problem: grade T.
    const revoked = await tlsServerWithOcsp(
      buildOcspResponse(pki.leaf, pki.intermediate, 'revoked', produced),
    );
    const rr = await inspect(inspector(), { target: `localhost:${revoked}`, caFiles: [rootFile] });
    expect(rr.handshake.ocsp.certStatus).toBe('revoked');
    expect(rr.validation.problems).toContainEqual(
      expect.objectContaining({ code: 'revoked', severity: 'critical' }),
    );
    expect(rr.grade.grade).toBe('T');
    // A forged staple (signed by a key that is not the issuer's) is flagged, and its "revoked" not believed.
    const forged = await tlsServerWithOcsp(
      buildOcspResponse(pki.leaf, pki.intermediate, 'revoked', produced, {
        signer: pki.otherRoot,
        certs: [],
      }),
    );
    const rf = await inspect(inspector(), { target: `localhost:${forged}`, caFiles: [rootFile] });
    expect(rf.handshake.ocsp.signature).toBe('invalid');
    const codes = rf.validation.problems.map((p) => p.code);
    expect(codes).toContain('ocsp-staple-invalid');
    expect(codes).not.toContain('revoked');
    expect(rf.grade.grade).not.toBe('T');
  });

  it('client certificate required: the request is seen; with a certificate the handshake completes', async () => {
    const client = buildCertificate(
      leafSpec(pki.intermediate, { commonName: 'client', altNames: [], extendedKeyUsage: ['clientAuth'] }),
    );
    let peer = '';
    const port = await tlsServer(
      {
        cert: pki.chain(),
        key: pki.leaf.keyPem,
        requestCert: true,
        rejectUnauthorized: true,
        ca: [pki.root.certPem, pki.intermediate.certPem],
        maxVersion: 'TLSv1.2',
      },
      (s) => {
        peer = s.getPeerX509Certificate()?.subject ?? '';
        s.end();
      },
    );
    const i = inspector();
    const withCert = await inspect(i, {
      target: `localhost:${port}`,
      clientCertPem: client.certPem + pki.intermediate.certPem,
      clientKeyPem: client.keyPem,
    });
    expect(withCert.handshake.clientCertificateRequested).toBe(true);
    expect(peer).toContain('CN=client');
    expect(await codeOf(inspect(i, { target: `localhost:${port}` }))).toBe('TLS_ERROR');
  });
});

/** node:tls servers staple through the OCSPRequest event. */
async function tlsServerWithOcsp(staple: Uint8Array): Promise<number> {
  const server = createServer({ cert: pki.chain(), key: pki.leaf.keyPem }, (s) => s.end());
  server.on('OCSPRequest', (_cert: Buffer, _issuer: Buffer, cb: (err: Error | null, resp: Buffer) => void) =>
    cb(null, Buffer.from(staple)),
  );
  server.on('tlsClientError', () => undefined);
  const { port } = await listen(server, 0, '127.0.0.1');
  onTestFinished(() => closeServer(server));
  return port;
}
