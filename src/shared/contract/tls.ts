// TLS inspector contract: inspect a host (handshake, certificates, validation, optional raw-handshake
// scan with weaknesses and a grade), send a raw request over TLS, export a report, keep a history.
import { z } from 'zod';
import { coded, method } from './define';
import { destPort, host, payload, sessionId } from './common';
import { TlsClientResult, TlsHeaderFinding, TlsMassRow, TlsRevocationCheck } from './tls-findings';
import { TlsCtSummary, TlsSct } from './tls-ct';

export * from './tls-findings';
export * from './tls-ct';

/** Documented defaults of the TLS inspector (docs/tls.md). */
export const TLS_DEFAULTS = {
  port: 443,
  /** Budget for the whole inspection (handshake, resumption, HTTP probe); the scan has its own. */
  timeoutMs: 10_000,
  connectTimeoutMs: 5_000,
  /** Raw-handshake probes: how long to wait for the server's first flight. */
  probeTimeoutMs: 4_000,
  /** Handshakes in flight at once during a scan. */
  scanConcurrency: 8,
  /** Handshakes started per second during a scan (0 = no rate limit). */
  scanRatePerSecond: 200,
  /** Hard cap on the handshakes one scan may make. */
  scanMaxHandshakes: 1_000,
  /** Bytes read from the server per raw probe (a certificate chain fits easily). */
  probeMaxBytes: 256 * 1024,
  /** Certificates the server sends that are examined; more are counted, not parsed. */
  maxCertificates: 16,
  /** Problems reported as "expiring soon" when fewer days than this are left. */
  expiryWarningDays: 30,
  /** Wait for the HTTP answer (HSTS). */
  httpTimeoutMs: 3_000,
  /** Wait for a TLS 1.3 session ticket after the handshake (they arrive after it). */
  ticketWaitMs: 1_000,
  /** Bytes of an HTTP response head read for HSTS. */
  maxHttpHeadBytes: 64 * 1024,
  /** Raw request: cap on the response kept. */
  requestMaxResponseBytes: 1024 * 1024,
  requestTimeoutMs: 10_000,
  /** Bytes one CA file may have. */
  maxCaFileBytes: 4 * 1024 * 1024,
  /** STARTTLS: cap on one plaintext reply. */
  starttlsMaxReplyBytes: 64 * 1024,
  /** Hosts kept in the history list; the full report is kept for the newest historyReports of them. */
  /** A missing intermediate's download from its AIA URL: time, size and count per inspection. */
  aiaTimeoutMs: 3_000,
  aiaMaxBytes: 64 * 1024,
  aiaMaxFetches: 3,
  /** OCSP and CRL lookups for the leaf: time each, and bytes of an OCSP answer and of a CRL. */
  revocationTimeoutMs: 3_000,
  ocspMaxBytes: 64 * 1024,
  crlMaxBytes: 4 * 1024 * 1024,
  /** Bytes of a CT log list file given with `ctLogList` (Chrome's all_logs_list.json is ~120 KiB). */
  ctLogListMaxBytes: 4 * 1024 * 1024,
  historyEntries: 200,
  historyReports: 20,
  /** Mass scans: targets inspected at once, and the most targets one scan may list. */
  massConcurrency: 4,
  massMaxTargets: 1_000,
  /** A mass-scan JSON export loaded to compare with: 1,000 rows take well under 4 MiB. */
  massExportMaxBytes: 16 * 1024 * 1024,
  defaultAlpn: ['h2', 'http/1.1'] as string[],
} as const;

