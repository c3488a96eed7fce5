// `wirelab tls inspect|request`: the TLS inspector headless — the same report as the app, printed as an
// aligned, sectioned layout (coloured on a terminal) or one JSON object with --json; exit code 3 when
// the inspection found problems.
import { writeFileSync } from 'node:fs';
import { TLS_DEFAULTS, StartTlsProtocol } from '../../shared/contract/tls';
import { reportToMarkdown } from '../../main/engines/tls/report-markdown';
import { reportToText } from '../../main/engines/tls/report-text';
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
  usage: `wirelab tls inspect HOST[:PORT] [--scan] [--clients] [--sni NAME | --no-sni] [--alpn LIST] [--starttls PROTO]
                    [--ca FILE]... [--no-system-store] [--no-aia] [--http auto|always|never] [--no-resumption]
                    [--timeout MS] [--concurrency N] [--rate N] [--max-handshakes N] [--out FILE] [--json]

  HOST[:PORT]        host name or address; port ${TLS_DEFAULTS.port} (or the STARTTLS protocol's port)
  --scan             also scan versions, cipher suites, groups and known weaknesses by raw handshakes
  --clients          client simulation: what 40+ named browsers, phones, JVMs and libraries would negotiate
  --sni NAME         server name to send (default: the host; never for an IP address)
  --no-sni           send no server name
  --alpn LIST        comma-separated ALPN offer (default ${TLS_DEFAULTS.defaultAlpn.join(',')}; "" for none)
  --starttls PROTO   smtp, imap, pop3 or ftp
  --ca FILE          extra CA certificates (PEM); repeat for more files
  --no-system-store  validate against the Mozilla roots and --ca only
  --no-aia           do not download an intermediate the server did not send (from its AIA URL)
  --http MODE        HSTS probe: auto (port 443/8443 or HTTP ALPN), always, never (default auto)
  --no-resumption    skip the session-resumption reconnect
  --timeout MS       handshake budget (default ${TLS_DEFAULTS.timeoutMs})
  --concurrency N    scan handshakes in flight (default ${TLS_DEFAULTS.scanConcurrency})
  --rate N           scan handshakes started per second, 0 = unlimited (default ${TLS_DEFAULTS.scanRatePerSecond})
  --max-handshakes N scan handshake limit (default ${TLS_DEFAULTS.scanMaxHandshakes})
  --out FILE         also write the report (.json → JSON, anything else → Markdown)
Exit code 3 when a problem is found (certificate problems or vulnerable weaknesses).`,
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
    http: { type: 'string', default: 'auto' },
    'no-resumption': { type: 'boolean', default: false },
    timeout: { type: 'string' },
    concurrency: { type: 'string' },
    rate: { type: 'string' },
    'max-handshakes': { type: 'string' },
    out: { type: 'string' },
  },
  async run({ values, positionals }, io) {
    if (positionals.length !== 1) throw new UsageError('tls inspect needs exactly one HOST[:PORT]');
    const starttls = values.starttls === undefined ? undefined : StartTlsProtocol.safeParse(values.starttls);
    if (starttls && !starttls.success)
      throw new UsageError(`--starttls must be one of ${StartTlsProtocol.options.join(', ')}`);
    if (!['auto', 'always', 'never'].includes(String(values.http)))
      throw new UsageError('--http must be auto, always or never');
    // Through the dispatcher (src/cli/client.ts): the contract's schema checks ranges and fills defaults.
    const client = openClient(['tls']);
    const running = client.must(
      client.api.tls.inspect({
        target: positionals[0] ?? '',
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
        http: values.http as 'auto' | 'always' | 'never',
        resumption: values['no-resumption'] !== true,
        timeoutMs: optNum(values.timeout),
        scanConcurrency: optNum(values.concurrency),
        scanRatePerSecond: optNum(values.rate),
        scanMaxHandshakes: optNum(values['max-handshakes']),
        noHistory: true,
      }),
    );
    void io.interrupted.then(() => client.close());
    try {
      const report = await running;
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
