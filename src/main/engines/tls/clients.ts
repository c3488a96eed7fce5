// Client simulation (SSL Labs' "handshake simulation", testssl.sh's -c): each named client's real
// ClientHello (client-hellos.ts) is sent as raw bytes with the target's server name, and the server's
// answer says what that client would get: protocol, suite, key-exchange group, ALPN — or why it fails.
// Raw bytes work the same under Electron's BoringSSL, which could not imitate these clients itself.
import type { TlsClientResult } from '../../../shared/contract/tls';
import { EngineError } from '../common/errors';
import type { SuiteTable } from './cipher-suites';
import { unknownSuite } from './cipher-suites';
import { CLIENT_HELLOS, type ClientHelloData } from './client-hellos';
import { connectTls, type HandshakeTarget } from './handshake';
import { withHello, type ProbeContext } from './probes';
import { ALERT_NAMES, Ext, HandshakeType, groupName, parseServerKeyExchange, versionName } from './wire';

/** What a captured ClientHello offers, read from its bytes. */
export interface ParsedClientHello {
  /** The highest version offered (supported_versions when present, else the legacy field). */
  versions: number[];
  suites: number[];
  groups: number[];
  alpn: string[];
  /** Byte ranges to rebuild the hello with another server name. */
  parts: { recordVersion: number; beforeExtensions: Uint8Array; extensions: Array<[number, Uint8Array]> };
}

const u16 = (b: Uint8Array, o: number) => ((b[o] ?? 0) << 8) | (b[o + 1] ?? 0);

export function parseClientHello(bytes: Uint8Array): ParsedClientHello {
  const fail = (why: string) => new EngineError('INVALID_INPUT', `not a ClientHello record: ${why}`);
  if (bytes[0] !== 0x16 || bytes.length < 9 || bytes[5] !== 1) throw fail('wrong record or message type');
  const recordVersion = u16(bytes, 1);
  const body = bytes.subarray(9);
  let o = 2 + 32;
  o += 1 + (body[o] ?? 0);
  const suiteLen = u16(body, o);
  const suites: number[] = [];
  for (let i = 0; i < suiteLen; i += 2) suites.push(u16(body, o + 2 + i));
  o += 2 + suiteLen;
  o += 1 + (body[o] ?? 0);
  if (o > body.length) throw fail('truncated');
  const beforeExtensions = body.subarray(0, o);
  const extensions: Array<[number, Uint8Array]> = [];
  if (o + 2 <= body.length) {
    const end = Math.min(body.length, o + 2 + u16(body, o));
    for (let p = o + 2; p + 4 <= end;) {
      const type = u16(body, p);
      const len = u16(body, p + 2);
      extensions.push([type, body.subarray(p + 4, p + 4 + len)]);
      p += 4 + len;
    }
  }
  const ext = (t: number) => extensions.find(([type]) => type === t)?.[1];
  const sv = ext(Ext.supportedVersions);
  const versions: number[] = [];
  if (sv) {
    const n = Math.min(sv[0] ?? 0, sv.length - 1);
    for (let i = 1; i + 1 <= n; i += 2) versions.push(u16(sv, i));
  }
  if (versions.length === 0) versions.push(u16(body, 0));
  const g = ext(Ext.supportedGroups);
  const groups: number[] = [];
  if (g) {
    const n = Math.min(u16(g, 0), g.length - 2);
    for (let i = 2; i + 1 < 2 + n; i += 2) groups.push(u16(g, i));
  }
  const a = ext(Ext.alpn);
  const alpn: string[] = [];
  if (a)
    for (let i = 2; i < Math.min(a.length, 2 + u16(a, 0));) {
      const len = a[i] ?? 0;
      alpn.push(Buffer.from(a.subarray(i + 1, i + 1 + len)).toString('latin1'));
      i += 1 + len;
    }
  return { versions, suites, groups, alpn, parts: { recordVersion, beforeExtensions, extensions } };
}

/** The capture again, with `sni` as its server name (or none), a fresh random and correct lengths. */
export function rebuildClientHello(p: ParsedClientHello, sni: string | undefined): Uint8Array {
  const exts: number[] = [];
  const push = (type: number, data: ArrayLike<number>) => {
    exts.push(type >> 8, type & 0xff, data.length >> 8, data.length & 0xff, ...Array.from(data));
  };
  for (const [type, data] of p.parts.extensions) {
    if (type !== Ext.serverName) push(type, data);
    else if (sni) {
      const name = [...Buffer.from(sni, 'ascii')];
      const entry = [0, name.length >> 8, name.length & 0xff, ...name];
      push(type, [entry.length >> 8, entry.length & 0xff, ...entry]);
    }
  }
  const before = [...p.parts.beforeExtensions];
  crypto.getRandomValues(new Uint8Array(32)).forEach((b, i) => (before[2 + i] = b));
  const body = [...before, exts.length >> 8, exts.length & 0xff, ...exts];
  const hs = [1, (body.length >> 16) & 0xff, (body.length >> 8) & 0xff, body.length & 0xff, ...body];
  const v = p.parts.recordVersion;
  return new Uint8Array([0x16, v >> 8, v & 0xff, hs.length >> 8, hs.length & 0xff, ...hs]);
}

function versionLabel(code: number): string {
  return versionName(code) ?? `0x${code.toString(16).padStart(4, '0')}`;
}

