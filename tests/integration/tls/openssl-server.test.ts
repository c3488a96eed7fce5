// Legacy versions from a real TLS stack: `openssl s_server` limited to TLS 1.0/1.1 and two static-RSA
// CBC suites (this Debian build has no 3DES at all; the fake server covers that).
// Skipped (with this reason) where openssl is absent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../../helpers/pki';
import { inspect, inspector } from './helpers';
import { hasOpenssl, opensslServer } from './openssl';

let pki: TestPki;
beforeAll(() => {
  pki = createTestPki();
});
afterAll(() => pki.cleanup());

const sServer = (args: string[]): Promise<number> => opensslServer(pki, args);

describe.skipIf(!hasOpenssl)('scan of an openssl s_server (TLS 1.0/1.1 only)', () => {
  it('finds exactly TLS 1.0 and 1.1 with the two suites in server order, and grades them', async () => {
    const port = await sServer([
      '-no_tls1_2',
      '-no_tls1_3',
      '-serverpref',
      '-cipher',
      'AES256-SHA:AES128-SHA:@SECLEVEL=0',
    ]);
    const r = await inspect(inspector(), {
      target: `localhost:${port}`,
      scan: true,
      caPem: pki.root.certPem,
    });
    const supported = r.scan!.versions.filter((v) => v.supported);
    expect(supported.map((v) => v.version)).toEqual(['TLSv1', 'TLSv1.1']);
    for (const v of supported) {
      expect(v.suites.map((s) => s.openssl)).toEqual(['AES256-SHA', 'AES128-SHA']);
      expect(v.serverPreference).toBe(true);
    }
    expect(r.handshake.protocol).toBe('TLSv1.1');
    const status = Object.fromEntries(r.scan!.weaknesses.map((w) => [w.id, w.status]));
    expect(status).toMatchObject({
      sweet32: 'ok',
      'fallback-scsv': 'ok',
      heartbleed: 'ok',
      'ccs-injection': 'ok',
      'secure-renegotiation': 'ok',
      compression: 'ok',
      rc4: 'ok',
    });
    expect(r.grade.ignoringTrust).toBe('C');
    expect(r.validation.trusted).toBe(true);
  });
});
