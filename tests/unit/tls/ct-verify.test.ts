// SCT verification with a CT log made in the test: SCTs signed over an x509 entry and over a
// precertificate, then checked by the inspector's code with a log list that holds that log. Tampering
// with one byte of the signature or of the certificate must make it fail, with the reason.
import { describe, expect, it } from 'vitest';
import { buildCertificate } from '../../../src/main/engines/common/x509-builder';
import { precertTbs, spkiOf, verifyScts } from '../../../src/main/engines/tls/ct-verify';
import { parseSctList } from '../../../src/main/engines/tls/sct';
import { createTestLog, sctList, signSct, testLogList, withEmbeddedScts } from '../../helpers/ct-log';
import { leafSpec } from '../../helpers/pki';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';

const DAY = 86_400_000;
const now = Date.now();
const root = buildCertificate({ commonName: 'CT Test Root', ca: true });
const issuer = buildCertificate({ commonName: 'CT Test Intermediate', ca: true, issuer: root });
const leaf = buildCertificate(leafSpec(issuer));
const logA = createTestLog('Test Log A', 'Operator A');
const logB = createTestLog('Test Log B', 'Operator B', {}, 'rsa');
const logs = testLogList([logA, logB]);
const embeddedList = (der: Uint8Array) => {
  const ext = AsnConvert.parse(der, Certificate).tbsCertificate.extensions?.find(
    (e) => e.extnID === '1.3.6.1.4.1.11129.2.4.2',
  );
  if (!ext) throw new Error('no SCT list');
  // extnValue holds an OCTET STRING whose contents are the TLS-encoded list
  const v = new Uint8Array(ext.extnValue.buffer);
  return v.subarray(v[1]! < 0x80 ? 2 : 2 + (v[1]! & 0x7f));
};
const flip = (b: Buffer, at: number) => {
  const c = Buffer.from(b);
  c[at] = (c[at] ?? 0) ^ 0x01;
  return c;
};

