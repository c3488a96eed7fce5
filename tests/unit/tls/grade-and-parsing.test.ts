import { describe, expect, it } from 'vitest';
import { computeGrade } from '../../../src/main/engines/tls/grade';
import { parseTarget } from '../../../src/main/engines/tls/inspector';
import { opensslWords, parseHsts } from '../../../src/main/engines/tls/handshake';
import { HandshakeBudget } from '../../../src/main/engines/tls/budget';
import type { TlsHandshake, TlsScanResult, TlsWeakness } from '../../../src/shared/contract/tls';

const strong = {
  code: 0x1301,
  hex: '0x1301',
  name: 'TLS_AES_128_GCM_SHA256',
  kx: 'ANY',
  auth: 'ANY',
  cipher: 'AES_128_GCM',
  bits: 128,
  strength: 'strong' as const,
  forwardSecret: true,
};
const hs = (protocol: string, extra: Partial<TlsHandshake> = {}): TlsHandshake => ({
  protocol,
  cipher: strong,
  cipherOpenssl: strong.name,
  resolvedAddress: '127.0.0.1',
  ocsp: { present: false },
  ...extra,
});
const w = (id: string, status: TlsWeakness['status'] = 'vulnerable'): TlsWeakness => ({
  id,
  title: id,
  status,
  severity: 'high',
  explanation: '',
  detail: '',
  reference: '',
});
const scan = (
  versions: string[],
  weaknesses: TlsWeakness[] = [],
  extra: Partial<TlsScanResult> = {},
): TlsScanResult => ({
  versions: versions.map((v) => ({ version: v as 'TLSv1.2', supported: true, suites: [strong] })),
  sslv2Ciphers: [],
  groups: [],
  weaknesses,
  handshakes: 1,
  durationMs: 1,
  ...extra,
});

describe('grade rubric', () => {
  it('handshake only: A at best, marked incomplete; old protocol caps at B', () => {
    expect(computeGrade({ handshake: hs('TLSv1.3'), problems: [] })).toMatchObject({
      grade: 'A',
      complete: false,
    });
    expect(computeGrade({ handshake: hs('TLSv1'), problems: [] }).grade).toBe('B');
  });

  it('A+ needs the scan, TLS 1.3 and HSTS of 180 days', () => {
    const hsts = { probed: true, maxAgeSeconds: 15_552_000 };
    expect(
      computeGrade({ handshake: hs('TLSv1.3', { hsts }), problems: [], scan: scan(['TLSv1.2', 'TLSv1.3']) })
        .grade,
    ).toBe('A+');
    expect(
      computeGrade({
        handshake: hs('TLSv1.3', { hsts: { probed: true, maxAgeSeconds: 100 } }),
        problems: [],
        scan: scan(['TLSv1.2', 'TLSv1.3']),
      }).grade,
    ).toBe('A');
  });

  it('caps: the lowest applies and every reason is listed', () => {
    const g = computeGrade({
      handshake: hs('TLSv1.2'),
      problems: [],
      scan: scan(['SSLv3', 'TLSv1', 'TLSv1.2'], [w('sslv3'), w('rc4'), w('heartbleed')]),
    });
    expect(g.grade).toBe('F');
    expect(g.reasons.map((r) => r.cap)).toEqual(expect.arrayContaining(['F', 'C', 'C', 'B']));
    expect(
      computeGrade({ handshake: hs('TLSv1.2'), problems: [], scan: scan(['TLSv1.2'], [w('fallback-scsv')]) })
        .grade,
    ).toBe('A-');
    expect(
      computeGrade({
        handshake: hs('TLSv1.2'),
        problems: [],
        scan: scan(['TLSv1.2'], [], { dhPrimeBits: 1024 }),
      }).grade,
    ).toBe('B');
  });

  it('trust problems give T with the grade the server would otherwise have', () => {
    const g = computeGrade({
      handshake: hs('TLSv1.3'),
      problems: [{ code: 'expired', severity: 'critical', message: 'expired' }],
    });
    expect(g).toMatchObject({ grade: 'T', ignoringTrust: 'A' });
    expect(g.reasons.at(-1)).toEqual({ cap: 'T', reason: 'expired' });
  });
});

describe('targets, HSTS, budget', () => {
  it('parses host, host:port, [v6]:port, bare v6 and URLs', () => {
    expect(parseTarget('example.com', undefined, 443)).toEqual({ host: 'example.com', port: 443 });
    expect(parseTarget('example.com:8443', undefined, 443)).toEqual({ host: 'example.com', port: 8443 });
    expect(parseTarget('[::1]:9443', undefined, 443)).toEqual({ host: '::1', port: 9443 });
    expect(parseTarget('::1', undefined, 443)).toEqual({ host: '::1', port: 443 });
    expect(parseTarget('https://example.com:444/path', undefined, 443)).toEqual({
      host: 'example.com',
      port: 444,
    });
    expect(parseTarget('example.com:1', 25, 443)).toEqual({ host: 'example.com', port: 25 });
    expect(() => parseTarget('example.com:0', undefined, 443)).toThrow(
      expect.objectContaining({ code: 'PORT_OUT_OF_RANGE' }),
    );
  });

  it('parses HSTS directives', () => {
    expect(parseHsts('max-age=31536000; includeSubDomains; preload')).toEqual({
      maxAgeSeconds: 31536000,
      includeSubDomains: true,
      preload: true,
    });
    expect(parseHsts('max-age="600"')).toEqual({
      maxAgeSeconds: 600,
      includeSubDomains: false,
      preload: false,
    });
  });

  it('the handshake budget never exceeds its concurrency and counts every run', async () => {
    const b = new HandshakeBudget(3, 0, 100);
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        b.run(async () => {
          active++;
          peak = Math.max(peak, active);
          await new Promise((r) => setTimeout(r, 2));
          active--;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(b.count).toBe(20);
    const small = new HandshakeBudget(2, 0, 1);
    await small.run(async () => undefined);
    await expect(small.run(async () => undefined)).rejects.toMatchObject({ code: 'TLS_SCAN_LIMIT' });
  });
});

describe('opensslWords', () => {
  it("keeps an OpenSSL error line's reason and data, drops the codes and the source file", () => {
    expect(
      opensslWords(
        '80BCB001497F0000:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 40\n',
      ),
    ).toBe('sslv3 alert handshake failure (SSL alert number 40)');
    expect(
      opensslWords(
        '40E7C9D1A67F0000:error:0A00018A:SSL routines:tls_process_ske_dhe:dh key too small:../ssl/statem/statem_clnt.c:2100:',
      ),
    ).toBe('dh key too small');
    expect(opensslWords('Client network socket disconnected')).toBe('Client network socket disconnected');
  });
});
