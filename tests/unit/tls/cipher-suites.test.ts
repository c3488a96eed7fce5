import { describe, expect, it } from 'vitest';
import { getCiphers } from 'node:tls';
import { spawnSync } from 'node:child_process';
import { buildSuiteTable } from '../../../src/main/engines/tls/cipher-suites';

const table = buildSuiteTable();

describe('cipher-suite table', () => {
  it('holds the registry: unique codes, TLS 1.3 suites included', () => {
    expect(table.all.length).toBeGreaterThan(320);
    expect(new Set(table.all.map((s) => s.code)).size).toBe(table.all.length);
    expect(table.byCode(0x1301)?.name).toBe('TLS_AES_128_GCM_SHA256');
    expect(table.byCode(0x1301)?.tls13).toBe(true);
  });

  it('gives the OpenSSL name of every suite node:tls knows (same rules, checked against the runtime)', () => {
    const known = new Set(table.all.map((s) => s.openssl?.toLowerCase()).filter(Boolean));
    const missing = getCiphers().filter((c) => !known.has(c));
    expect(missing).toEqual([]);
  });

  it('parses meaning and strength', () => {
    const s = table.byCode(0xc02f)!;
    expect(s).toMatchObject({
      openssl: 'ECDHE-RSA-AES128-GCM-SHA256',
      kx: 'ECDHE',
      auth: 'RSA',
      cipher: 'AES_128_GCM',
      bits: 128,
      aead: true,
      forwardSecret: true,
      strength: 'strong',
    });
    expect(table.byCode(0x000a)).toMatchObject({
      openssl: 'DES-CBC3-SHA',
      tripleDes: true,
      bits: 112,
      strength: 'weak',
      forwardSecret: false,
    });
    expect(table.byCode(0x0005)).toMatchObject({ openssl: 'RC4-SHA', rc4: true, strength: 'insecure' });
    expect(table.byCode(0x0003)).toMatchObject({
      openssl: 'EXP-RC4-MD5',
      export: true,
      bits: 40,
      strength: 'insecure',
    });
    expect(table.byCode(0x0014)?.openssl).toBe('EXP-EDH-RSA-DES-CBC-SHA');
    expect(table.byCode(0x0034)).toMatchObject({
      openssl: 'ADH-AES128-SHA',
      anonymous: true,
      strength: 'insecure',
    });
    expect(table.byCode(0x0002)).toMatchObject({ nullCipher: true, strength: 'insecure' });
    expect(table.byCode(0xcca8)).toMatchObject({
      openssl: 'ECDHE-RSA-CHACHA20-POLY1305',
      bits: 256,
      strength: 'strong',
    });
    expect(table.byCode(0xc013)).toMatchObject({
      openssl: 'ECDHE-RSA-AES128-SHA',
      strength: 'weak',
      aead: false,
    });
    expect(table.byName('ecdhe-rsa-aes128-gcm-sha256')?.code).toBe(0xc02f);
  });
});

describe('cipher-suite table against the openssl binary', () => {
  const listing = spawnSync('openssl', ['ciphers', '-V', 'ALL:COMPLEMENTOFALL:@SECLEVEL=0'], {
    encoding: 'utf8',
  });
  it.skipIf(listing.status !== 0)(
    'every code point openssl lists has the same OpenSSL name here (skipped only where openssl is not installed)',
    () => {
      const mismatches: string[] = [];
      for (const line of listing.stdout.split('\n')) {
        const m = /0x([0-9A-F]{2}),0x([0-9A-F]{2}) - (\S+)/.exec(line);
        if (!m) continue;
        const code = Number.parseInt(`${m[1]}${m[2]}`, 16);
        const ours = table.byCode(code);
        if (ours?.openssl !== m[3])
          mismatches.push(`${m[1]}${m[2]} openssl=${m[3]} ours=${ours?.openssl ?? 'missing'}`);
      }
      expect(mismatches).toEqual([]);
    },
  );
});
