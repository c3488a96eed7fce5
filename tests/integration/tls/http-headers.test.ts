// HTTP security headers of the HTTPS answer, judged from a real server's HEAD / response: a hardened
// answer is all ok; a bare one lists what is missing; weak values, loose cookies and a versioned banner
// are called out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportToText } from '../../../src/main/engines/tls/report-text';
import { createTestPki, type TestPki } from '../../helpers/pki';
import { inspect, inspector, tlsServer } from './helpers';

let pki: TestPki;
beforeAll(() => {
  pki = createTestPki();
});
afterAll(() => pki.cleanup());

async function serverWith(headers: string[]): Promise<number> {
  return tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem }, (s) => {
    s.on('data', () =>
      s.end(`HTTP/1.1 200 OK\r\n${headers.map((h) => `${h}\r\n`).join('')}Content-Length: 0\r\n\r\n`),
    );
  });
}

const statuses = (r: Awaited<ReturnType<typeof inspect>>) =>
  Object.fromEntries((r.handshake.hsts?.securityHeaders ?? []).map((f) => [f.id, f.status]));

describe('HTTP security headers', () => {
  it('a hardened answer: every header ok, cookie flags complete, a banner without version is info', async () => {
    const port = await serverWith([
      'Strict-Transport-Security: max-age=63072000; includeSubDomains; preload',
      "Content-Security-Policy: default-src 'self'; frame-ancestors 'none'",
      'X-Content-Type-Options: nosniff',
      'Referrer-Policy: strict-origin-when-cross-origin',
      'Set-Cookie: sid=1; Secure; HttpOnly; SameSite=Lax',
      'Server: nginx',
    ]);
    const r = await inspect(inspector(), {
      target: `localhost:${port}`,
      caPem: pki.root.certPem,
      http: 'always',
    });
    expect(statuses(r)).toEqual({
      hsts: 'ok',
      csp: 'ok',
      framing: 'ok',
      nosniff: 'ok',
      referrer: 'ok',
      'cookie:sid': 'ok',
      'banner:server': 'info',
    });
  });

  it('a bare answer: missing headers, weak HSTS and CSP, a loose cookie, a versioned banner', async () => {
    const port = await serverWith([
      'Strict-Transport-Security: max-age=600; preload',
      "Content-Security-Policy: script-src 'self' 'unsafe-inline'",
      'X-Frame-Options: ALLOW-FROM https://x.example',
      'Set-Cookie: session=abc; Path=/',
      'Server: Apache/2.4.1 (Unix)',
      'X-Powered-By: PHP/5.6.40',
    ]);
    const r = await inspect(inspector(), {
      target: `localhost:${port}`,
      caPem: pki.root.certPem,
      http: 'always',
    });
    expect(statuses(r)).toEqual({
      hsts: 'weak',
      csp: 'weak',
      framing: 'weak',
      nosniff: 'missing',
      referrer: 'missing',
      'cookie:session': 'weak',
      'banner:server': 'weak',
      'banner:x-powered-by': 'weak',
    });
    const f = (id: string) => r.handshake.hsts?.securityHeaders?.find((x) => x.id === id)?.detail;
    expect(f('cookie:session')).toBe('without Secure, HttpOnly, SameSite');
    expect(f('hsts')).toMatch(/max-age 600 s, preload \(under 180 days\); preload asked but/);
    const text = reportToText(r, { color: false });
    expect(text).toMatch(/^ HTTP security headers$/m);
    expect(text).toMatch(/^ {3}X-Content-Type-Options +missing/m);
  });
});
