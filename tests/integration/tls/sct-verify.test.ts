// SCT verification over real sockets, with a CT log list injected that holds two logs made in the test:
// a node:tls server whose certificate embeds SCTs from both and whose stapled OCSP response carries one
// more (signed over the final certificate); `openssl s_server -serverinfo` sending SCTs in the TLS
// extension. The inspector must name each log and verify each signature. Loopback only.
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { closeServer, listen } from '../../../src/main/engines/common/net';
import { buildCertificate } from '../../../src/main/engines/common/x509-builder';
import { TlsInspector } from '../../../src/main/engines/tls/inspector';
import { reportToMarkdown } from '../../../src/main/engines/tls/report-markdown';
import { reportToText } from '../../../src/main/engines/tls/report-text';
import {
  createTestLog,
  sctList,
  signSct,
  testLogList,
  v3LogList,
  withEmbeddedScts,
  type TestCtLog,
} from '../../helpers/ct-log';
import { cli } from '../../helpers/cli';
import { createTestPki, leafSpec, type TestPki } from '../../helpers/pki';
import { inspect, problemCodes } from './helpers';
import { buildOcspResponse } from './ocsp-helper';
import { hasOpenssl, opensslServer } from './openssl';

let pki: TestPki;
let logA: TestCtLog;
let logB: TestCtLog;
beforeAll(() => {
  pki = createTestPki();
  logA = createTestLog('Wirelab Test Log A', 'Test Operator A');
  logB = createTestLog('Wirelab Test Log B', 'Test Operator B', {}, 'rsa');
});
afterAll(() => pki.cleanup());

const DAY = 86_400_000;
const withLogs = (logs: TestCtLog[]) => {
  const i = new TlsInspector({ ctLogs: testLogList(logs) });
  onTestFinished(() => i.close());
  return i;
};

