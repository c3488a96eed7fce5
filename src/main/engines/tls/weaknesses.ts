// Known weaknesses, each decided by a handshake made for it (or by the scan's own handshakes, for the
// suite families), never guessed from a version string. Each result carries a one-line explanation and
// the reference that defines it. Which grade a weakness costs is grade.ts's business, not this module's.
import type { TlsWeakness } from '../../../shared/contract/tls';
import type { CipherSuite, SuiteTable } from './cipher-suites';
import { withHello, type ProbeContext } from './probes';
import { robotCheck } from './robot';
import { clientRenegotiation, poodleTls, ticketbleed } from './weaknesses-session';
import type { RawScan, ScanVersion } from './scanner';
import { ContentType, Ext, SCSV_FALLBACK, VERSION_CODES, ALERT_NAMES, HandshakeType, record } from './wire';

type Status = TlsWeakness['status'];

interface Def {
  id: string;
  title: string;
  severity: TlsWeakness['severity'];
  explanation: string;
  reference: string;
}

const DEFS = {
  heartbleed: {
    id: 'heartbleed',
    title: 'Heartbleed (CVE-2014-0160)',
    severity: 'critical',
    explanation:
      'A heartbeat request claiming more data than it carries makes a vulnerable server echo back its own memory, including keys.',
    reference: 'https://nvd.nist.gov/vuln/detail/CVE-2014-0160',
  },
  ccs: {
    id: 'ccs-injection',
    title: 'CCS injection (CVE-2014-0224)',
    severity: 'high',
    explanation:
      'A vulnerable server accepts ChangeCipherSpec too early, letting a man in the middle force weak, known keys.',
    reference: 'https://nvd.nist.gov/vuln/detail/CVE-2014-0224',
  },
  renegotiation: {
    id: 'secure-renegotiation',
    title: 'Secure renegotiation (RFC 5746)',
    severity: 'medium',
    explanation:
      'Without the renegotiation_info extension an attacker can splice their own data in front of the client’s (CVE-2009-3555).',
    reference: 'https://www.rfc-editor.org/rfc/rfc5746',
  },
  compression: {
    id: 'compression',
    title: 'TLS compression (CRIME)',
    severity: 'high',
    explanation:
      'Compressing before encrypting leaks secrets such as cookies through the length of the ciphertext.',
    reference: 'https://nvd.nist.gov/vuln/detail/CVE-2012-4929',
  },
  fallback: {
    id: 'fallback-scsv',
    title: 'TLS_FALLBACK_SCSV (downgrade protection)',
    severity: 'low',
    explanation:
      'A server that honours the fallback signal refuses a client’s retry at a lower version, stopping forced downgrades (POODLE-style).',
    reference: 'https://www.rfc-editor.org/rfc/rfc7507',
  },
  rc4: {
    id: 'rc4',
    title: 'RC4 suites',
    severity: 'high',
    explanation:
      'RC4’s keystream biases let attackers recover plaintext that is sent repeatedly; RC4 is prohibited in TLS.',
    reference: 'https://www.rfc-editor.org/rfc/rfc7465',
  },
  sweet32: {
    id: 'sweet32',
    title: '3DES / 64-bit block ciphers (SWEET32)',
    severity: 'medium',
    explanation:
      'Block ciphers with 64-bit blocks collide after a few hundred GiB on one connection, revealing plaintext (CVE-2016-2183).',
    reference: 'https://sweet32.info/',
  },
  export: {
    id: 'export',
    title: 'Export-grade suites (FREAK)',
    severity: 'critical',
    explanation:
      'Export suites use 40/56-bit keys or 512-bit key exchange that can be broken in hours (CVE-2015-0204).',
    reference: 'https://nvd.nist.gov/vuln/detail/CVE-2015-0204',
  },
  nullCipher: {
    id: 'null-cipher',
    title: 'NULL encryption suites',
    severity: 'critical',
    explanation: 'NULL suites authenticate but do not encrypt: everything is sent in the clear.',
    reference: 'https://www.rfc-editor.org/rfc/rfc5246#appendix-A.5',
  },
  anonymous: {
    id: 'anonymous',
    title: 'Anonymous (unauthenticated) suites',
    severity: 'critical',
    explanation:
      'Anonymous Diffie-Hellman authenticates nobody, so any man in the middle can read and change the traffic.',
    reference: 'https://www.rfc-editor.org/rfc/rfc5246#appendix-A.5',
  },
  logjam: {
    id: 'weak-dh',
    title: 'Diffie-Hellman parameters under 2048 bits (Logjam)',
    severity: 'high',
    explanation:
      'Small or common DH primes can be precomputed against; 1024-bit groups are within reach of state-level attackers.',
    reference: 'https://weakdh.org/',
  },
  sslv2: {
    id: 'sslv2',
    title: 'SSLv2 (DROWN)',
    severity: 'critical',
    explanation:
      'SSLv2 is broken by design and lets attackers decrypt even TLS connections that share the key (CVE-2016-0800).',
    reference: 'https://www.rfc-editor.org/rfc/rfc6176',
  },
  beast: {
    id: 'beast',
    title: 'BEAST (CBC in TLS 1.0 / SSLv3)',
    severity: 'low',
    explanation:
      'With CBC suites in TLS 1.0 or SSLv3 the next record’s IV is known in advance, letting an attacker who can inject plaintext guess secrets (CVE-2011-3389); browsers mitigate it by splitting records, other clients may not.',
    reference: 'https://nvd.nist.gov/vuln/detail/CVE-2011-3389',
  },
  breach: {
    id: 'breach',
    title: 'HTTP compression (BREACH)',
    severity: 'medium',
    explanation:
      'A compressed HTTPS response that reflects attacker input next to a secret (a CSRF token) leaks the secret through its length (CVE-2013-3587). Only "/" is tested: pages with secrets matter.',
    reference: 'https://nvd.nist.gov/vuln/detail/CVE-2013-3587',
  },
  sslv3: {
    id: 'sslv3',
    title: 'SSLv3 (POODLE)',
    severity: 'high',
    explanation:
      'SSLv3’s CBC padding is not authenticated, so a man in the middle can decrypt a byte at a time (CVE-2014-3566).',
    reference: 'https://www.rfc-editor.org/rfc/rfc7568',
  },
  lucky13: {
    id: 'lucky13',
    title: 'LUCKY13 (CBC suites)',
    // Informational: every patched OpenSSL server with its default suites has CBC; it is not counted as a problem.
    severity: 'info',
    explanation:
      'CBC suites check padding and MAC in time that depends on the plaintext, a side channel a man in the middle can measure (CVE-2013-0169). Implementations were patched, but only AEAD suites remove the attack class, so CBC suites are reported as potentially vulnerable, as testssl.sh does.',
    reference: 'https://nvd.nist.gov/vuln/detail/CVE-2013-0169',
  },
  cipherOrder: {
    id: 'cipher-order',
    title: 'Server cipher order',
    // Informational, as in SSL Labs' report: it costs no grade and is not counted as a problem.
    severity: 'info',
    explanation:
      'A server that follows the client’s order lets an old or badly configured client pick the weakest suite both accept; with its own order the server decides. It matters only where the accepted suites differ in strength.',
    reference: 'https://ssl-config.mozilla.org/',
  },
} satisfies Record<string, Def>;

