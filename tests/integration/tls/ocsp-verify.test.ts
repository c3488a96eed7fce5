// Judging a stapled OCSP response as a client would: who signed it, about which issuer, how fresh.
// Responses are built and signed here (ocsp-helper) by a fresh test PKI, good and bad in each way.
import { afterAll, describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { buildCertificate } from '../../../src/main/engines/common/x509-builder';
import { parseOcspResponse } from '../../../src/main/engines/tls/ocsp';
import { createTestPki, leafSpec } from '../../helpers/pki';
import { buildOcspResponse } from './ocsp-helper';

const pki = createTestPki();
afterAll(() => pki.cleanup());
const produced = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
const leafSerial = new X509Certificate(pki.leaf.certPem).serialNumber;
const judge = (der: Uint8Array, issuer = pki.intermediate.der, now?: number) =>
  parseOcspResponse(der, leafSerial, issuer, now);

describe('stapled OCSP: signature, responder, issuer, freshness', () => {
  it('signed by the issuer: valid, no problems', () => {
    const r = judge(buildOcspResponse(pki.leaf, pki.intermediate, 'good', produced));
    expect(r).toMatchObject({
      certStatus: 'good',
      signature: 'valid',
      signedBy: 'issuer CN=Wirelab Test Intermediate',
      problems: [],
    });
  });

  it('a flipped signature bit is invalid', () => {
    const r = judge(buildOcspResponse(pki.leaf, pki.intermediate, 'good', produced, { corrupt: true }));
    expect(r.signature).toBe('invalid');
    expect(r.problems).toContain('the signature does not verify');
  });

  it('signed by an unrelated key (a forged "good"): invalid', () => {
    const r = judge(
      buildOcspResponse(pki.leaf, pki.intermediate, 'good', produced, { signer: pki.otherRoot, certs: [] }),
    );
    expect(r.signature).toBe('invalid');
  });

  it('a delegated responder the issuer certified for OCSP signing: valid', () => {
    const responder = buildCertificate(
      leafSpec(pki.intermediate, {
        commonName: 'OCSP Responder',
        altNames: [],
        extendedKeyUsage: ['ocspSigning'],
      }),
    );
    const r = judge(buildOcspResponse(pki.leaf, pki.intermediate, 'good', produced, { signer: responder }));
    expect(r).toMatchObject({
      signature: 'valid',
      signedBy: 'delegated responder CN=OCSP Responder',
      problems: [],
    });
  });

  it('a responder without id-kp-OCSPSigning, or issued by someone else: invalid', () => {
    const noEku = buildCertificate(
      leafSpec(pki.intermediate, {
        commonName: 'Not A Responder',
        altNames: [],
        extendedKeyUsage: ['serverAuth'],
      }),
    );
    const a = judge(buildOcspResponse(pki.leaf, pki.intermediate, 'good', produced, { signer: noEku }));
    expect(a.signature).toBe('invalid');
    expect(a.problems).toContain('the responder certificate is not authorized for OCSP signing');
    const foreign = buildCertificate(
      leafSpec(pki.otherRoot, {
        commonName: 'Foreign Responder',
        altNames: [],
        extendedKeyUsage: ['ocspSigning'],
      }),
    );
    const b = judge(buildOcspResponse(pki.leaf, pki.intermediate, 'good', produced, { signer: foreign }));
    expect(b.signature).toBe('invalid');
    expect(b.problems).toContain('the responder was not issued by the issuer');
  });

  it('no issuer certificate from the server: unverifiable', () => {
    const r = parseOcspResponse(buildOcspResponse(pki.leaf, pki.intermediate, 'good', produced), leafSerial);
    expect(r.signature).toBe('unverifiable');
  });

  it('a response naming another issuer, or past its next update, is a problem even when signed', () => {
    const other = judge(
      buildOcspResponse(pki.leaf, pki.intermediate, 'good', produced, { certIdIssuer: pki.root }),
    );
    expect(other.signature).toBe('valid');
    expect(other.problems).toContain("it names another issuer than the certificate's");
    const stale = judge(
      buildOcspResponse(pki.leaf, pki.intermediate, 'good', produced, {
        nextUpdate: new Date(produced.getTime() + 3_600_000),
      }),
      pki.intermediate.der,
      produced.getTime() + 2 * 3_600_000,
    );
    expect(stale.problems?.[0]).toMatch(/^stale: its next update was due/);
  });
});
