// Small pieces of the report shared by the inspection steps: a suite as the contract shows it, and what
// a stapled OCSP response means for trust.
import type { TlsCertProblem, TlsHandshake, TlsReport } from '../../../shared/contract/tls';
import type { CipherSuite } from './cipher-suites';

export function suiteInfo(s: CipherSuite): TlsReport['handshake']['cipher'] {
  return {
    code: s.code,
    hex: s.hex,
    name: s.name,
    openssl: s.openssl,
    kx: s.kx,
    auth: s.auth,
    cipher: s.cipher,
    bits: s.bits,
    strength: s.strength,
    forwardSecret: s.forwardSecret,
  };
}

/** What a stapled OCSP response means for trust: revoked (when validly signed) or not to be relied on. */
export function ocspProblems(o: TlsHandshake['ocsp']): TlsCertProblem[] {
  if (!o.present) return [];
  if (o.signature === 'valid' && o.certStatus === 'revoked' && !o.problems?.length)
    return [
      {
        code: 'revoked',
        severity: 'critical',
        certIndex: 0,
        message: `the stapled OCSP response says the certificate was revoked${o.revokedAt ? ` at ${o.revokedAt}` : ''}`,
      },
    ];
  if (o.signature === 'invalid' || o.problems?.length)
    return [
      {
        code: 'ocsp-staple-invalid',
        severity: 'medium',
        certIndex: 0,
        message: `the stapled OCSP response cannot be relied on: ${(o.problems ?? []).join('; ') || o.signature}`,
      },
    ];
  return [];
}