export const TlsProtocolVersion = z.enum(['SSLv2', 'SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);
export type TlsProtocolVersion = z.infer<typeof TlsProtocolVersion>;
export const StartTlsProtocol = z.enum(['smtp', 'imap', 'pop3', 'ftp']);
export type StartTlsProtocol = z.infer<typeof StartTlsProtocol>;

const pem = () => z.string().max(1024 * 1024, coded('LIMIT_EXCEEDED', 'PEM text too large'));

export const TlsInspectInput = z
  .object({
    /** host, host:port, [v6]:port — a port here wins over `port`. */
    target: host(),
    port: destPort().optional(),
    /** SNI name; defaults to the host (never sent for an IP literal). */
    sni: z.string().trim().max(253).optional(),
    noSni: z.boolean().default(false),
    alpn: z.array(z.string().min(1).max(255)).max(16).default(TLS_DEFAULTS.defaultAlpn),
    starttls: StartTlsProtocol.optional(),
    /** Paths of PEM files with extra CAs (roots are trusted; non-self-signed CAs are used as intermediates). */
    caFiles: z.array(z.string().min(1).max(4096)).max(16).default([]),
    caPem: pem().optional(),
    useSystemStore: z.boolean().default(true),
    /** Download an intermediate the server did not send from its AIA URL (http), as browsers do. */
    fetchIssuers: z.boolean().default(true),
    /** Ask the leaf's OCSP responder and fetch its CRL (http, at the URLs it names), as browsers may. */
    checkRevocation: z.boolean().default(true),
    /** A CT log list file to verify SCTs with instead of the bundled one (Chrome's log_list v3 format). */
    ctLogList: z.string().min(1).max(4096).optional(),
    clientCertPem: pem().optional(),
    clientKeyPem: pem().optional(),
    /** Probe HTTP for HSTS: auto = when the port is 443/8443 or ALPN chose an HTTP protocol. */
    http: z.enum(['auto', 'always', 'never']).default('auto'),
    resumption: z.boolean().default(true),
    scan: z.boolean().default(false),
    /** Client simulation: send the real ClientHellos of named browsers, OSes and libraries. */
    clients: z.boolean().default(false),
    scanConcurrency: z.number().int().min(1).max(64).default(TLS_DEFAULTS.scanConcurrency),
    scanRatePerSecond: z.number().int().min(0).max(10_000).default(TLS_DEFAULTS.scanRatePerSecond),
    scanMaxHandshakes: z.number().int().min(10).max(10_000).default(TLS_DEFAULTS.scanMaxHandshakes),
    timeoutMs: z.number().int().min(100).max(120_000).default(TLS_DEFAULTS.timeoutMs),
    probeTimeoutMs: z.number().int().min(100).max(60_000).default(TLS_DEFAULTS.probeTimeoutMs),
    /** Correlates progress events; generated when absent. */
    session: sessionId().optional(),
    /** Keep it out of the history (for example a CLI run). */
    noHistory: z.boolean().default(false),
  })
  .strict();
export type TlsInspectInput = z.input<typeof TlsInspectInput>;
export type TlsInspectOptions = z.output<typeof TlsInspectInput>;

export const TlsCertificateInfo = z.object({
  subject: z.string(),
  issuer: z.string(),
  commonName: z.string().optional(),
  serialNumber: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
  daysLeft: z.number(),
  keyType: z.string(),
  keyBits: z.number().optional(),
  curve: z.string().optional(),
  signatureAlgorithm: z.string(),
  sha1: z.string(),
  sha256: z.string(),
  subjectAltNames: z.array(z.string()),
  keyUsage: z.array(z.string()),
  extendedKeyUsage: z.array(z.string()),
  basicConstraints: z.object({ ca: z.boolean(), pathLength: z.number().optional() }).optional(),
  ocspUrls: z.array(z.string()),
  caIssuerUrls: z.array(z.string()),
  crlUrls: z.array(z.string()),
  policies: z.array(z.string()),
  sctCount: z.number(),
  selfSigned: z.boolean(),
  pem: z.string(),
});
export type TlsCertificateInfo = z.infer<typeof TlsCertificateInfo>;

export const TlsCertProblemCode = z.enum([
  'expired',
  'not-yet-valid',
  'expiring-soon',
  'self-signed',
  'unknown-issuer',
  'untrusted-root',
  'missing-intermediate',
  'name-mismatch',
  'weak-key',
  'weak-signature',
  'bad-signature',
  'extra-certificate',
  'wrong-order',
  'not-server-auth',
  'leaf-is-ca',
  'path-too-long',
  /** The server authenticated itself with no certificate at all (only anonymous suites were accepted). */
  'no-certificate',
  /** A validly signed OCSP response (stapled or from the responder) or CRL says the certificate is revoked. */
  'revoked',
  /** The stapled OCSP response cannot be relied on (bad signature, another certificate, stale). */
  'ocsp-staple-invalid',
  /** Publicly trusted, but the SCTs do not meet Chrome's CT policy: CT-enforcing browsers refuse it. */
  'ct-not-compliant',
  /** CT compliance could not be decided (SCTs from logs the bundled list does not know). */
  'ct-inconclusive',
  /** An SCT whose signature does not verify or whose timestamp lies in the future. */
  'sct-invalid',
]);
export type TlsCertProblemCode = z.infer<typeof TlsCertProblemCode>;

export const TlsSeverity = z.enum(['critical', 'high', 'medium', 'low', 'info']);
export type TlsSeverity = z.infer<typeof TlsSeverity>;

export const TlsCertProblem = z.object({
  code: TlsCertProblemCode,
  severity: TlsSeverity,
  /** Index into `validation.path` (or `certificates` for extra-certificate), when about one certificate. */
  certIndex: z.number().optional(),
  message: z.string(),
});
export type TlsCertProblem = z.infer<typeof TlsCertProblem>;

export const TlsChainLink = z.object({
  /** Index into `certificates` (as sent), or -1 when it came from a trust store or a CA file. */
  sentIndex: z.number(),
  /** aia: downloaded from the certificate's "CA Issuers" URL because the server did not send it. */
  source: z.enum(['sent', 'mozilla', 'system', 'user', 'aia']),
  certificate: TlsCertificateInfo,
});

export const TlsValidation = z.object({
  trusted: z.boolean(),
  hostnameMatches: z.boolean(),
  checkedName: z.string(),
  path: z.array(TlsChainLink),
  problems: z.array(TlsCertProblem),
  /** OpenSSL's own verdict on the same connection, for comparison. */
  runtimeVerdict: z.string().optional(),
  trustStores: z.array(
    z.object({ name: z.enum(['mozilla', 'system', 'user']), count: z.number(), source: z.string() }),
  ),
  /** Downloads of missing issuers from AIA URLs, in order (none when the chain was complete). */
  aiaFetches: z.array(z.object({ url: z.string(), ok: z.boolean(), message: z.string() })).optional(),
});
export type TlsValidation = z.infer<typeof TlsValidation>;

export const TlsSuiteInfo = z.object({
  code: z.number(),
  hex: z.string(),
  name: z.string(),
  openssl: z.string().optional(),
  kx: z.string(),
  auth: z.string(),
  cipher: z.string(),
  bits: z.number(),
  strength: z.enum(['insecure', 'weak', 'strong']),
  forwardSecret: z.boolean(),
});
export type TlsSuiteInfo = z.infer<typeof TlsSuiteInfo>;

export const TlsTimings = z.object({
  dnsMs: z.number().optional(),
  connectMs: z.number(),
  starttlsMs: z.number().optional(),
  handshakeMs: z.number(),
  totalMs: z.number(),
});

export const TlsOcspStaple = z.object({
  present: z.boolean(),
  responseStatus: z.string().optional(),
  certStatus: z.enum(['good', 'revoked', 'unknown']).optional(),
  producedAt: z.string().optional(),
  thisUpdate: z.string().optional(),
  nextUpdate: z.string().optional(),
  revokedAt: z.string().optional(),
  /** valid: signed by the issuer or a responder it authorized; invalid: not; unverifiable: no issuer to check. */
  signature: z.enum(['valid', 'invalid', 'unverifiable']).optional(),
  signedBy: z.string().optional(),
  /** Why the staple should not be relied on. */
  problems: z.array(z.string()).optional(),
  error: z.string().optional(),
});

export const TlsHandshake = z.object({
  protocol: z.string(),
  cipher: TlsSuiteInfo.optional(),
  cipherOpenssl: z.string(),
  keyExchange: z
    .object({ type: z.string(), name: z.string().optional(), bits: z.number().optional() })
    .optional(),
  alpn: z.string().optional(),
  sni: z.string().optional(),
  resolvedAddress: z.string(),
  /** Absent when the runtime's TLS library refused the server and only the raw scan could talk to it. */
  timings: TlsTimings.optional(),
  /** Why the runtime's own handshake failed (legacy-only servers); the facts then come from the scan. */
  runtimeError: z.string().optional(),
  ocsp: TlsOcspStaple,
  resumption: z
    .object({
      tested: z.boolean(),
      ticketIssued: z.boolean(),
      reused: z.boolean(),
      ticketLifetimeSeconds: z.number().optional(),
      error: z.string().optional(),
    })
    .optional(),
  hsts: z
    .object({
      probed: z.boolean(),
      status: z.number().optional(),
      header: z.string().optional(),
      maxAgeSeconds: z.number().optional(),
      includeSubDomains: z.boolean().optional(),
      preload: z.boolean().optional(),
      /** Content-Encoding of `/` when gzip, deflate and br are accepted (BREACH). */
      contentEncoding: z.string().optional(),
      /** Security headers, cookies and banners of the same answer. */
      securityHeaders: z.array(TlsHeaderFinding).optional(),
      error: z.string().optional(),
    })
    .optional(),
  clientCertificateRequested: z.boolean().optional(),
  starttlsTranscript: z.array(z.string()).optional(),
});
export type TlsHandshake = z.infer<typeof TlsHandshake>;

export const TlsVersionScan = z.object({
  version: TlsProtocolVersion,
  supported: z.boolean(),
  suites: z.array(TlsSuiteInfo),
  /** true: the server chose by its own order (suites are in that order); false: it followed ours. */
  serverPreference: z.boolean().optional(),
});

export const TlsWeaknessStatus = z.enum(['vulnerable', 'ok', 'not-applicable', 'unknown']);
export const TlsWeakness = z.object({
  id: z.string(),
  title: z.string(),
  status: TlsWeaknessStatus,
  severity: TlsSeverity,
  explanation: z.string(),
  detail: z.string(),
  reference: z.string(),
});
export type TlsWeakness = z.infer<typeof TlsWeakness>;

export const TlsScanResult = z.object({
  versions: z.array(TlsVersionScan),
  sslv2Ciphers: z.array(z.string()),
  groups: z.array(z.object({ code: z.number(), name: z.string(), postQuantum: z.boolean() })),
  groupsVersion: z.string().optional(),
  /** The weakest DH prime over every DH family accepted (DHE_RSA, DHE_DSS, anonymous DH). */
  dhPrimeBits: z.number().optional(),
  /** The prime each DH family got, measured by its own handshake. */
  dhGroups: z
    .array(
      z.object({
        family: z.enum(['DHE_RSA', 'DHE_DSS', 'DH_anon']),
        version: TlsProtocolVersion,
        suite: z.string(),
        primeBits: z.number(),
      }),
    )
    .optional(),
  weaknesses: z.array(TlsWeakness),
  handshakes: z.number(),
  durationMs: z.number(),
});
export type TlsScanResult = z.infer<typeof TlsScanResult>;

export const TlsGrade = z.object({
  grade: z.enum(['A+', 'A', 'A-', 'B', 'C', 'F', 'T']),
  /** The grade if trust were ignored (shown next to a T). */
  ignoringTrust: z.enum(['A+', 'A', 'A-', 'B', 'C', 'F']),
  /** false when no scan ran: only the handshake and the certificates were graded. */
  complete: z.boolean(),
  reasons: z.array(z.object({ cap: z.string(), reason: z.string() })),
});
export type TlsGrade = z.infer<typeof TlsGrade>;

export const TlsReport = z.object({
  id: z.string(),
  host: z.string(),
  port: z.number(),
  at: z.number(),
  durationMs: z.number(),
  handshake: TlsHandshake,
  certificates: z.array(TlsCertificateInfo),
  /** false when the order could not be seen on the wire (no hand-built handshake got the Certificate) and was reconstructed. */
  wireOrderKnown: z.boolean(),
  validation: TlsValidation,
  scan: TlsScanResult.optional(),
  /** Client simulation, when asked for. */
  clients: z.array(TlsClientResult).optional(),
  /** OCSP responder and CRL lookups for the leaf (absent when turned off). */
  revocation: z.array(TlsRevocationCheck).optional(),
  /** SCTs from the certificate, the TLS extension and the stapled OCSP response. */
  scts: z.array(TlsSct).optional(),
  /** The leaf judged against Chrome's CT policy with those SCTs. */
  ct: TlsCtSummary.optional(),
  grade: TlsGrade,
  /** Count of problems (certificate problems + vulnerable weaknesses); the CLI exits 3 when > 0. */
  problemCount: z.number(),
});
export type TlsReport = z.infer<typeof TlsReport>;

export const TlsInspectManyInput = z
  .object({
    targets: z
      .array(host())
      .min(1)
      .max(
        TLS_DEFAULTS.massMaxTargets,
        coded('LIMIT_EXCEEDED', `at most ${TLS_DEFAULTS.massMaxTargets} targets per scan`),
      ),
    /** Targets inspected at once. */
    concurrency: z.number().int().min(1).max(64).default(TLS_DEFAULTS.massConcurrency),
    /** Applied to every target (its own `target`, `session` and `noHistory` are set per target). */
    options: TlsInspectInput.omit({ target: true, port: true, session: true }).prefault({}),
    session: sessionId().optional(),
  })
  .strict();
export type TlsInspectManyInput = z.input<typeof TlsInspectManyInput>;

export const TlsInspectManyOutput = z.object({
  session: z.string(),
  rows: z.array(TlsMassRow),
  durationMs: z.number(),
  cancelled: z.boolean(),
});

export const TlsRequestInput = z
  .object({
    target: host(),
    port: destPort().optional(),
    sni: z.string().trim().max(253).optional(),
    noSni: z.boolean().default(false),
    starttls: StartTlsProtocol.optional(),
    /** Defaults to `GET / HTTP/1.1` with the Host header. Escapes \r \n are sent as typed after conversion by the caller. */
    data: payload().optional(),
    encoding: z.enum(['text', 'hex']).default('text'),
    alpn: z.array(z.string().min(1).max(255)).max(16).default([]),
    timeoutMs: z.number().int().min(100).max(120_000).default(TLS_DEFAULTS.requestTimeoutMs),
    maxResponseBytes: z
      .number()
      .int()
      .min(1)
      .max(64 * 1024 * 1024)
      .default(TLS_DEFAULTS.requestMaxResponseBytes),
  })
  .strict();

export const TlsRequestOutput = z.object({
  sent: z.string(),
  response: z.string(),
  responseBytes: z.number(),
  truncated: z.boolean(),
  protocol: z.string(),
  durationMs: z.number(),
  closedBy: z.enum(['server', 'timeout', 'limit']),
});

export const TlsHistoryEntry = z.object({
  id: z.string(),
  host: z.string(),
  port: z.number(),
  at: z.number(),
  grade: z.string(),
  problemCount: z.number(),
  protocol: z.string(),
  scanned: z.boolean(),
  hasReport: z.boolean(),
});
export type TlsHistoryEntry = z.infer<typeof TlsHistoryEntry>;

export const tlsContract = {
  inspect: method(TlsInspectInput, TlsReport),
  /** A list of targets with bounded concurrency; each finished target is also sent as a `target` event. */
  inspectMany: method(TlsInspectManyInput, TlsInspectManyOutput),
  cancel: method(z.object({ session: sessionId() }).strict(), z.object({ cancelled: z.boolean() })),
  request: method(TlsRequestInput, TlsRequestOutput),
  exportReport: method(
    z.object({ report: TlsReport, format: z.enum(['json', 'markdown']) }).strict(),
    z.object({ text: z.string(), fileName: z.string(), mime: z.string() }),
  ),
  history: method(z.object({}).strict().default({}), z.object({ entries: z.array(TlsHistoryEntry) })),
  historyReport: method(z.object({ id: z.string().min(1).max(64) }).strict(), TlsReport),
  historyClear: method(z.object({}).strict().default({}), z.object({ removed: z.number() })),
};

export type TlsEvent =
  | {
      engine: 'tls';
      type: 'progress';
      session: string;
      at: number;
      phase:
        | 'connect'
        | 'handshake'
        | 'resumption'
        | 'http'
        | 'scan'
        | 'weaknesses'
        | 'revocation'
        | 'clients'
        | 'done';
      handshakes: number;
      detail: string;
    }
  | {
      engine: 'tls';
      type: 'finished';
      session: string;
      at: number;
      host: string;
      port: number;
      grade: string;
      problemCount: number;
    }
  | { engine: 'tls'; type: 'failed'; session: string; at: number; code: string; message: string }
  | {
      engine: 'tls';
      type: 'target';
      session: string;
      at: number;
      /** Targets finished so far (this one included) out of total. */
      done: number;
      total: number;
      row: TlsMassRow;
    };