describe('SCTs delivered by TLS (x509_entry)', () => {
  const at = now - DAY;
  it('an ECDSA and an RSA signature over the leaf verify; the logs are named with their state', () => {
    const list = sctList([
      signSct(logA, { kind: 'x509', certDer: leaf.der }, at),
      signSct(logB, { kind: 'x509', certDer: leaf.der }, at, Buffer.from([1, 2, 3])),
    ]);
    const out = verifyScts(parseSctList(list, 'tls-extension'), { leafDer: leaf.der, logs, now });
    expect(out.map((s) => [s.log?.name, s.log?.operator, s.log?.state, s.verification])).toEqual([
      ['Test Log A', 'Operator A', 'usable', 'verified'],
      ['Test Log B', 'Operator B', 'usable', 'verified'],
    ]);
    expect(out[1]?.signatureAlgorithm).toBe('rsa-sha256');
    expect(out[1]?.extensions).toBe(Buffer.from([1, 2, 3]).toString('base64'));
  });

  it('one flipped byte in the signature: failed, with the reason', () => {
    const sct = signSct(logA, { kind: 'x509', certDer: leaf.der }, at);
    const [out] = verifyScts(parseSctList(sctList([flip(sct, sct.length - 5)]), 'ocsp'), {
      leafDer: leaf.der,
      logs,
      now,
    });
    expect(out?.verification).toBe('failed');
    expect(out?.verificationDetail).toMatch(/does not verify with the log's key/);
  });

  it('an SCT for another certificate does not verify for this one', () => {
    const other = buildCertificate(leafSpec(issuer));
    const sct = signSct(logA, { kind: 'x509', certDer: other.der }, at);
    const [out] = verifyScts(parseSctList(sctList([sct]), 'tls-extension'), { leafDer: leaf.der, logs, now });
    expect(out?.verification).toBe('failed');
  });

  it('a log not in the list: unknown-log, nothing verified', () => {
    const stranger = createTestLog('Stranger', 'Nobody');
    const sct = signSct(stranger, { kind: 'x509', certDer: leaf.der }, at);
    const [out] = verifyScts(parseSctList(sctList([sct]), 'tls-extension'), { leafDer: leaf.der, logs, now });
    expect(out?.verification).toBe('unknown-log');
    expect(out?.log).toBeUndefined();
    expect(out?.verificationDetail).toMatch(/not in the bundled CT log list/);
  });

  it('a future timestamp and a log retired before the timestamp are flagged', () => {
    const retired = createTestLog('Old Log', 'Operator C', {
      state: 'retired',
      stateAt: new Date(now - 10 * DAY).toISOString(),
    });
    const list = testLogList([logA, retired]);
    const out = verifyScts(
      parseSctList(
        sctList([
          signSct(logA, { kind: 'x509', certDer: leaf.der }, now + 2 * DAY),
          signSct(retired, { kind: 'x509', certDer: leaf.der }, now - DAY),
        ]),
        'tls-extension',
      ),
      { leafDer: leaf.der, logs: list, now },
    );
    expect(out[0]?.verification).toBe('verified');
    expect(out[0]?.issues?.map((i) => i.code)).toEqual(['future-timestamp']);
    expect(out[1]?.issues?.map((i) => i.code)).toEqual(['after-retirement']);
    expect(out[1]?.log?.state).toBe('retired');
  });
});

describe('SCTs embedded in the certificate (precert_entry)', () => {
  const at = now - DAY;
  const cert = withEmbeddedScts(leaf, issuer, [
    { log: logA, at },
    { log: logB, at },
  ]);

  it('the precertificate TBSCertificate is the leaf TBS without the SCT list, byte for byte', () => {
    expect(Buffer.from(precertTbs(cert.der)).equals(Buffer.from(cert.precertTbs))).toBe(true);
    expect(
      Buffer.from(spkiOf(issuer.der)).equals(issuer.key.publicKey.export({ type: 'spki', format: 'der' })),
    ).toBe(true);
  });

  it('both verify with the issuer; without the issuer they are unverifiable', () => {
    const scts = parseSctList(embeddedList(cert.der), 'certificate');
    expect(
      verifyScts(scts, { leafDer: cert.der, issuerDer: issuer.der, logs, now }).map((s) => s.verification),
    ).toEqual(['verified', 'verified']);
    const [noIssuer] = verifyScts(scts, { leafDer: cert.der, logs, now });
    expect(noIssuer?.verification).toBe('unverifiable');
    expect(noIssuer?.verificationDetail).toMatch(/issuer certificate is not known/);
  });

  it('with the wrong issuer the signature fails', () => {
    const scts = parseSctList(embeddedList(cert.der), 'certificate');
    const [out] = verifyScts(scts, { leafDer: cert.der, issuerDer: root.der, logs, now });
    expect(out?.verification).toBe('failed');
  });

  it('one flipped byte in the TBSCertificate (the subject key): failed', () => {
    const der = Buffer.from(cert.der);
    // Flip a byte inside the leaf's public key: still parses, no longer what the log signed.
    const spki = Buffer.from(spkiOf(cert.der));
    const at = der.indexOf(spki) + spki.length - 3;
    const tampered = flip(der, at);
    const scts = parseSctList(embeddedList(tampered), 'certificate');
    const out = verifyScts(scts, { leafDer: tampered, issuerDer: issuer.der, logs, now });
    expect(out.map((s) => s.verification)).toEqual(['failed', 'failed']);
  });

  it('one flipped byte in an embedded signature: that SCT alone fails', () => {
    const bad = withEmbeddedScts(
      leaf,
      issuer,
      [
        { log: logA, at },
        { log: logB, at },
      ],
      ([a, b]) => [flip(a!, a!.length - 4), b!],
    );
    const scts = parseSctList(embeddedList(bad.der), 'certificate');
    expect(
      verifyScts(scts, { leafDer: bad.der, issuerDer: issuer.der, logs, now }).map((s) => s.verification),
    ).toEqual(['failed', 'verified']);
  });

  it('a leaf without the extension cannot be a precertificate', () => {
    expect(() => precertTbs(leaf.der)).toThrow(/no SCT list/);
  });
});
