// Certificates for TLS server sessions: the app's own identity (common/app-cert) or a user's PEM pair,
// checked here — parse, key belongs to certificate — so a bad pair is INVALID_CERTIFICATE before any
// socket opens, not an opaque OpenSSL error at the first handshake. Also maps TLS failures to codes.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { TlsCertSummary } from '../../../shared/contract/tlssock';
import { loadOrCreateAppCertificate } from '../common/app-cert';
import { EngineError, toEngineError } from '../common/errors';

export interface ServerIdentity {
  certPem: string;
  keyPem: string;
  source: 'app' | 'pem';
  summary: TlsCertSummary;
}

export function summarize(cert: X509Certificate): TlsCertSummary {
  return {
    subject: cert.subject.replace(/\n/g, ', '),
    issuer: cert.issuer.replace(/\n/g, ', '),
    ...(cert.subjectAltName ? { subjectAltName: cert.subjectAltName } : {}),
    validFrom: cert.validFrom,
    validTo: cert.validTo,
    fingerprint256: cert.fingerprint256,
  };
}

export function checkPemPair(certPem: string, keyPem: string): TlsCertSummary {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (err) {
    throw new EngineError('INVALID_CERTIFICATE', `certificate: ${(err as Error).message}`, { cause: err });
  }
  try {
    const key = createPrivateKey(keyPem);
    if (!cert.checkPrivateKey(key))
      throw new EngineError('INVALID_CERTIFICATE', 'the private key does not belong to the certificate');
  } catch (err) {
    if (err instanceof EngineError) throw err;
    throw new EngineError('INVALID_CERTIFICATE', `private key: ${(err as Error).message}`, { cause: err });
  }
  return summarize(cert);
}

export async function serverIdentity(
  choice: { source: 'app' } | { source: 'pem'; certPem: string; keyPem: string },
  certDir: string,
): Promise<ServerIdentity> {
  if (choice.source === 'pem') {
    return {
      certPem: choice.certPem,
      keyPem: choice.keyPem,
      source: 'pem',
      summary: checkPemPair(choice.certPem, choice.keyPem),
    };
  }
  const app = await loadOrCreateAppCertificate(certDir);
  return {
    certPem: app.certPem,
    keyPem: app.keyPem,
    source: 'app',
    summary: summarize(new X509Certificate(app.certPem)),
  };
}

/** CA bundles are checked too, so "verify with this CA" fails on a typo, not on the handshake. */
export function checkCaPem(ca: string): void {
  if (!/-----BEGIN CERTIFICATE-----/.test(ca))
    throw new EngineError('INVALID_CERTIFICATE', 'the CA text holds no PEM certificate');
  try {
    new X509Certificate(ca);
  } catch (err) {
    throw new EngineError('INVALID_CERTIFICATE', `CA: ${(err as Error).message}`, { cause: err });
  }
}

const TLS_ERRNO = /CERT|SELF_SIGNED|UNABLE_TO|SIGNATURE|ALTNAME|ISSUER|^ERR_SSL|^ERR_TLS|^EPROTO$|HOSTNAME/;

/** Certificate and protocol failures are TLS_ERROR (the detail names the reason); socket errors keep theirs. */
export function tlsEngineError(err: unknown, context?: string): EngineError {
  if (err instanceof EngineError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
  if (TLS_ERRNO.test(code)) {
    const detail = `${code}: ${(err as Error).message}`;
    return new EngineError('TLS_ERROR', context ? `${context}: ${detail}` : detail, { cause: err });
  }
  return toEngineError(err, context);
}
