// ROBOT (Return Of Bleichenbacher's Oracle Threat): does the server answer a malformed RSA-encrypted
// premaster secret differently from a well-formed one? Five ClientKeyExchange messages are built by hand
// (RSA raw, with BigInt — no padding library is asked to produce broken padding) following the paper's
// test vectors: well-formed, wrong first bytes, a 0x00 in the wrong place, no 0x00 at all, wrong version
// inside. Each goes in its own handshake, followed by ChangeCipherSpec and a garbage Finished, and the
// server's reaction (which alert, a close, silence) is its signature. Any difference between the
// signatures is an oracle. The whole round is run twice: answers that change between rounds are network
// noise, reported as unknown rather than as a finding. Only RSA key exchange is affected.
import { X509Certificate, randomBytes } from 'node:crypto';
import type { TlsWeakness } from '../../../shared/contract/tls';
import type { CipherSuite } from './cipher-suites';
import { withHello, type ProbeContext } from './probes';
import type { RawScan, ScanVersion } from './scanner';
import {
  ALERT_NAMES,
  ContentType,
  HandshakeType,
  VERSION_CODES,
  parseCertificateMessage,
  record,
} from './wire';

export const ROBOT_DEF = {
  id: 'robot',
  title: 'ROBOT (Bleichenbacher oracle on RSA key exchange)',
  severity: 'high',
  explanation:
    'A server that reacts differently to malformed RSA-encrypted premaster secrets is a padding oracle: recorded RSA key exchanges can be decrypted and the server key made to sign (CVE-2017-13099 and related).',
  reference: 'https://robotattack.org/',
} as const;

/** Longest wait for the server's reaction to one key exchange. */
const ROBOT_WAIT_MS = 2_000;

type Variant = 'well-formed' | 'wrong first bytes' | '0x00 in the wrong place' | 'no 0x00' | 'wrong version';
const VARIANTS: Variant[] = [
  'well-formed',
  'wrong first bytes',
  '0x00 in the wrong place',
  'no 0x00',
  'wrong version',
];

function make(status: TlsWeakness['status'], detail: string): TlsWeakness {
  return { ...ROBOT_DEF, status, detail };
}

function isRsaKeyExchange(s: CipherSuite): boolean {
  return s.kx === 'RSA' && s.auth === 'RSA' && !s.export && !s.tls13;
}