export interface SimulationOptions {
  sni?: string;
  /** The ALPN protocol the server picks for an offer, learnt by a real handshake (TLS 1.3 hides it). */
  alpnFor?: (offer: string[]) => Promise<string | undefined>;
  clients?: readonly ClientHelloData[];
}

async function simulateOne(
  ctx: ProbeContext,
  table: SuiteTable,
  client: ClientHelloData,
  options: SimulationOptions,
): Promise<TlsClientResult> {
  const parsed = parseClientHello(Buffer.from(client.hello, 'hex'));
  const maxOffered = Math.max(...parsed.versions.filter((v) => v >= 0x0300 && v <= 0x0304));
  const base = {
    id: client.id,
    name: client.name,
    source: client.source,
    maxVersion: versionLabel(maxOffered),
  };
  const sni = options.sni;
  const raw = rebuildClientHello(parsed, sni);
  return withHello(ctx, raw, 'done', async (o): Promise<TlsClientResult> => {
    if (o.kind === 'alert') {
      const name = ALERT_NAMES[o.alert.description] ?? `alert ${o.alert.description}`;
      const why =
        o.alert.description === 70
          ? `no common protocol version (the client offers up to ${base.maxVersion})`
          : o.alert.description === 40
            ? 'no common cipher suite or group'
            : `refused`;
      return { ...base, ok: false, reason: `${why} (server alert ${name})` };
    }
    if (o.kind !== 'hello')
      return {
        ...base,
        ok: false,
        reason: o.kind === 'timeout' ? 'the server did not answer' : 'the server closed the connection',
      };
    const h = o.hello;
    if (!parsed.versions.includes(h.negotiatedVersion) && h.negotiatedVersion > maxOffered)
      return {
        ...base,
        ok: false,
        reason: `the server chose ${versionLabel(h.negotiatedVersion)}, which the client does not offer`,
      };
    if (!parsed.suites.includes(h.suite))
      return { ...base, ok: false, reason: `the server chose suite 0x${h.suite.toString(16)}, not offered` };
    const suite = table.byCode(h.suite) ?? unknownSuite(h.suite);
    const protocol = versionLabel(h.negotiatedVersion);
    let group: string | undefined;
    if (h.negotiatedVersion === 0x0304) {
      group = h.keyShareGroup !== undefined ? groupName(h.keyShareGroup) : undefined;
      if (h.helloRetryRequest && group) group += ' (after HelloRetryRequest)';
    } else if (suite.kx === 'ECDHE' || suite.kx === 'DHE' || suite.kx === 'DH') {
      const ske = o.stream.message(HandshakeType.serverKeyExchange);
      const kx = ske ? parseServerKeyExchange(ske.body, suite.kx === 'ECDHE' ? 'ECDHE' : 'DHE') : undefined;
      if (kx?.group !== undefined) group = groupName(kx.group);
      else if (kx?.dhPrimeBits !== undefined) group = `DH ${kx.dhPrimeBits} bits`;
    } else if (suite.kx === 'RSA') group = 'RSA key transport (no forward secrecy)';
    let alpn: string | undefined;
    const alpnExt = h.extensions.get(Ext.alpn);
    if (alpnExt && alpnExt.length > 3)
      alpn = Buffer.from(alpnExt.subarray(3, 3 + (alpnExt[2] ?? 0))).toString('latin1');
    else if (h.negotiatedVersion === 0x0304 && parsed.alpn.length > 0 && options.alpnFor)
      alpn = await options.alpnFor(parsed.alpn);
    return {
      ...base,
      ok: true,
      protocol,
      suite: suite.openssl ?? suite.name,
      suiteIana: suite.name,
      forwardSecret: suite.forwardSecret,
      group,
      alpn,
    };
  });
}

/**
 * TLS 1.3 encrypts the server's ALPN answer, so it is learnt from a real TLS 1.3 handshake with the same
 * offer — once per distinct offer (most clients offer h2, http/1.1).
 */
export function alpnProbe(
  target: HandshakeTarget,
  address: string,
  signal?: AbortSignal,
): (offer: string[]) => Promise<string | undefined> {
  const cache = new Map<string, Promise<string | undefined>>();
  return (offer) => {
    const key = offer.join(',');
    let answer = cache.get(key);
    if (!answer) {
      answer = connectTls(target, address, { ALPNProtocols: offer, minVersion: 'TLSv1.3' }, signal).then(
        (c) => {
          const chosen = c.socket.alpnProtocol || undefined;
          c.socket.destroy();
          return chosen;
        },
        () => undefined,
      );
      cache.set(key, answer);
    }
    return answer;
  };
}

/** Every client's verdict, in the data's order. A probe that errors is that client's failure, not the run's. */
export async function simulateClients(
  ctx: ProbeContext,
  table: SuiteTable,
  options: SimulationOptions,
): Promise<TlsClientResult[]> {
  const clients = options.clients ?? CLIENT_HELLOS;
  return Promise.all(
    clients.map((c) =>
      simulateOne(ctx, table, c, options).catch((err: unknown): TlsClientResult => {
        if (ctx.signal?.aborted) throw err;
        return {
          id: c.id,
          name: c.name,
          source: c.source,
          maxVersion: '?',
          ok: false,
          reason: err instanceof Error ? err.message : String(err),
        };
      }),
    ),
  );
}
