// Verdicts that used to be wrong, each against a server built here: a SHA-1-signed leaf or intermediate
// is a trust failure (as OpenSSL 3, curl and browsers decide) with the runtime's reason in words; the DH
// prime is measured per DH family, so anonymous DH with a 1024-bit prime is not hidden behind DHE-RSA's
// 2048; a server certificate with CA:TRUE is flagged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCertificate } from '../../../src/main/engines/common/x509-builder';
import { reportToMarkdown } from '../../../src/main/engines/tls/report-markdown';
import { reportToText } from '../../../src/main/engines/tls/report-text';
import { createTestPki, leafSpec, type TestPki } from '../../helpers/pki';
import { inspect, inspector, tlsServer } from './helpers';
import { hasOpenssl, opensslServer } from './openssl';

let pki: TestPki;
beforeAll(() => {
  pki = createTestPki();
});
afterAll(() => pki.cleanup());

const problem = (r: Awaited<ReturnType<typeof inspect>>, code: string) =>
  r.validation.problems.find((p) => p.code === code);

describe('SHA-1 signatures', () => {
  it('a SHA-1-signed leaf is a critical problem: grade T, not trusted, the runtime reason in words', async () => {
    const leaf = buildCertificate(leafSpec(pki.intermediate, { signatureHash: 'sha1' }));
    const port = await tlsServer({
      cert: pki.chain(leaf),
      key: leaf.keyPem,
      ciphers: 'DEFAULT:@SECLEVEL=0',
    });
    const r = await inspect(inspector(), { target: `localhost:${port}`, caPem: pki.root.certPem });
    expect(problem(r, 'weak-signature')).toMatchObject({ severity: 'critical', certIndex: 0 });
    expect(r.validation.trusted).toBe(false);
    expect(r.grade.grade).toBe('T');
    expect(r.validation.runtimeVerdict).toMatch(/^not authorized: .*(too weak|digest)/i);
    expect(r.validation.runtimeVerdict).not.toMatch(/UNSPECIFIED/);
  });

  it('an MD5-signed leaf is critical too: grade T, not trusted', async () => {
    // ECDSA has no MD5 form: an RSA issuer signs it.
    const root = buildCertificate({ commonName: 'RSA Root', ca: true, keySpec: 'rsa-2048' });
    const leaf = buildCertificate(leafSpec(root, { signatureHash: 'md5' }));
    const port = await tlsServer({ cert: leaf.certPem, key: leaf.keyPem, ciphers: 'DEFAULT:@SECLEVEL=0' });
    const r = await inspect(inspector(), { target: `localhost:${port}`, caPem: root.certPem });
    expect(r.certificates[0]?.signatureAlgorithm).toMatch(/md5/i);
    expect(problem(r, 'weak-signature')).toMatchObject({ severity: 'critical', certIndex: 0 });
    expect(problem(r, 'weak-signature')?.message).toContain('(MD5)');
    expect(r.validation.trusted).toBe(false);
    expect(r.grade.grade).toBe('T');
    expect(r.validation.runtimeVerdict).toMatch(/^not authorized: /);
  });

  it('a SHA-1-signed intermediate is critical too; a SHA-1 self-signature on the trust anchor is not', async () => {
    const root = buildCertificate({ commonName: 'SHA-1 Root', ca: true, signatureHash: 'sha1' });
    const inter = buildCertificate({
      commonName: 'SHA-1 Intermediate',
      ca: true,
      issuer: root,
      signatureHash: 'sha1',
    });
    const leaf = buildCertificate(leafSpec(inter));
    const port = await tlsServer({
      cert: leaf.certPem + inter.certPem,
      key: leaf.keyPem,
      ciphers: 'DEFAULT:@SECLEVEL=0',
    });
    const r = await inspect(inspector(), { target: `localhost:${port}`, caPem: root.certPem });
    const weak = r.validation.problems.filter((p) => p.code === 'weak-signature');
    expect(weak.map((p) => [p.certIndex, p.severity])).toEqual([[1, 'critical']]);
    expect(r.validation.path.map((l) => l.source)).toEqual(['sent', 'sent', 'user']);
    expect(r.grade.grade).toBe('T');
  });
});

