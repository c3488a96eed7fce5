// Client simulation against servers built here: real ClientHellos of named clients, sent raw. A TLS
// 1.3-only server is out of reach for the old clients and reachable for current ones; a TLS 1.0-only
// server the reverse. The verdict names the protocol, suite, group and ALPN, or why the handshake fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_HELLOS } from '../../../src/main/engines/tls/client-hellos';
import { parseClientHello, rebuildClientHello } from '../../../src/main/engines/tls/clients';
import type { TlsReport } from '../../../src/shared/contract/tls';
import { createTestPki, type TestPki } from '../../helpers/pki';
import { inspect, inspector, tlsServer } from './helpers';
import { hasOpenssl, opensslServer } from './openssl';

let pki: TestPki;
beforeAll(() => {
  pki = createTestPki();
});
afterAll(() => pki.cleanup());

const OLD = [
  'ie_8_win7',
  'ie_11_win7',
  'android_43',
  'android_442',
  'java_7u25',
  'java_8u31',
  'openssl_102e',
];
const CURRENT = [
  'chromium_137_win11',
  'firefox_137_win11',
  'safari_264_all',
  'edge_133_win11_23h2',
  'curl_7881',
  'java_1703_2106',
];

const NO_TLS10 = [
  'chromium_137_win11',
  'firefox_137_win11',
  'safari_264_all',
  'edge_133_win11_23h2',
  'java_1703_2106',
  'python_3_ssl',
  'node_20',
];

const byId = (r: TlsReport) => new Map((r.clients ?? []).map((c) => [c.id, c]));

describe('client data', () => {
  it('at least 25 named clients, each with a source and a parseable ClientHello', () => {
    expect(CLIENT_HELLOS.length).toBeGreaterThanOrEqual(25);
    expect(new Set(CLIENT_HELLOS.map((c) => c.id)).size).toBe(CLIENT_HELLOS.length);
    for (const c of CLIENT_HELLOS) {
      expect(c.source).not.toBe('');
      const p = parseClientHello(Buffer.from(c.hello, 'hex'));
      expect(p.suites.length).toBeGreaterThan(0);
      // Rebuilt with another name, the hello parses to the same offer.
      const again = parseClientHello(rebuildClientHello(p, 'example.test'));
      expect(again.suites).toEqual(p.suites);
      expect(again.versions).toEqual(p.versions);
    }
  });
});

describe('simulation', () => {
  it('a TLS 1.3-only server: old clients fail with a reason, current ones get TLS 1.3, a group and h2', async () => {
    const port = await tlsServer({
      cert: pki.chain(),
      key: pki.leaf.keyPem,
      minVersion: 'TLSv1.3',
      ALPNProtocols: ['h2', 'http/1.1'],
    });
    const r = await inspect(inspector(), {
      target: `localhost:${port}`,
      caPem: pki.root.certPem,
      clients: true,
    });
    const c = byId(r);
    expect(c.size).toBe(CLIENT_HELLOS.length);
    for (const id of OLD) {
      expect(c.get(id), id).toMatchObject({ ok: false });
      expect(c.get(id)?.reason, id).toMatch(/protocol version|refused|alert/);
    }
    for (const id of CURRENT) {
      expect(c.get(id), id).toMatchObject({ ok: true, protocol: 'TLSv1.3', forwardSecret: true });
      expect(c.get(id)?.group, id).toMatch(/x25519|secp256r1|X25519MLKEM768/i);
    }
    expect(c.get('chromium_137_win11')?.alpn).toBe('h2');
    expect(c.get('curl_7881')?.alpn).toBe('h2');
    // .NET: on Linux OpenSSL 3 gets TLS 1.3 (HttpClient's HTTP/1.1 connections offer no ALPN); Windows
    // 10's SChannel has no TLS 1.3.
    expect(c.get('dotnet_8_linux')).toMatchObject({ ok: true, protocol: 'TLSv1.3', group: 'x25519' });
    expect(c.get('dotnet_8_linux')?.alpn).toBeUndefined();
    expect(c.get('dotnet_win10_schannel')).toMatchObject({ ok: false });
    expect(c.get('dotnet_win10_schannel')?.reason).toMatch(/protocol version|refused|alert/);
  });

  it.skipIf(!hasOpenssl)(
    'a TLS 1.0-only server: old clients connect with TLS 1.0, current ones cannot',
    async () => {
      const port = await opensslServer(pki, ['-tls1', '-cipher', 'DEFAULT:@SECLEVEL=0']);
      const r = await inspect(inspector(), {
        target: `localhost:${port}`,
        caPem: pki.root.certPem,
        clients: true,
      });
      const c = byId(r);
      for (const id of OLD) expect(c.get(id), id).toMatchObject({ ok: true, protocol: 'TLSv1' });
      expect(c.get('ie_8_win7')?.suite).toMatch(/^(ECDHE-RSA-|DHE-RSA-)?AES(128|256)-SHA$/);
      // Judged by what each hello offers: these current clients no longer offer TLS 1.0 at all.
      for (const id of NO_TLS10) {
        expect(c.get(id), id).toMatchObject({ ok: false });
        expect(c.get(id)?.reason, id).toMatch(/no common protocol version/);
      }
      // SChannel's defaults still include TLS 1.0 with CBC suites; .NET's own OpenSSL cipher string has
      // no suite that TLS 1.0 can use, although OpenSSL still lists TLS 1.0 among its versions.
      expect(c.get('dotnet_win10_schannel')).toMatchObject({ ok: true, protocol: 'TLSv1' });
      expect(c.get('dotnet_8_linux')).toMatchObject({ ok: false });
    },
  );
});
