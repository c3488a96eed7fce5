import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCertificate, generateKey } from '../../../src/main/engines/common/x509-builder';
import { describeCertificate } from '../../../src/main/engines/tls/certs';
import { buildTrustStore, validateChain } from '../../../src/main/engines/tls/validate';
import { createTestPki, leafSpec, type TestPki } from '../../helpers/pki';

let pki: TestPki;
beforeAll(() => {
  pki = createTestPki();
});
afterAll(() => pki.cleanup());

const parse = (...certs: { der: Uint8Array }[]) => certs.map((c) => describeCertificate(c.der));
const codes = (r: ReturnType<typeof validateChain>) => r.problems.map((p) => p.code).sort();
const opts = { hostname: 'localhost', expiryWarningDays: 30 };

describe('chain validation (no network)', () => {
  it('a signature that does not verify under the named issuer → bad-signature', () => {
    const forged = buildCertificate(leafSpec({ ...pki.intermediate, key: generateKey('ec-p256') }));
    const store = buildTrustStore([], undefined, parse(pki.root));
    const r = validateChain(parse(forged, pki.intermediate), store, opts);
    expect(codes(r)).toEqual(['bad-signature', 'extra-certificate']);
    expect(r.trusted).toBe(false);
  });

  it('a chain ending at a root nobody trusts → untrusted-root (not self-signed)', () => {
    const store = buildTrustStore([], undefined, parse(pki.otherRoot));
    const r = validateChain(parse(pki.leaf, pki.intermediate, pki.root), store, opts);
    expect(codes(r)).toEqual(['untrusted-root']);
    expect(r.path).toHaveLength(3);
  });

  it('client-only EKU and a CA flag on the leaf are reported', () => {
    const clientOnly = buildCertificate(leafSpec(pki.intermediate, { extendedKeyUsage: ['clientAuth'] }));
    const store = buildTrustStore([], undefined, parse(pki.root));
    expect(codes(validateChain(parse(clientOnly, pki.intermediate), store, opts))).toEqual([
      'not-server-auth',
    ]);
    const caLeaf = buildCertificate(leafSpec(pki.intermediate, { ca: true }));
    expect(codes(validateChain(parse(caLeaf, pki.intermediate), store, opts))).toEqual(['leaf-is-ca']);
  });

  it('IP literals are matched against iPAddress SANs, names never against the CN', () => {
    const store = buildTrustStore([], undefined, parse(pki.root));
    expect(
      validateChain(parse(pki.leaf, pki.intermediate), store, { ...opts, hostname: '127.0.0.1' })
        .hostnameMatches,
    ).toBe(true);
    expect(
      validateChain(parse(pki.leaf, pki.intermediate), store, { ...opts, hostname: '::1' }).hostnameMatches,
    ).toBe(true);
    const cnOnly = buildCertificate({ commonName: 'localhost', issuer: pki.intermediate });
    expect(codes(validateChain(parse(cnOnly, pki.intermediate), store, opts))).toEqual(['name-mismatch']);
  });

  it('the runtime Mozilla bundle is a trust store: a private root is unknown to it', async () => {
    const { loadMozillaRoots } = await import('../../../src/main/engines/tls/validate');
    const mozilla = loadMozillaRoots();
    expect(mozilla.length).toBeGreaterThan(100);
    const r = validateChain(parse(pki.leaf, pki.intermediate), buildTrustStore(mozilla, undefined, []), opts);
    expect(codes(r)).toEqual(['unknown-issuer']);
    expect(r.trustStores[0]).toMatchObject({ name: 'mozilla', count: mozilla.length });
  });
});