describe('SCT verification over real sockets', () => {
  it('embedded SCTs and one in the stapled OCSP response: every log named, every signature verified', async () => {
    const at = Date.now() - DAY;
    const leaf = withEmbeddedScts(
      buildCertificate(leafSpec(pki.intermediate, { ocspUrl: undefined })),
      pki.intermediate,
      [
        { log: logA, at },
        { log: logB, at },
      ],
    );
    const stapledSct = signSct(logA, { kind: 'x509', certDer: leaf.der }, at);
    const staple = buildOcspResponse(leaf, pki.intermediate, 'good', new Date(Date.now() - 60_000), {
      sctList: sctList([stapledSct]),
    });
    const server = createTlsServer({ cert: pki.chain(leaf), key: leaf.keyPem }, (s) => s.end());
    server.on('OCSPRequest', (_c: Buffer, _i: Buffer, cb: (err: Error | null, resp: Buffer) => void) =>
      cb(null, Buffer.from(staple)),
    );
    server.on('tlsClientError', () => undefined);
    const { port } = await listen(server, 0, '127.0.0.1');
    onTestFinished(() => closeServer(server));

    const r = await inspect(withLogs([logA, logB]), { target: `localhost:${port}`, caPem: pki.root.certPem });
    expect(r.scts?.map((s) => [s.source, s.log?.name, s.log?.operator, s.verification])).toEqual([
      ['certificate', 'Wirelab Test Log A', 'Test Operator A', 'verified'],
      ['certificate', 'Wirelab Test Log B', 'Test Operator B', 'verified'],
      ['ocsp', 'Wirelab Test Log A', 'Test Operator A', 'verified'],
    ]);
    // A private CA (the root came from caPem): CT is not required, and nothing is raised.
    expect(r.ct).toMatchObject({ scope: 'private', verdict: 'not-required', tlsDeliveryObserved: true });
    expect(problemCodes(r).filter((c) => c.includes('sct') || c.startsWith('ct-'))).toEqual([]);
    const md = reportToMarkdown(r);
    expect(md).toContain('## Certificate transparency');
    expect(md).toContain('Wirelab Test Log B (Test Operator B, usable since 2024-01-01)');
    const text = reportToText(r, { color: false });
    expect(text).toMatch(/CT policy\s+not required/);
    expect(text).toMatch(
      /SCT 3\s+verified\s+stapled OCSP · .* · Wirelab Test Log A \(Test Operator A, usable/,
    );
  });

  it('an embedded SCT from a log not in the list is "unknown log"; a corrupted one fails with sct-invalid', async () => {
    const at = Date.now() - DAY;
    const stranger = createTestLog('Stranger', 'Nobody');
    const leaf = withEmbeddedScts(
      buildCertificate(leafSpec(pki.intermediate)),
      pki.intermediate,
      [
        { log: logA, at },
        { log: stranger, at },
      ],
      ([a, b]) => {
        const bad = Buffer.from(a!);
        bad[bad.length - 3] = (bad[bad.length - 3] ?? 0) ^ 0xff;
        return [bad, b!];
      },
    );
    const server = createTlsServer({ cert: pki.chain(leaf), key: leaf.keyPem }, (s) => s.end());
    server.on('tlsClientError', () => undefined);
    const { port } = await listen(server, 0, '127.0.0.1');
    onTestFinished(() => closeServer(server));
    const r = await inspect(withLogs([logA]), { target: `localhost:${port}`, caPem: pki.root.certPem });
    expect(r.scts?.map((s) => s.verification)).toEqual(['failed', 'unknown-log']);
    expect(problemCodes(r)).toContain('sct-invalid');
    expect(r.validation.problems.find((p) => p.code === 'sct-invalid')?.severity).toBe('medium');
  });

  it.skipIf(!hasOpenssl)(
    'SCTs in the TLS extension (s_server -serverinfo) verify over the leaf',
    async () => {
      const leaf = buildCertificate(leafSpec(pki.intermediate, { keySpec: 'rsa-2048' }));
      const at = Date.now() - DAY;
      const list = sctList([
        signSct(logA, { kind: 'x509', certDer: leaf.der }, at),
        signSct(logB, { kind: 'x509', certDer: leaf.der }, at),
      ]);
      const data = Buffer.concat([Buffer.from([0, 18, list.length >> 8, list.length & 0xff]), list]);
      const info = pki.file(
        'sct-serverinfo.pem',
        `-----BEGIN SERVERINFO FOR localhost-----\n${data.toString('base64')}\n-----END SERVERINFO FOR localhost-----\n`,
      );
      const port = await opensslServer(pki, ['-serverinfo', info, '-no_tls1_3'], leaf);
      const r = await inspect(withLogs([logA, logB]), {
        target: `localhost:${port}`,
        caPem: pki.root.certPem,
      });
      expect(r.scts?.map((s) => [s.source, s.log?.name, s.verification])).toEqual([
        ['tls-extension', 'Wirelab Test Log A', 'verified'],
        ['tls-extension', 'Wirelab Test Log B', 'verified'],
      ]);
    },
  );

  it('wirelab tls inspect --ct-log-list FILE verifies with that list (Chrome v3 format)', async () => {
    const at = Date.now() - DAY;
    const leaf = withEmbeddedScts(buildCertificate(leafSpec(pki.intermediate)), pki.intermediate, [
      { log: logA, at },
      { log: logB, at },
    ]);
    const server = createTlsServer({ cert: pki.chain(leaf), key: leaf.keyPem }, (s) => s.end());
    server.on('tlsClientError', () => undefined);
    const { port } = await listen(server, 0, '127.0.0.1');
    onTestFinished(() => closeServer(server));
    const ca = pki.file('sct-ca.pem', pki.root.certPem);
    const list = pki.file('sct-log-list.json', JSON.stringify(v3LogList([logA, logB])));
    const args = ['tls', 'inspect', `localhost:${port}`, '--ca', ca, '--no-system-store', '--http', 'never'];
    const r = await cli([...args, '--no-resumption', '--no-revocation', '--ct-log-list', list, '--json']);
    expect(r.code, r.err).toBe(0);
    const rec = JSON.parse(r.out.trim().split('\n')[0] ?? '{}') as { scts: Array<{ verification: string }> };
    expect(rec.scts.map((s) => s.verification)).toEqual(['verified', 'verified']);
    // Without it, the bundled list does not know the test logs.
    const plain = await cli([...args, '--no-resumption', '--no-revocation', '--json']);
    const rec2 = JSON.parse(plain.out.trim().split('\n')[0] ?? '{}') as {
      scts: Array<{ verification: string }>;
    };
    expect(rec2.scts.map((s) => s.verification)).toEqual(['unknown-log', 'unknown-log']);
    const missing = await cli([...args, '--ct-log-list', pki.file('empty.json', '{}')]);
    expect(missing.err).toMatch(/INVALID_INPUT|no usable log/);
  });
});
