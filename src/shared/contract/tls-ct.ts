// Certificate transparency in the TLS report: each signed certificate timestamp with its log (from the
// bundled CT log list), whether its signature verifies, and the leaf judged against Chrome's CT policy.
// Part of the TLS contract (tls.ts re-exports it).
import { z } from 'zod';

/** A log's state in Chrome's log list (https://googlechrome.github.io/CertificateTransparency/log_states.html). */
export const TlsCtLogState = z.enum(['pending', 'qualified', 'usable', 'readonly', 'retired', 'rejected']);
export type TlsCtLogState = z.infer<typeof TlsCtLogState>;

/** The CT log an SCT names, as the bundled log list describes it. */
export const TlsCtLog = z.object({
  name: z.string(),
  operator: z.string(),
  /** Absent when Chrome lists the log without a state (it never applied, or is a test log). */
  state: TlsCtLogState.optional(),
  /** When the log entered that state. */
  stateAt: z.string().optional(),
  url: z.string().optional(),
  /** The certificates' notAfter range the log accepts (sharded logs). */
  interval: z.object({ start: z.string(), end: z.string() }).optional(),
  /** `test`, `monitoring_only`: not a production log. */
  type: z.string().optional(),
});
export type TlsCtLog = z.infer<typeof TlsCtLog>;

/**
 * verified: the log's key verifies the signature over the certificate (RFC 6962 §3.2); failed: it does
 * not; unknown-log: the log is not in the list; unverifiable: nothing to check it against (no issuer for
 * an embedded SCT, an unsupported algorithm, the leaf not parsed).
 */
export const TlsSctVerification = z.enum(['verified', 'failed', 'unknown-log', 'unverifiable']);
export type TlsSctVerification = z.infer<typeof TlsSctVerification>;

/** Something wrong with one SCT beyond its signature. */
export const TlsSctIssue = z.object({
  code: z.enum(['future-timestamp', 'after-retirement', 'outside-interval', 'log-not-trusted', 'test-log']),
  message: z.string(),
});
export type TlsSctIssue = z.infer<typeof TlsSctIssue>;

/** A signed certificate timestamp: where it came from, which log, when, and whether it verifies. */
export const TlsSct = z.object({
  source: z.enum(['certificate', 'tls-extension', 'ocsp']),
  version: z.number(),
  /** base64 of the log's key hash, as CT log lists show it. */
  logId: z.string(),
  timestamp: z.string(),
  signatureAlgorithm: z.string().optional(),
  /** base64 of the DER signature. */
  signature: z.string().optional(),
  /** base64 of the SCT's extensions, when it has any. */
  extensions: z.string().optional(),
  /** The log, when the bundled list knows it. */
  log: TlsCtLog.optional(),
  verification: TlsSctVerification.optional(),
  /** Why, in words. */
  verificationDetail: z.string().optional(),
  issues: z.array(TlsSctIssue).optional(),
});
export type TlsSct = z.infer<typeof TlsSct>;

/** The leaf judged against Chrome's CT policy with the SCTs that were seen. */
export const TlsCtSummary = z.object({
  /** The policy applied and where it is written. */
  policy: z.string(),
  /** publicly-trusted: chained to a root in Mozilla's bundle; CT is required there, not for private CAs. */
  scope: z.enum(['publicly-trusted', 'private', 'untrusted']),
  /** compliant / not-compliant, or inconclusive when SCTs from logs the bundled list does not know could decide it. */
  verdict: z.enum(['compliant', 'not-compliant', 'inconclusive', 'not-required']),
  /** Distinct logs / operators whose valid SCTs count towards the policy. */
  countedLogs: z.number(),
  countedOperators: z.number(),
  /** SCTs from distinct logs the policy needs for this certificate (embedded: 2 or 3 by lifetime; TLS: 2). */
  required: z.number(),
  /** false when SCTs sent by TLS could not be seen (TLS 1.3-only server: they travel encrypted). */
  tlsDeliveryObserved: z.boolean(),
  message: z.string(),
  /** The bundled log list: its snapshot date and how many logs it has. */
  logList: z.object({ snapshot: z.string(), source: z.string(), logs: z.number(), ageDays: z.number() }),
});
export type TlsCtSummary = z.infer<typeof TlsCtSummary>;
