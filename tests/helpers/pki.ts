// A fresh PKI per test run: nothing is checked in, so no fixture can silently expire. Built with the
// same builder as the app certificate (plain JS, no openssl needed).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildCertificate,
  type BuiltCertificate,
  type CertificateSpec,
} from '../../src/main/engines/common/x509-builder';

const DAY = 86_400_000;

export interface TestPki {
  root: BuiltCertificate;
  intermediate: BuiltCertificate;
  /** localhost / 127.0.0.1 / ::1, issued by the intermediate, valid. */
  leaf: BuiltCertificate;
  expired: BuiltCertificate;
  notYetValid: BuiltCertificate;
  /** Valid, but for wrong.example only. */
  wrongHost: BuiltCertificate;
  selfSigned: BuiltCertificate;
  /** Valid, expiring in 10 days. */
  expiringSoon: BuiltCertificate;
  /** RSA-1024 key, SHA-1 signature. */
  weak: BuiltCertificate;
  /** A second, unrelated root (trusts nothing the server sends). */
  otherRoot: BuiltCertificate;
  /** Leaf + intermediate as a server would send them. */
  chain(leaf?: BuiltCertificate): string;
  /** Writes text to a temp file (removed by cleanup()) and returns its path. */
  file(name: string, text: string): string;
  cleanup(): void;
}

export function leafSpec(issuer: BuiltCertificate, extra: Partial<CertificateSpec> = {}): CertificateSpec {
  return {
    commonName: 'localhost',
    altNames: ['localhost', '127.0.0.1', '::1'],
    issuer,
    // Loopback on the discard port: an inspection that follows them (AIA, OCSP, CRL) never leaves the machine.
    ocspUrl: 'http://127.0.0.1:9/wirelab-test/ocsp',
    caIssuersUrl: 'http://127.0.0.1:9/wirelab-test/intermediate.cer',
    crlUrl: 'http://127.0.0.1:9/wirelab-test/intermediate.crl',
    ...extra,
  };
}

export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'wirelab-pki-'));
  const now = Date.now();
  const root = buildCertificate({
    commonName: 'Wirelab Test Root',
    organization: 'Wirelab Tests',
    ca: true,
    notAfter: new Date(now + 3650 * DAY),
  });
  const intermediate = buildCertificate({
    commonName: 'Wirelab Test Intermediate',
    organization: 'Wirelab Tests',
    ca: true,
    pathLength: 0,
    issuer: root,
  });
  const otherRoot = buildCertificate({ commonName: 'Unrelated Root', ca: true });
  const pki: TestPki = {
    root,
    intermediate,
    otherRoot,
    leaf: buildCertificate(leafSpec(intermediate)),
    expired: buildCertificate(
      leafSpec(intermediate, { notBefore: new Date(now - 400 * DAY), notAfter: new Date(now - 2 * DAY) }),
    ),
    notYetValid: buildCertificate(
      leafSpec(intermediate, { notBefore: new Date(now + 5 * DAY), notAfter: new Date(now + 400 * DAY) }),
    ),
    wrongHost: buildCertificate(
      leafSpec(intermediate, { commonName: 'wrong.example', altNames: ['wrong.example'] }),
    ),
    selfSigned: buildCertificate({ commonName: 'localhost', altNames: ['localhost', '127.0.0.1'] }),
    expiringSoon: buildCertificate(leafSpec(intermediate, { notAfter: new Date(now + 10 * DAY) })),
    weak: buildCertificate(leafSpec(intermediate, { keySpec: 'rsa-1024', signatureHash: 'sha1' })),
    chain: (leaf) => (leaf ?? pki.leaf).certPem + intermediate.certPem,
    file(name, text) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  return pki;
}
