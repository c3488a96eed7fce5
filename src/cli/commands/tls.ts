// `wirelab tls inspect|request`: the TLS inspector headless — the same report as the app, printed as
// Markdown (or one JSON object with --json), exit code 3 when the inspection found problems.
import { writeFileSync } from 'node:fs';
import { TLS_DEFAULTS, TlsInspectInput, TlsRequestInput, StartTlsProtocol } from '../../shared/contract/tls';
import { TlsInspector } from '../../main/engines/tls/inspector';
import { reportToMarkdown } from '../../main/engines/tls/report-markdown';
import { EXIT, UsageError, intArg, type Command } from '../framework';

function list(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  return typeof v === 'string' ? [v] : [];
}

export const tlsInspect: Command = {
  path: ['tls', 'inspect'],
  summary: 'Inspect a TLS server: handshake, chain, problems, scan, grade',
  usage: `wirelab tls inspect HOST[:PORT] [--scan] [--sni NAME | --no-sni] [--alpn LIST] [--starttls PROTO]
                    [--ca FILE]... [--no-system-store] [--no-aia] [--http auto|always|never] [--no-resumption]
                    [--timeout MS] [--concurrency N] [--rate N] [--max-handshakes N] [--out FILE] [--json]

  HOST[:PORT]        host name or address; port ${TLS_DEFAULTS.port} (or the STARTTLS protocol's port)
  --scan             also scan versions, cipher suites, groups and known weaknesses by raw handshakes
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
    const input = TlsInspectInput.parse({
      target: positionals[0],
      scan: values.scan === true,
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
      http: values.http,
      resumption: values['no-resumption'] !== true,
      timeoutMs: values.timeout === undefined ? undefined : intArg(values.timeout, '--timeout', 100, 120_000),
      scanConcurrency:
        values.concurrency === undefined ? undefined : intArg(values.concurrency, '--concurrency', 1, 64),
      scanRatePerSecond: values.rate === undefined ? undefined : intArg(values.rate, '--rate', 0, 10_000),
      scanMaxHandshakes:
        values['max-handshakes'] === undefined
          ? undefined
          : intArg(values['max-handshakes'], '--max-handshakes', 10, 10_000),
      noHistory: true,
    });
    const inspector = new TlsInspector();
    const running = inspector.inspect(input);
    const interrupted = io.interrupted.then(() => inspector.close());
    void interrupted;
    try {
      const report = await running;
      const markdown = reportToMarkdown(report);
      if (typeof values.out === 'string')
        writeFileSync(
          values.out,
          values.out.endsWith('.json') ? `${JSON.stringify(report, null, 2)}\n` : markdown,
        );
      io.out(markdown, { type: 'report', ...report });
      return report.problemCount > 0 ? EXIT.PROBLEMS : EXIT.OK;
    } finally {
      await inspector.close();
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
    const inspector = new TlsInspector();
    try {
      const r = await inspector.request(
        TlsRequestInput.parse({
          target: positionals[0],
          data: positionals[1]?.replace(/\\r/g, '\r').replace(/\\n/g, '\n'),
          sni: typeof values.sni === 'string' ? values.sni : undefined,
          starttls: starttls?.data,
          timeoutMs:
            values.timeout === undefined ? undefined : intArg(values.timeout, '--timeout', 100, 120_000),
          maxResponseBytes:
            values['max-bytes'] === undefined
              ? undefined
              : intArg(values['max-bytes'], '--max-bytes', 1, 64 * 1024 * 1024),
        }),
      );
      io.out(r.response, { type: 'response', ...r });
      return EXIT.OK;
    } finally {
      await inspector.close();
    }
  },
};
