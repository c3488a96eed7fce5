// `wirelab tls inspect|request`: the TLS inspector headless — the same report as the app, printed as an
// aligned, sectioned layout (coloured on a terminal) or one JSON object with --json; exit code 3 when
// the inspection found problems.
import { readFileSync, writeFileSync } from 'node:fs';
import { TLS_DEFAULTS, StartTlsProtocol, type TlsInspectInput } from '../../shared/contract/tls';
import { reportToMarkdown } from '../../main/engines/tls/report-markdown';
import { massLine, reportToText } from '../../main/engines/tls/report-text';
import { openClient } from '../client';
import { EXIT, UsageError, optNum, type Command } from '../framework';

/** Colour only on a terminal; NO_COLOR (any non-empty value) wins, FORCE_COLOR forces it. */
export function wantColor(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true;
  return (stream as { isTTY?: boolean }).isTTY === true && env.TERM !== 'dumb';
}

function list(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  return typeof v === 'string' ? [v] : [];
}

export const tlsInspect: Command = {
  path: ['tls', 'inspect'],
  summary: 'Inspect a TLS server: handshake, chain, problems, scan, grade',
  usage: `wirelab tls inspect TARGET... [--targets FILE] [--scan] [--clients] [--sni NAME | --no-sni] [--alpn LIST] [--starttls PROTO]
                    [--ca FILE]... [--no-system-store] [--no-aia] [--no-revocation] [--ct-log-list FILE] [--http auto|always|never] [--no-resumption]
                    [--timeout MS] [--concurrency N] [--rate N] [--max-handshakes N] [--out FILE] [--json]

  TARGET             HOST[:PORT]: host name or address; port ${TLS_DEFAULTS.port} (or the STARTTLS protocol's port).
                     Several targets (or --targets) make a mass scan: a line per target as it finishes
                     (one JSON line per target with --json), then a table
  --targets FILE     more targets, one per line (# comments and blank lines skipped)
  --scan             also scan versions, cipher suites, groups and known weaknesses by raw handshakes
  --clients          client simulation: what 40+ named browsers, phones, JVMs and libraries would negotiate
  --sni NAME         server name to send (default: the host; never for an IP address)
  --no-sni           send no server name
  --alpn LIST        comma-separated ALPN offer (default ${TLS_DEFAULTS.defaultAlpn.join(',')}; "" for none)
  --starttls PROTO   smtp, imap, pop3 or ftp
  --ca FILE          extra CA certificates (PEM); repeat for more files
  --no-system-store  validate against the Mozilla roots and --ca only
  --no-aia           do not download an intermediate the server did not send (from its AIA URL)
  --no-revocation    do not ask the certificate's OCSP responder or fetch its CRL
  --ct-log-list FILE verify SCTs with this CT log list (Chrome's log_list.json / all_logs_list.json)
                     instead of the bundled one
  --http MODE        HSTS probe: auto (port 443/8443 or HTTP ALPN), always, never (default auto)
  --no-resumption    skip the session-resumption reconnect
  --timeout MS       handshake budget (default ${TLS_DEFAULTS.timeoutMs})
  --concurrency N    mass scan: targets at once (default ${TLS_DEFAULTS.massConcurrency}); one target: as --scan-concurrency
  --scan-concurrency N  scan handshakes in flight per target (default ${TLS_DEFAULTS.scanConcurrency})
  --rate N           scan handshakes started per second, 0 = unlimited (default ${TLS_DEFAULTS.scanRatePerSecond})
  --max-handshakes N scan handshake limit (default ${TLS_DEFAULTS.scanMaxHandshakes})
  --out FILE         also write the report (.json → JSON, anything else → Markdown)
Exit code 3 when a problem is found (certificate problems or vulnerable weaknesses); mass scan: 1 when a
target could not be inspected.`,
  options: {
    scan: { type: 'boolean', default: false },
    clients: { type: 'boolean', default: false },
    sni: { type: 'string' },
    'no-sni': { type: 'boolean', default: false },
    alpn: { type: 'string' },
    starttls: { type: 'string' },
    ca: { type: 'string', multiple: true },
    'no-system-store': { type: 'boolean', default: false },
    'no-aia': { type: 'boolean', default: false },
    'no-revocation': { type: 'boolean', default: false },
    'ct-log-list': { type: 'string' },
    http: { type: 'string', default: 'auto' },
    'no-resumption': { type: 'boolean', default: false },
    timeout: { type: 'string' },
    concurrency: { type: 'string' },
    rate: { type: 'string' },
    'max-handshakes': { type: 'string' },
    out: { type: 'string' },
    targets: { type: 'string' },
    'scan-concurrency': { type: 'string' },
  },
  async run({ values, positionals }, io) {
    const starttls = values.starttls === undefined ? undefined : StartTlsProtocol.safeParse(values.starttls);
    if (starttls && !starttls.success)
      throw new UsageError(`--starttls must be one of ${StartTlsProtocol.options.join(', ')}`);
    if (!['auto', 'always', 'never'].includes(String(values.http)))
      throw new UsageError('--http must be auto, always or never');
    const targets = [
      ...positionals,
      ...(typeof values.targets === 'string' ? readTargets(values.targets) : []),
    ];
    if (targets.length === 0) throw new UsageError('tls inspect needs a HOST[:PORT] (or --targets FILE)');
    const mass = targets.length > 1 || typeof values.targets === 'string';
    const options = {
      scan: values.scan === true,
      clients: values.clients === true,
      sni: typeof values.sni === 'string' ? values.sni : undefined,
      noSni: values['no-sni'] === true,
      alpn:
        typeof values.alpn === 'string'
          ? values.alpn
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean)
          : undefined,
      starttls: starttls?.data,
      caFiles: list(values.ca),
      useSystemStore: values['no-system-store'] !== true,
      fetchIssuers: values['no-aia'] !== true,
      checkRevocation: values['no-revocation'] !== true,
      ctLogList: typeof values['ct-log-list'] === 'string' ? values['ct-log-list'] : undefined,
      http: values.http as 'auto' | 'always' | 'never',
      resumption: values['no-resumption'] !== true,
      timeoutMs: optNum(values.timeout),
      // With several targets --concurrency is targets at once; the scan's handshakes are --scan-concurrency.
      scanConcurrency: optNum(values['scan-concurrency'] ?? (mass ? undefined : values.concurrency)),
      scanRatePerSecond: optNum(values.rate),
      scanMaxHandshakes: optNum(values['max-handshakes']),
      noHistory: true,
    };
    // Through the dispatcher (src/cli/client.ts): the contract's schema checks ranges and fills defaults.
    const client = openClient(['tls']);
    void io.interrupted.then(() => client.close());
    try {
      if (mass) return await inspectMany(client, io, targets, optNum(values.concurrency), options);
      const report = await client.must(client.api.tls.inspect({ ...options, target: targets[0] ?? '' }));
      if (typeof values.out === 'string')
        writeFileSync(
          values.out,
          values.out.endsWith('.json') ? `${JSON.stringify(report, null, 2)}\n` : reportToMarkdown(report),
        );
      io.out(reportToText(report, { color: wantColor(io.stdout) }).trimEnd(), { type: 'report', ...report });
      return report.problemCount > 0 ? EXIT.PROBLEMS : EXIT.OK;
    } finally {
      await client.close();
    }
  },
};

