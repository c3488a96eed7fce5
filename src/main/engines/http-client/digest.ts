// HTTP Digest access authentication (RFC 7616): MD5, SHA-256 and their -sess variants, qop=auth (auth-int
// is not offered: it would need the whole body hashed before sending, defeating streaming).
import { createHash, randomBytes } from 'node:crypto';

export interface DigestChallenge {
  realm: string;
  nonce: string;
  qop?: string;
  opaque?: string;
  algorithm: string;
}

/** Parses the Digest challenge out of one or more WWW-Authenticate values; undefined if none. */
export function parseDigestChallenge(values: string[]): DigestChallenge | undefined {
  for (const v of values) {
    const m = /^\s*Digest\s+(.*)$/is.exec(v);
    if (!m) continue;
    const params: Record<string, string> = {};
    const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
    let p: RegExpExecArray | null;
    while ((p = re.exec(m[1] ?? '')) !== null) {
      params[(p[1] ?? '').toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
    }
    if (params.nonce === undefined) continue;
    return {
      realm: params.realm ?? '',
      nonce: params.nonce,
      qop: params.qop,
      opaque: params.opaque,
      algorithm: params.algorithm ?? 'MD5',
    };
  }
  return undefined;
}

function hashFn(algorithm: string): (s: string) => string {
  const alg = algorithm.toUpperCase().replace(/-SESS$/, '');
  const name = alg === 'SHA-256' ? 'sha256' : alg === 'SHA-512-256' ? 'sha512-256' : 'md5';
  return (s) => createHash(name).update(s, 'utf8').digest('hex');
}

export function digestAuthorization(
  ch: DigestChallenge,
  o: { username: string; password: string; method: string; uri: string; nc?: number; cnonce?: string },
): string {
  const H = hashFn(ch.algorithm);
  const nc = (o.nc ?? 1).toString(16).padStart(8, '0');
  const cnonce = o.cnonce ?? randomBytes(8).toString('hex');
  let ha1 = H(`${o.username}:${ch.realm}:${o.password}`);
  if (/-sess$/i.test(ch.algorithm)) ha1 = H(`${ha1}:${ch.nonce}:${cnonce}`);
  const ha2 = H(`${o.method}:${o.uri}`);
  const qops = (ch.qop ?? '').split(',').map((q) => q.trim());
  const qop = qops.includes('auth') ? 'auth' : undefined;
  const response = qop
    ? H(`${ha1}:${ch.nonce}:${nc}:${cnonce}:${qop}:${ha2}`)
    : H(`${ha1}:${ch.nonce}:${ha2}`);
  const q = (s: string) => `"${s.replace(/(["\\])/g, '\\$1')}"`;
  const parts = [
    `username=${q(o.username)}`,
    `realm=${q(ch.realm)}`,
    `nonce=${q(ch.nonce)}`,
    `uri=${q(o.uri)}`,
    `algorithm=${ch.algorithm}`,
    `response=${q(response)}`,
  ];
  if (qop) parts.push(`qop=${qop}`, `nc=${nc}`, `cnonce=${q(cnonce)}`);
  if (ch.opaque !== undefined) parts.push(`opaque=${q(ch.opaque)}`);
  return `Digest ${parts.join(', ')}`;
}