function make(def: Def, status: Status, detail: string): TlsWeakness {
  return { ...def, status, detail };
}

function suitesWhere(scan: RawScan, pred: (s: CipherSuite) => boolean): string[] {
  const out: string[] = [];
  for (const v of scan.versions)
    for (const s of v.suites) if (pred(s)) out.push(`${v.version} ${s.openssl ?? s.name}`);
  return out;
}

function suiteFamily(def: Def, scan: RawScan, pred: (s: CipherSuite) => boolean): TlsWeakness {
  const hits = suitesWhere(scan, pred);
  return hits.length > 0
    ? make(def, 'vulnerable', `accepted: ${hits.join(', ')}`)
    : make(def, 'ok', 'none accepted in any version');
}

function alertName(d: number): string {
  return ALERT_NAMES[d] ?? `alert ${d}`;
}

async function heartbleed(
  ctx: ProbeContext,
  v: ScanVersion,
  suites: number[],
  sni?: string,
): Promise<TlsWeakness> {
  return withHello(ctx, { version: v, suites, sni, heartbeat: true }, 'done', async (o, conn) => {
    if (o.kind !== 'hello') return make(DEFS.heartbleed, 'unknown', `handshake refused (${o.kind})`);
    if (!o.hello.extensions.has(Ext.heartbeat))
      return make(DEFS.heartbleed, 'ok', 'the heartbeat extension is not negotiated');
    // type 1 (request), claimed payload length 0x4000, actual payload: none.
    conn.send(record(ContentType.heartbeat, VERSION_CODES[v], [1, 0x40, 0x00]));
    const outcome = await conn.wait((s) => s.heartbeats.length > 0 || s.alerts.length > 0, ctx.timeoutMs);
    const leaked = conn.stream.heartbeats.reduce((n, h) => n + h.length, 0);
    if (leaked > 3)
      return make(
        DEFS.heartbleed,
        'vulnerable',
        `the server answered a 3-byte heartbeat with ${leaked} bytes`,
      );
    return make(
      DEFS.heartbleed,
      'ok',
      `heartbeat negotiated; the malformed request got ${outcome === 'timeout' ? 'no answer' : outcome === 'closed' ? 'the connection closed' : 'no leak'}`,
    );
  });
}