/** One target per line; blank lines and # comments are skipped. */
function readTargets(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--targets ${file}: ${(err as Error).message}`);
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter(Boolean);
}

/** Mass mode: a line per target as it finishes (a JSON line with --json), then the table in input order. */
async function inspectMany(
  client: ReturnType<typeof openClient<'tls'>>,
  io: Parameters<Command['run']>[1],
  targets: string[],
  concurrency: number | undefined,
  options: Omit<TlsInspectInput, 'target'>,
): Promise<number> {
  const session = `cli-${process.pid}-${Date.now().toString(36)}`;
  const color = wantColor(io.stdout);
  const width = Math.min(40, Math.max(...targets.map((t) => t.length)));
  const off = client.onEvent((e) => {
    if (e.engine !== 'tls' || e.type !== 'target' || e.session !== session) return;
    const counter = `[${String(e.done).padStart(String(e.total).length)}/${e.total}]`;
    io.out(`${counter} ${massLine(e.row, width, color)}`, { type: 'target', ...e.row });
  });
  try {
    const out = await client.must(client.api.tls.inspectMany({ targets, concurrency, options, session }));
    client.flush();
    if (!io.json) {
      const failed = out.rows.filter((r) => !r.ok).length;
      const problems = out.rows.filter((r) => (r.problemCount ?? 0) > 0).length;
      io.out(
        `\n ${out.rows.length} of ${targets.length} targets in ${(out.durationMs / 1000).toFixed(1)} s: ${failed} failed, ${problems} with problems${out.cancelled ? ' (cancelled)' : ''}\n${out.rows.map((r) => `   ${massLine(r, width, color)}`).join('\n')}`,
      );
    }
    // Ctrl+C stops the scan (the client closes, the engine cancels it) with the finished rows printed;
    // a script must not read the partial result as a clean one.
    if (out.cancelled) return EXIT.INTERRUPTED;
    if (out.rows.some((r) => !r.ok)) return EXIT.FAILED;
    return out.rows.some((r) => (r.problemCount ?? 0) > 0) ? EXIT.PROBLEMS : EXIT.OK;
  } finally {
    off();
  }
}

export const tlsRequest: Command = {
  path: ['tls', 'request'],
  summary: 'Send a raw request over TLS and print the response',
  usage: `wirelab tls request HOST[:PORT] [TEXT] [--sni NAME] [--starttls PROTO] [--timeout MS] [--max-bytes N] [--json]

  TEXT             what to send; \\r and \\n escapes are understood (default: GET / HTTP/1.1 with Host)
  --max-bytes N    keep at most N response bytes (default ${TLS_DEFAULTS.requestMaxResponseBytes})
The certificate is not verified (use tls inspect for that).`,
  options: {
    sni: { type: 'string' },
    starttls: { type: 'string' },
    timeout: { type: 'string' },
    'max-bytes': { type: 'string' },
  },
  async run({ values, positionals }, io) {
    if (positionals.length < 1 || positionals.length > 2)
      throw new UsageError('tls request needs HOST[:PORT] and optional TEXT');
    const starttls = values.starttls === undefined ? undefined : StartTlsProtocol.safeParse(values.starttls);
    if (starttls && !starttls.success)
      throw new UsageError(`--starttls must be one of ${StartTlsProtocol.options.join(', ')}`);
    const client = openClient(['tls']);
    try {
      const r = await client.must(
        client.api.tls.request({
          target: positionals[0] ?? '',
          data: positionals[1]?.replace(/\\r/g, '\r').replace(/\\n/g, '\n'),
          sni: typeof values.sni === 'string' ? values.sni : undefined,
          starttls: starttls?.data,
          timeoutMs: optNum(values.timeout),
          maxResponseBytes: optNum(values['max-bytes']),
        }),
      );
      io.out(r.response, { type: 'response', ...r });
      return EXIT.OK;
    } finally {
      await client.close();
    }
  },
};
