// The scan: which versions, which suites per version (in the server's order when it has one), which
// key-exchange groups — each learnt from hand-built ClientHellos, so the answer is the server's and not
// the local TLS library's (Electron's BoringSSL could not even offer most legacy suites).
// Suites are found by elimination: offer everything, note the choice, remove it, repeat. With server
// preference the sequence of choices *is* the server's order, at one handshake per accepted suite.
import type { CipherSuite, SuiteTable } from './cipher-suites';
import { unknownSuite } from './cipher-suites';
import { helloProbe, withHello, type ProbeContext } from './probes';
import {
  HandshakeType,
  NAMED_GROUPS,
  SSLV2_CIPHER_SPECS,
  VERSION_CODES,
  buildSslv2ClientHello,
  groupName,
  parseCertificateMessage,
  parseServerKeyExchange,
  type ProtocolVersion,
} from './wire';
import { EngineError } from '../common/errors';
import { RawConnection } from './raw-connection';

export type ScanVersion = Exclude<ProtocolVersion, 'SSLv2'>;
export const SCAN_VERSIONS: readonly ScanVersion[] = ['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

export interface VersionResult {
  version: ScanVersion;
  supported: boolean;
  suites: CipherSuite[];
  serverPreference?: boolean;
}

export interface RawScan {
  versions: VersionResult[];
  sslv2Ciphers: string[];
  groups: Array<{ code: number; name: string; postQuantum: boolean }>;
  groupsVersion?: ScanVersion;
  /** The weakest DH prime over every DH family the server accepts (see dhGroups). */
  dhPrimeBits?: number;
  dhGroups?: DhGroup[];
  /** The wire-order certificate chain and whether a CertificateRequest came (from a TLS ≤ 1.2 probe). */
  certificatesDer?: Uint8Array[];
  clientCertificateRequested?: boolean;
}

/** The DH prime one family of suites gets (a server may use another group for anonymous DH). */
export interface DhGroup {
  family: 'DHE_RSA' | 'DHE_DSS' | 'DH_anon';
  version: ScanVersion;
  suite: string;
  primeBits: number;
}

export interface ScanOptions {
  sni?: string;
  /** Called after each finished step, for progress events. */
  onStep?: (detail: string) => void;
}

function legacySuites(table: SuiteTable): number[] {
  return table.all.filter((s) => !s.tls13).map((s) => s.code);
}

async function eliminate(
  ctx: ProbeContext,
  table: SuiteTable,
  version: ScanVersion,
  sni: string | undefined,
): Promise<VersionResult> {
  const tls13 = version === 'TLSv1.3';
  let remaining = tls13 ? table.all.filter((s) => s.tls13).map((s) => s.code) : legacySuites(table);
  const chosen: number[] = [];
  for (let i = 0; i < 400 && remaining.length > 0; i++) {
    const outcome = await helloProbe(ctx, {
      version,
      suites: remaining,
      sni,
      keyShareGroups: [0x001d, 0x0017],
    });
    if (outcome.kind !== 'hello' || outcome.hello.negotiatedVersion !== VERSION_CODES[version]) break;
    const suite = outcome.hello.suite;
    if (!remaining.includes(suite)) break; // a server choosing what was not offered: stop, do not loop
    chosen.push(suite);
    remaining = remaining.filter((c) => c !== suite);
  }
  const suites = chosen.map((c) => table.byCode(c) ?? unknownSuite(c));
  if (chosen.length < 2) return { version, supported: chosen.length > 0, suites };
  // Offer the accepted suites in reverse: a server that keeps its own order picks the same first one.
  const reversed = [...chosen].reverse();
  const check = await helloProbe(ctx, { version, suites: reversed, sni, keyShareGroups: [0x001d, 0x0017] });
  const serverPreference = check.kind === 'hello' ? check.hello.suite === chosen[0] : undefined;
  return { version, supported: true, suites, serverPreference };
}

async function scanGroups13(ctx: ProbeContext, sni: string | undefined): Promise<number[]> {
  // No key shares at all: a server that supports one of the groups must answer HelloRetryRequest naming it.
  let remaining = NAMED_GROUPS.map((g) => g.code);
  const found: number[] = [];
  for (let i = 0; i < NAMED_GROUPS.length && remaining.length > 0; i++) {
    const o = await helloProbe(ctx, {
      version: 'TLSv1.3',
      suites: [0x1301, 0x1302, 0x1303, 0x1304, 0x1305],
      sni,
      groups: remaining,
      keyShareGroups: [],
    });
    const g = o.kind === 'hello' ? o.hello.keyShareGroup : undefined;
    if (g === undefined || !remaining.includes(g)) break;
    found.push(g);
    remaining = remaining.filter((c) => c !== g);
  }
  return found;
}

async function scanGroups12(
  ctx: ProbeContext,
  version: ScanVersion,
  ecdheSuites: number[],
  sni: string | undefined,
): Promise<number[]> {
  let remaining = NAMED_GROUPS.filter((g) => !g.pq && g.code < 0x0100).map((g) => g.code);
  const found: number[] = [];
  for (let i = 0; i < NAMED_GROUPS.length && remaining.length > 0; i++) {
    const g = await withHello(ctx, { version, suites: ecdheSuites, sni, groups: remaining }, 'done', (o) => {
      if (o.kind !== 'hello') return undefined;
      const ske = o.stream.message(HandshakeType.serverKeyExchange);
      return ske ? parseServerKeyExchange(ske.body, 'ECDHE').group : undefined;
    });
    if (g === undefined || !remaining.includes(g)) break;
    found.push(g);
    remaining = remaining.filter((c) => c !== g);
  }
  return found;
}

function dhFamily(s: CipherSuite): DhGroup['family'] | undefined {
  if (s.kx === 'DHE' && s.auth === 'RSA') return 'DHE_RSA';
  if (s.kx === 'DHE' && s.auth === 'DSS') return 'DHE_DSS';
  if (s.kx === 'DH' && s.anonymous) return 'DH_anon';
  return undefined;
}

/**
 * Servers size a DH prime by more than the family: OpenSSL's automatic DH follows the certificate's key
 * for DHE_RSA/DHE_DSS but the cipher for anonymous DH (1024 bits below 256-bit ciphers, 3072 at 256),
 * and export suites get their own 512-bit prime. So one server can give 2048 bits to DHE-RSA, 3072 to
 * ADH-AES256 and 1024 to ADH-AES128; the classes below get a handshake each.
 */
function strengthClass(s: CipherSuite): 'export' | 'below-256' | '256' {
  return s.export ? 'export' : s.bits >= 256 ? '256' : 'below-256';
}

/**
 * One handshake per DH family and cipher-strength class, at the highest version that accepts it, each
 * offering only that class's suites; a family that gets the same prime in every class is listed once.
 */
async function measureDhGroups(
  ctx: ProbeContext,
  table: SuiteTable,
  versions: VersionResult[],
  sni: string | undefined,
): Promise<DhGroup[]> {
  type DhClass = { family: DhGroup['family']; version: ScanVersion; suites: number[] };
  const classes = new Map<string, DhClass>();
  for (const v of [...versions].reverse()) {
    if (!v.supported || v.version === 'TLSv1.3') continue;
    for (const s of v.suites) {
      const family = dhFamily(s);
      if (!family) continue;
      const key = `${family}/${strengthClass(s)}`;
      const entry: DhClass = classes.get(key) ?? { family, version: v.version, suites: [] };
      if (entry.version !== v.version) continue;
      entry.suites.push(s.code);
      classes.set(key, entry);
    }
  }
  const measured = await Promise.all(
    [...classes.values()].map(({ family, version, suites }) =>
      withHello(ctx, { version, suites, sni }, 'done', (o): DhGroup | undefined => {
        if (o.kind !== 'hello') return undefined;
        const ske = o.stream.message(HandshakeType.serverKeyExchange);
        const bits = ske ? parseServerKeyExchange(ske.body, 'DHE').dhPrimeBits : undefined;
        if (bits === undefined) return undefined;
        const suite = table.byCode(o.hello.suite) ?? unknownSuite(o.hello.suite);
        return { family, version, suite: suite.openssl ?? suite.name, primeBits: bits };
      }),
    ),
  );
  const seen = new Set<string>();
  return measured.filter((g): g is DhGroup => {
    if (g === undefined || seen.has(`${g.family}/${g.primeBits}`)) return false;
    seen.add(`${g.family}/${g.primeBits}`);
    return true;
  });
}

async function probeSslv2(ctx: ProbeContext): Promise<string[]> {
  return ctx.budget.run(async () => {
    const conn = await RawConnection.open(ctx.target, ctx.signal);
    try {
      conn.send(buildSslv2ClientHello(SSLV2_CIPHER_SPECS.map((c) => c.code)));
      await conn.wait(
        (s) => s.sslv2 !== undefined || s.alerts.length > 0 || s.records.length > 0,
        ctx.timeoutMs,
      );
      const reply = conn.stream.sslv2;
      if (!reply) return [];
      const names = reply.cipherSpecs.map(
        (c) => SSLV2_CIPHER_SPECS.find((s) => s.code === c)?.name ?? `0x${c.toString(16)}`,
      );
      return names.length > 0 ? names : ['(server hello without ciphers)'];
    } finally {
      conn.close();
    }
  });
}

export async function runScan(ctx: ProbeContext, table: SuiteTable, options: ScanOptions): Promise<RawScan> {
  const { sni } = options;
  const versions = await Promise.all(
    SCAN_VERSIONS.map(async (v) => {
      const r = await eliminate(ctx, table, v, sni);
      options.onStep?.(`${v}: ${r.supported ? `${r.suites.length} suites` : 'not supported'}`);
      return r;
    }),
  );
  const supported = versions.filter((v) => v.supported);
  if (supported.length === 0) {
    const v2 = await probeSslv2(ctx);
    if (v2.length === 0)
      throw new EngineError(
        'TLS_NO_COMMON_PROTOCOL',
        'no protocol version from SSLv3 to TLS 1.3 was accepted',
      );
    return { versions, sslv2Ciphers: v2, groups: [] };
  }
  const best12 = [...supported].reverse().find((v) => v.version !== 'TLSv1.3');
  const tls13 = supported.find((v) => v.version === 'TLSv1.3');
  const ecdhe = best12?.suites.filter((s) => s.kx === 'ECDHE').map((s) => s.code) ?? [];

  const [sslv2Ciphers, groupCodes, dhGroups, chainProbe] = await Promise.all([
    probeSslv2(ctx),
    tls13
      ? scanGroups13(ctx, sni)
      : best12 && ecdhe.length > 0
        ? scanGroups12(ctx, best12.version, ecdhe, sni)
        : Promise.resolve([]),
    measureDhGroups(ctx, table, versions, sni),
    best12
      ? withHello(
          ctx,
          { version: best12.version, suites: best12.suites.map((s) => s.code), sni },
          'done',
          (o) => {
            if (o.kind !== 'hello') return undefined;
            const cert = o.stream.message(HandshakeType.certificate);
            return { cert, requested: o.stream.message(HandshakeType.certificateRequest) !== undefined };
          },
        )
      : Promise.resolve(undefined),
  ]);
  options.onStep?.(`groups: ${groupCodes.length}`);
  return {
    versions,
    sslv2Ciphers,
    groups: groupCodes.map((code) => ({
      code,
      name: groupName(code),
      postQuantum: NAMED_GROUPS.find((g) => g.code === code)?.pq === true,
    })),
    groupsVersion: tls13 ? 'TLSv1.3' : groupCodes.length > 0 ? best12?.version : undefined,
    dhPrimeBits: dhGroups.length > 0 ? Math.min(...dhGroups.map((g) => g.primeBits)) : undefined,
    dhGroups,
    certificatesDer: chainProbe?.cert ? parseCertificateMessage(chainProbe.cert.body) : undefined,
    clientCertificateRequested: chainProbe?.requested,
  };
}
