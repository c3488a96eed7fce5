// Real SCTs from a real certificate, checked against the bundled CT log list: proves the bundled keys,
// the precertificate TBSCertificate reconstruction and the signed struct against what real logs signed
// (certificates in ct-fixtures/, see the README there).
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { bundledCtLogList } from '../../../src/main/engines/tls/ct-logs';
import { verifyScts } from '../../../src/main/engines/tls/ct-verify';
import { parseSctList, unwrapOctetString } from '../../../src/main/engines/tls/sct';

const der = (name: string) =>
  new Uint8Array(new X509Certificate(readFileSync(join(import.meta.dirname, 'ct-fixtures', name))).raw);
const leaf = der('www.google.com-2023.pem');
const issuer = der('gts-ca-1c3.pem');
const embedded = (d: Uint8Array) => {
  const ext = AsnConvert.parse(d, Certificate).tbsCertificate.extensions?.find(
    (e) => e.extnID === '1.3.6.1.4.1.11129.2.4.2',
  );
  return parseSctList(
    unwrapOctetString(new Uint8Array(ext?.extnValue.buffer ?? new ArrayBuffer(0))),
    'certificate',
  );
};

describe('bundled CT log list', () => {
  const list = bundledCtLogList();
  it('is dated, sourced, and every log id is the SHA-256 of its key', async () => {
    const { createHash } = await import('node:crypto');
    expect(list.snapshot).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(list.source).toContain('https://www.gstatic.com/ct/log_list/v3/all_logs_list.json');
    expect(list.logs.size).toBeGreaterThan(100);
    for (const [id, log] of list.logs)
      expect(createHash('sha256').update(Buffer.from(log.key, 'base64')).digest('base64')).toBe(id);
  });

  it("names and verifies www.google.com's embedded SCTs (Nimbus2023, Argon2023)", () => {
    const scts = embedded(leaf);
    expect(scts).toHaveLength(2);
    const out = verifyScts(scts, { leafDer: leaf, issuerDer: issuer, logs: list, now: Date.now() });
    expect(out.map((s) => [s.log?.name, s.log?.operator, s.verification])).toEqual([
      ["Cloudflare 'Nimbus2023' Log", 'Cloudflare', 'verified'],
      ["Google 'Argon2023' log", 'Google', 'verified'],
    ]);
    // Chrome lists both shards as rejected since they ended: said so, in words.
    expect(out[0]?.issues?.[0]?.message).toMatch(/shard ended on 2024-01-01/);
  });

  it('one flipped byte of the real certificate breaks both', () => {
    const tampered = Buffer.from(leaf);
    const at = tampered.indexOf(Buffer.from('www.google.com'));
    tampered[at] = 'v'.charCodeAt(0); // "vww.google.com" in the subject
    const out = verifyScts(embedded(tampered), {
      leafDer: tampered,
      issuerDer: issuer,
      logs: list,
      now: Date.now(),
    });
    expect(out.map((s) => s.verification)).toEqual(['failed', 'failed']);
  });
});