describe.skipIf(!hasOpenssl)('DH groups per family', () => {
  it('anonymous DH with a 1024-bit prime is reported as 1024 (Logjam) although DHE-RSA gets 2048', async () => {
    // OpenSSL's automatic DH sizes DHE-RSA by the RSA-2048 key (2048 bits) but ADH by the cipher (1024).
    const port = await opensslServer(pki, [
      '-no_tls1_3',
      '-cipher',
      'DHE-RSA-AES128-SHA:ADH-AES128-SHA:@SECLEVEL=0',
    ]);
    const r = await inspect(inspector(), {
      target: `localhost:${port}`,
      scan: true,
      caPem: pki.root.certPem,
    });
    const groups = Object.fromEntries((r.scan!.dhGroups ?? []).map((g) => [g.family, g.primeBits]));
    expect(groups).toEqual({ DHE_RSA: 2048, DH_anon: 1024 });
    expect(r.scan!.dhPrimeBits).toBe(1024);
    const logjam = r.scan!.weaknesses.find((w) => w.id === 'weak-dh');
    expect(logjam?.status).toBe('vulnerable');
    expect(logjam?.detail).toMatch(/DH_anon 1024 bits \(ADH-AES128-SHA/);
    expect(r.grade.reasons.map((x) => x.reason)).toContain('DH prime of 1024 bits (under 2048)');
  });
});

describe.skipIf(!hasOpenssl)('DH groups per suite strength', () => {
  it('ADH-AES256 gets 3072 bits and ADH-AES128 1024 from the same server: the weakest, 1024, is reported', async () => {
    // OpenSSL sizes an anonymous suite's prime by the cipher's strength; with its own order the server
    // answers an offer of both with the 256-bit suite, so one handshake per family would see 3072 only.
    const port = await opensslServer(pki, [
      '-no_tls1_3',
      '-serverpref',
      '-cipher',
      'DHE-RSA-AES256-SHA:ADH-AES256-SHA:ADH-AES128-SHA:@SECLEVEL=0',
    ]);
    const r = await inspect(inspector(), {
      target: `localhost:${port}`,
      scan: true,
      caPem: pki.root.certPem,
    });
    expect((r.scan!.dhGroups ?? []).map((g) => `${g.family} ${g.primeBits} ${g.suite}`).sort()).toEqual([
      'DHE_RSA 2048 DHE-RSA-AES256-SHA',
      'DH_anon 1024 ADH-AES128-SHA',
      'DH_anon 3072 ADH-AES256-SHA',
    ]);
    expect(r.scan!.dhPrimeBits).toBe(1024);
    expect(r.scan!.weaknesses.find((w) => w.id === 'weak-dh')).toMatchObject({ status: 'vulnerable' });
    expect(r.scan!.weaknesses.find((w) => w.id === 'weak-dh')?.detail).toMatch(
      /DH_anon 1024 bits \(ADH-AES128-SHA/,
    );
  });
});

describe.skipIf(!hasOpenssl)('a server with only anonymous suites', () => {
  it('is reported, not failed: no certificate (critical, grade T), anonymous suites and their DH prime', async () => {
    const port = await opensslServer(pki, ['-no_tls1_3', '-cipher', 'ADH-AES128-SHA:@SECLEVEL=0']);
    const r = await inspect(inspector(), {
      target: `localhost:${port}`,
      scan: true,
      caPem: pki.root.certPem,
    });
    expect(r.certificates).toEqual([]);
    expect(problem(r, 'no-certificate')).toMatchObject({ severity: 'critical' });
    expect(r.validation).toMatchObject({ trusted: false, path: [] });
    // The runtime's refusal in words: OpenSSL's reason, not its error line with codes and source files.
    expect(r.handshake.runtimeError).toMatch(
      /^TLS_ERROR: .*alert handshake failure \(SSL alert number 40\)$/,
    );
    expect(r.handshake.runtimeError).not.toMatch(/routines|\.c:\d+/);
    expect(r.grade.grade).toBe('T');
    expect(r.grade.ignoringTrust).toBe('F');
    expect(r.scan!.weaknesses.find((w) => w.id === 'anonymous')?.status).toBe('vulnerable');
    expect(r.scan!.dhPrimeBits).toBe(1024);
    const text = reportToText(r, { color: false });
    expect(text).toMatch(/critical no-certificate +the server sent no certificate/);
    expect(text).toMatch(/^ Certificates\n {3}Sent +none {2}anonymous key exchange only$/m);
    const md = reportToMarkdown(r);
    expect(md).toContain('`no-certificate`');
    expect(md).toContain('## Certificates\n\nNone sent (anonymous key exchange only).');
  });
});

describe('CA:TRUE on the server certificate', () => {
  it('an issued leaf with CA:TRUE is a high problem', async () => {
    const leaf = buildCertificate(leafSpec(pki.intermediate, { ca: true }));
    const port = await tlsServer({ cert: pki.chain(leaf), key: leaf.keyPem });
    const r = await inspect(inspector(), { target: `localhost:${port}`, caPem: pki.root.certPem });
    expect(problem(r, 'leaf-is-ca')).toMatchObject({ severity: 'high', certIndex: 0 });
    expect(r.problemCount).toBeGreaterThan(0);
  });

  it('a self-signed server certificate with CA:TRUE (openssl req -x509 makes these) is flagged too', async () => {
    const cert = buildCertificate({ commonName: 'localhost', altNames: ['localhost'], ca: true });
    const port = await tlsServer({ cert: cert.certPem, key: cert.keyPem });
    const r = await inspect(inspector(), { target: `localhost:${port}` });
    expect(problem(r, 'leaf-is-ca')?.severity).toBe('low');
    expect(problem(r, 'self-signed')?.severity).toBe('critical');
  });
});

describe.skipIf(!hasOpenssl)('LUCKY13 and the server cipher order', () => {
  it('a CBC server in client order: LUCKY13 and cipher order are findings; with -serverpref only LUCKY13', async () => {
    const args = [
      '-no_tls1_3',
      '-cipher',
      'ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA:AES256-SHA256:@SECLEVEL=0',
    ];
    const clientOrder = await opensslServer(pki, args);
    const r = await inspect(inspector(), {
      target: `localhost:${clientOrder}`,
      scan: true,
      caPem: pki.root.certPem,
    });
    const w = (id: string) => r.scan!.weaknesses.find((x) => x.id === id);
    expect(w('lucky13')?.status).toBe('vulnerable');
    expect(w('lucky13')?.detail).toMatch(/TLSv1\.2 AES128-SHA/);
    expect(w('lucky13')?.detail).not.toMatch(/GCM/);
    expect(w('cipher-order')?.status).toBe('vulnerable');
    expect(w('cipher-order')?.detail).toMatch(/TLSv1\.2: client order/);

    const serverOrder = await opensslServer(pki, ['-serverpref', ...args]);
    const r2 = await inspect(inspector(), {
      target: `localhost:${serverOrder}`,
      scan: true,
      caPem: pki.root.certPem,
    });
    const w2 = (id: string) => r2.scan!.weaknesses.find((x) => x.id === id);
    expect(w2('cipher-order')).toMatchObject({ status: 'ok' });
    expect(w2('cipher-order')?.detail).toMatch(/TLSv1\.2: server order/);
    expect(w2('lucky13')?.status).toBe('vulnerable');
  });

  it('an AEAD-only server: no LUCKY13', async () => {
    const port = await tlsServer({
      cert: pki.chain(),
      key: pki.leaf.keyPem,
      maxVersion: 'TLSv1.2',
      ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256',
    });
    const r = await inspect(inspector(), {
      target: `localhost:${port}`,
      scan: true,
      caPem: pki.root.certPem,
    });
    expect(r.scan!.weaknesses.find((x) => x.id === 'lucky13')).toMatchObject({ status: 'ok' });
    expect(r.scan!.weaknesses.find((x) => x.id === 'cipher-order')?.status).toBe('not-applicable');
  });
});