function toBigInt(b: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(b).toString('hex') || '0'}`);
}

function toBytes(n: bigint, length: number): Uint8Array {
  const hex = n.toString(16).padStart(length * 2, '0');
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  let b = base % mod;
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % mod;
    b = (b * b) % mod;
  }
  return result;
}

function nonZero(n: number): number[] {
  return [...randomBytes(n)].map((x) => x || 1);
}

/** The k-byte plaintext block of each variant (RFC 8017 EME-PKCS1-v1_5, broken on purpose). */
export function robotBlock(variant: Variant, k: number, version: number): Uint8Array {
  const pms = [(version >> 8) & 0xff, version & 0xff, ...randomBytes(46)];
  const pad = nonZero(k - 3 - pms.length);
  switch (variant) {
    case 'well-formed':
      return Uint8Array.from([0x00, 0x02, ...pad, 0x00, ...pms]);
    case 'wrong first bytes':
      return Uint8Array.from([0x41, 0x17, ...pad, 0x00, ...pms]);
    case '0x00 in the wrong place': {
      // The separator moves into the premaster secret: what follows it is no longer 48 bytes.
      const tail = nonZero(pms.length);
      tail[pms.length - 10] = 0x00;
      return Uint8Array.from([0x00, 0x02, ...pad, 0x11, ...tail]);
    }
    case 'no 0x00':
      return Uint8Array.from([0x00, 0x02, ...pad, 0x11, ...nonZero(pms.length)]);
    case 'wrong version':
      return Uint8Array.from([0x00, 0x02, ...pad, 0x00, 0x02, 0x02, ...pms.slice(2)]);
  }
}

/** The server's RSA key from the certificate it sent, or undefined when it is not RSA. */
function rsaKey(certDer: Uint8Array): { n: bigint; e: bigint; k: number } | undefined {
  const key = new X509Certificate(Buffer.from(certDer)).publicKey;
  if (key.asymmetricKeyType !== 'rsa') return undefined;
  const jwk = key.export({ format: 'jwk' });
  if (!jwk.n || !jwk.e) return undefined;
  const n = Buffer.from(jwk.n, 'base64url');
  return { n: toBigInt(n), e: toBigInt(Buffer.from(jwk.e, 'base64url')), k: n.length };
}

/** One handshake with one variant; its answer as a short signature ("alert bad_record_mac", "closed", …). */
async function probe(
  ctx: ProbeContext,
  v: ScanVersion,
  suites: number[],
  variant: Variant,
  sni: string | undefined,
  keyOut: { key?: { n: bigint; e: bigint; k: number } },
): Promise<string> {
  const wire = VERSION_CODES[v];
  return withHello(ctx, { version: v, suites, sni }, 'done', async (o, conn) => {
    if (o.kind !== 'hello') return `refused (${o.kind})`;
    const cert = o.stream.message(HandshakeType.certificate);
    const leaf = cert ? parseCertificateMessage(cert.body)[0] : undefined;
    if (!leaf) return 'no certificate';
    keyOut.key ??= rsaKey(leaf);
    const key = keyOut.key;
    if (!key) return 'not RSA';
    const c = toBytes(modPow(toBigInt(robotBlock(variant, key.k, wire)), key.e, key.n), key.k);
    // SSLv3 sends the ciphertext bare; TLS prefixes its length.
    const body = v === 'SSLv3' ? [...c] : [(c.length >> 8) & 0xff, c.length & 0xff, ...c];
    const cke = [HandshakeType.clientKeyExchange, 0, (body.length >> 8) & 0xff, body.length & 0xff, ...body];
    const before = conn.stream.alerts.length;
    conn.send(
      Uint8Array.from([
        ...record(ContentType.handshake, wire, cke),
        ...record(ContentType.changeCipherSpec, wire, [1]),
        // A "Finished" the server cannot decrypt whatever it derived: only its reaction matters.
        ...record(ContentType.handshake, wire, [...randomBytes(48)]),
      ]),
    );
    // Servers that wait for more after a bad Finished answer nothing at all: bounded well below the
    // probe timeout, as ten such waits would otherwise dominate the scan.
    const waited = await conn.wait((s) => s.alerts.length > before, Math.min(ctx.timeoutMs, ROBOT_WAIT_MS));
    const alert = conn.stream.alerts[before];
    if (alert) return `alert ${ALERT_NAMES[alert.description] ?? alert.description}`;
    return waited === 'closed' ? 'closed' : 'no answer';
  });
}

export async function robotCheck(ctx: ProbeContext, scan: RawScan, sni?: string): Promise<TlsWeakness> {
  const legacy = [...scan.versions]
    .reverse()
    .find((v) => v.supported && v.version !== 'TLSv1.3' && v.suites.some(isRsaKeyExchange));
  if (!legacy) return make('not-applicable', 'no RSA key exchange suite is accepted');
  const suites = legacy.suites.filter(isRsaKeyExchange).map((s) => s.code);
  const keyOut: { key?: { n: bigint; e: bigint; k: number } } = {};
  const rounds: string[][] = [];
  for (let round = 0; round < 2; round++) {
    const answers: string[] = [];
    // One after another: the oracle is in the answers, and parallel handshakes would blur their timing.
    for (const variant of VARIANTS)
      answers.push(await probe(ctx, legacy.version, suites, variant, sni, keyOut));
    rounds.push(answers);
    if (answers.includes('not RSA')) return make('not-applicable', 'the certificate key is not RSA');
    if (answers.some((a) => a.startsWith('refused') || a === 'no certificate'))
      return make('unknown', `a handshake did not get as far as the key exchange (${answers.join('; ')})`);
    // Silence to every variant is one consistent answer; a second round of timeouts would only cost time.
    if (answers.every((x) => x === 'no answer'))
      return make('ok', `no answer to any premaster secret at ${legacy.version} (the same for all)`);
  }
  const [a, b] = rounds as [string[], string[]];
  const describe = (answers: string[]) => VARIANTS.map((v, i) => `${v}: ${answers[i]}`).join('; ');
  const differs = new Set(a).size > 1;
  const stable = a.every((x, i) => x === b[i]);
  if (!differs && stable)
    return make('ok', `every premaster secret got the same answer (${a[0]}) at ${legacy.version}`);
  if (!stable)
    return make('unknown', `the answers changed between two rounds — ${describe(a)} | ${describe(b)}`);
  return make('vulnerable', `different answers at ${legacy.version} — ${describe(a)}`);
}