async function ccsInjection(
  ctx: ProbeContext,
  v: ScanVersion,
  suites: number[],
  sni?: string,
): Promise<TlsWeakness> {
  return withHello(ctx, { version: v, suites, sni }, 'done', async (o, conn) => {
    if (o.kind !== 'hello' || !o.stream.message(HandshakeType.serverHelloDone))
      return make(DEFS.ccs, 'unknown', `no complete first flight (${o.kind})`);
    const before = conn.stream.alerts.length;
    conn.send(record(ContentType.changeCipherSpec, VERSION_CODES[v], [1]));
    let waited = await conn.wait((s) => s.alerts.length > before, ctx.timeoutMs / 2);
    if (waited === 'timeout') {
      // Silence after an early CCS: a patched server would have objected. Send a record that would now be
      // "encrypted": a vulnerable server fails to decrypt it and says so.
      conn.send(record(ContentType.alert, VERSION_CODES[v], [...new Uint8Array(32)]));
      waited = await conn.wait((s) => s.alerts.length > before, ctx.timeoutMs / 2);
    }
    const alert = conn.stream.alerts[before];
    if (alert && (alert.description === 20 || alert.description === 21)) {
      return make(
        DEFS.ccs,
        'vulnerable',
        `the early ChangeCipherSpec was accepted (then ${alertName(alert.description)})`,
      );
    }
    if (alert)
      return make(DEFS.ccs, 'ok', `the early ChangeCipherSpec was refused (${alertName(alert.description)})`);
    if (waited === 'closed')
      return make(DEFS.ccs, 'ok', 'the server closed the connection at the early ChangeCipherSpec');
    return make(DEFS.ccs, 'unknown', 'no answer to the early ChangeCipherSpec');
  });
}

async function renegotiation(
  ctx: ProbeContext,
  v: ScanVersion,
  suites: number[],
  sni?: string,
): Promise<TlsWeakness> {
  return withHello(ctx, { version: v, suites, sni, renegotiationInfo: true }, 'hello', (o) => {
    if (o.kind !== 'hello') return make(DEFS.renegotiation, 'unknown', `handshake refused (${o.kind})`);
    return o.hello.extensions.has(Ext.renegotiationInfo)
      ? make(DEFS.renegotiation, 'ok', `supported (renegotiation_info answered at ${v})`)
      : make(DEFS.renegotiation, 'vulnerable', `the server ignores renegotiation_info at ${v}`);
  });
}

async function compression(
  ctx: ProbeContext,
  v: ScanVersion,
  suites: number[],
  sni?: string,
): Promise<TlsWeakness> {
  return withHello(ctx, { version: v, suites, sni, compression: [1, 0] }, 'hello', (o) => {
    if (o.kind !== 'hello') return make(DEFS.compression, 'unknown', `handshake refused (${o.kind})`);
    return o.hello.compression === 1
      ? make(DEFS.compression, 'vulnerable', `the server chose DEFLATE at ${v}`)
      : make(DEFS.compression, 'ok', `DEFLATE offered at ${v}, the server chose none`);
  });
}

