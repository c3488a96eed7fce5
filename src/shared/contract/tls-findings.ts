// Findings the TLS report carries beside the handshake and the chain: HTTP security headers, the client
// simulation's per-client verdicts, and a mass scan's per-target rows. Part of the TLS contract (tls.ts
// re-exports them); kept apart so that no contract file grows past a readable size.
import { z } from 'zod';

/** One HTTP security header (or cookie, or banner) of the HTTPS answer, judged. */
export const TlsHeaderFinding = z.object({
  id: z.string(),
  header: z.string(),
  status: z.enum(['ok', 'weak', 'missing', 'info']),
  detail: z.string(),
});
export type TlsHeaderFinding = z.infer<typeof TlsHeaderFinding>;

/** What one named client would negotiate with the server, or why it cannot connect. */
export const TlsClientResult = z.object({
  id: z.string(),
  name: z.string(),
  /** Where its ClientHello comes from. */
  source: z.string(),
  /** The highest protocol version the client offers. */
  maxVersion: z.string(),
  ok: z.boolean(),
  protocol: z.string().optional(),
  /** OpenSSL name where there is one. */
  suite: z.string().optional(),
  suiteIana: z.string().optional(),
  forwardSecret: z.boolean().optional(),
  /** Key-exchange group (or DH size, or RSA key transport). */
  group: z.string().optional(),
  alpn: z.string().optional(),
  /** Why the handshake fails, when it does. */
  reason: z.string().optional(),
});
export type TlsClientResult = z.infer<typeof TlsClientResult>;

/** One target's line in a mass scan: the facts a summary table sorts and compares on. */
export const TlsMassRow = z.object({
  index: z.number(),
  target: z.string(),
  ok: z.boolean(),
  host: z.string().optional(),
  port: z.number().optional(),
  grade: z.string().optional(),
  ignoringTrust: z.string().optional(),
  trusted: z.boolean().optional(),
  problemCount: z.number().optional(),
  /** Codes of the certificate problems and ids of the vulnerable weaknesses. */
  problems: z.array(z.string()).optional(),
  protocol: z.string().optional(),
  notAfter: z.string().optional(),
  daysLeft: z.number().optional(),
  subject: z.string().optional(),
  issuer: z.string().optional(),
  clientsReached: z.number().optional(),
  clientsTotal: z.number().optional(),
  code: z.string().optional(),
  message: z.string().optional(),
  durationMs: z.number(),
});
export type TlsMassRow = z.infer<typeof TlsMassRow>;

/** One revocation lookup made for the leaf: its OCSP responder or its CRL, at the URL the certificate names. */
export const TlsRevocationCheck = z.object({
  method: z.enum(['ocsp', 'crl']),
  url: z.string(),
  /** true when a usable, validly signed answer came back. */
  ok: z.boolean(),
  status: z.enum(['good', 'revoked', 'unknown']).optional(),
  signature: z.enum(['valid', 'invalid', 'unverifiable']).optional(),
  signedBy: z.string().optional(),
  thisUpdate: z.string().optional(),
  nextUpdate: z.string().optional(),
  revokedAt: z.string().optional(),
  /** CRL: how many certificates it lists as revoked. */
  entries: z.number().optional(),
  bytes: z.number(),
  durationMs: z.number(),
  /** What happened, in words (the failure, or what the answer says). */
  message: z.string(),
});
export type TlsRevocationCheck = z.infer<typeof TlsRevocationCheck>;