async function fallback(ctx: ProbeContext, scan: RawScan, sni?: string): Promise<TlsWeakness> {
  const supported = scan.versions.filter((v) => v.supported);
  if (supported.length < 2)
    return make(
      DEFS.fallback,
      'not-applicable',
      'only one protocol version is supported, so there is nothing to fall back to',
    );
  const lower = supported[supported.length - 2];
  if (!lower) return make(DEFS.fallback, 'not-applicable', 'no lower version');
  const suites = [...lower.suites.map((s) => s.code), SCSV_FALLBACK];
  return withHello(ctx, { version: lower.version, suites, sni }, 'hello', (o) => {
    if (o.kind === 'alert' && o.alert.description === 86)
      return make(
        DEFS.fallback,
        'ok',
        `a ${lower.version} retry with the signal was refused (inappropriate_fallback)`,
      );
    if (o.kind === 'hello')
      return make(DEFS.fallback, 'vulnerable', `a ${lower.version} retry with the signal was accepted`);
    if (o.kind === 'alert')
      return make(DEFS.fallback, 'unknown', `the server answered ${alertName(o.alert.description)}`);
    return make(DEFS.fallback, 'unknown', `no answer (${o.kind})`);
  });
}

/** Runs the weakness checks that need their own handshakes, and derives the suite-family ones from the scan. */
export async function checkWeaknesses(
  ctx: ProbeContext,
  table: SuiteTable,
  scan: RawScan,
  sni?: string,
  http?: { probed: boolean; status?: number; contentEncoding?: string; error?: string },
): Promise<TlsWeakness[]> {
  const legacy = [...scan.versions].reverse().find((v) => v.supported && v.version !== 'TLSv1.3');
  const na = (def: Def) =>
    make(def, 'not-applicable', 'only TLS 1.3 is supported, which has no such mechanism');
  let handshakeChecks: TlsWeakness[];
  if (legacy) {
    const suites = legacy.suites.map((s) => s.code);
    handshakeChecks = await Promise.all([
      heartbleed(ctx, legacy.version, suites, sni),
      ccsInjection(ctx, legacy.version, suites, sni),
      renegotiation(ctx, legacy.version, suites, sni),
      compression(ctx, legacy.version, suites, sni),
    ]);
  } else {
    handshakeChecks = [na(DEFS.heartbleed), na(DEFS.ccs), na(DEFS.renegotiation), na(DEFS.compression)];
  }
  // The checks that complete a session of their own, after the first-flight ones.
  const sessionChecks = await Promise.all([
    clientRenegotiation(ctx, table, scan, sni),
    poodleTls(ctx, table, scan, sni),
    ticketbleed(ctx, table, scan, sni),
  ]);
  const sslv3 = scan.versions.find((v) => v.version === 'SSLv3');
  return [
    ...handshakeChecks,
    ...sessionChecks,
    await fallback(ctx, scan, sni),
    await robotCheck(ctx, scan, sni),
    scan.sslv2Ciphers.length > 0
      ? make(DEFS.sslv2, 'vulnerable', `SSLv2 server hello with ${scan.sslv2Ciphers.join(', ')}`)
      : make(DEFS.sslv2, 'ok', 'no SSLv2 server hello'),
    sslv3?.supported
      ? make(DEFS.sslv3, 'vulnerable', `SSLv3 accepted with ${sslv3.suites.length} suites`)
      : make(DEFS.sslv3, 'ok', 'SSLv3 refused'),
    suiteFamily(DEFS.rc4, scan, (s) => s.rc4),
    suiteFamily(
      DEFS.sweet32,
      scan,
      (s) => s.tripleDes || s.cipher.startsWith('IDEA') || s.cipher.startsWith('DES'),
    ),
    suiteFamily(DEFS.export, scan, (s) => s.export),
    suiteFamily(DEFS.nullCipher, scan, (s) => s.nullCipher),
    suiteFamily(DEFS.anonymous, scan, (s) => s.anonymous),
    beast(scan),
    lucky13(scan),
    cipherOrder(scan),
    breach(http),
    logjam(scan),
  ];
}

/** Judged on the weakest prime of any DH family: an attacker picks the family that is easiest to break. */
function logjam(scan: RawScan): TlsWeakness {
  const dh = scan.dhPrimeBits;
  if (dh === undefined) return make(DEFS.logjam, 'not-applicable', 'no DHE or anonymous DH suite accepted');
  const each = (scan.dhGroups ?? [])
    .map((g) => `${g.family} ${g.primeBits} bits (${g.suite}, ${g.version})`)
    .join('; ');
  const detail = `weakest DH prime ${dh} bits${each ? `: ${each}` : ''}`;
  return make(DEFS.logjam, dh < 2048 ? 'vulnerable' : 'ok', detail);
}

/** CBC with HMAC in any version below TLS 1.3 (TLS 1.3 has no CBC). */
function lucky13(scan: RawScan): TlsWeakness {
  const hits = scan.versions
    .filter((v) => v.supported && v.version !== 'TLSv1.3')
    .flatMap((v) =>
      v.suites.filter((s) => s.cipher.includes('CBC')).map((s) => `${v.version} ${s.openssl ?? s.name}`),
    );
  return hits.length > 0
    ? make(DEFS.lucky13, 'vulnerable', `${hits.length} CBC suites accepted: ${hits.join(', ')}`)
    : make(DEFS.lucky13, 'ok', 'no CBC suite accepted');
}

/** Per version: whose order decides. A client-ordered version is a finding when its suites differ in strength. */
function cipherOrder(scan: RawScan): TlsWeakness {
  const judged = scan.versions.filter((v) => v.supported && v.serverPreference !== undefined);
  if (judged.length === 0)
    return make(DEFS.cipherOrder, 'not-applicable', 'no version accepts two or more suites');
  const detail = judged
    .map((v) => `${v.version}: ${v.serverPreference ? 'server' : 'client'} order`)
    .join(', ');
  const risky = judged.filter(
    (v) => !v.serverPreference && new Set(v.suites.map((s) => s.strength)).size > 1,
  );
  return risky.length > 0
    ? make(
        DEFS.cipherOrder,
        'vulnerable',
        `${detail}; the client picks among suites of different strength at ${risky.map((v) => v.version).join(', ')}`,
      )
    : make(DEFS.cipherOrder, 'ok', detail);
}

/** Only TLS 1.0 and SSLv3 have the predictable CBC IV; RC4 and NULL suites are other findings. */
function beast(scan: RawScan): TlsWeakness {
  const old = scan.versions.filter((v) => v.supported && (v.version === 'TLSv1' || v.version === 'SSLv3'));
  if (old.length === 0) return make(DEFS.beast, 'ok', 'TLS 1.0 and SSLv3 are refused');
  const hits = old.flatMap((v) =>
    v.suites.filter((s) => s.cipher.includes('CBC')).map((s) => `${v.version} ${s.openssl ?? s.name}`),
  );
  return hits.length > 0
    ? make(
        DEFS.beast,
        'vulnerable',
        `CBC suites in ${old.map((v) => v.version).join('/')}: ${hits.join(', ')}`,
      )
    : make(DEFS.beast, 'ok', `${old.map((v) => v.version).join('/')} accepted, but with no CBC suite`);
}

function breach(http?: {
  probed: boolean;
  status?: number;
  contentEncoding?: string;
  error?: string;
}): TlsWeakness {
  if (!http?.probed)
    return make(DEFS.breach, 'not-applicable', 'no HTTP probe (not an HTTP port, or turned off)');
  if (http.status === undefined) return make(DEFS.breach, 'unknown', http.error ?? 'no HTTP answer');
  return http.contentEncoding
    ? make(DEFS.breach, 'vulnerable', `"/" is sent compressed (Content-Encoding: ${http.contentEncoding})`)
    : make(DEFS.breach, 'ok', '"/" is not compressed although gzip, deflate and br were accepted');
}
