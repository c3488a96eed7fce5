// The grade: start at A and apply every cap whose condition holds; the lowest cap wins and every cap
// that applied is listed as a reason. Certificate trust problems give "T" with the grade the server
// would have otherwise. The rubric is documented in docs/tls.md — change both together.
import type { TlsCertProblem, TlsGrade, TlsHandshake, TlsScanResult } from '../../../shared/contract/tls';

type Letter = TlsGrade['ignoringTrust'];
const ORDER: Letter[] = ['F', 'C', 'B', 'A-', 'A', 'A+'];

/** HSTS max-age needed for A+ (180 days). */
export const HSTS_A_PLUS_SECONDS = 15_552_000;

export interface GradeInput {
  handshake: TlsHandshake;
  problems: TlsCertProblem[];
  scan?: TlsScanResult;
}

export function computeGrade({ handshake, problems, scan }: GradeInput): TlsGrade {
  const reasons: TlsGrade['reasons'] = [];
  const cap = (letter: Letter, reason: string) => reasons.push({ cap: letter, reason });
  const vulnerable = (id: string) => scan?.weaknesses.find((w) => w.id === id && w.status === 'vulnerable');
  const accepted = scan?.versions.filter((v) => v.supported) ?? [];
  const suites = accepted.flatMap((v) => v.suites);

  if (scan) {
    if (vulnerable('sslv2')) cap('F', 'SSLv2 is supported');
    if (vulnerable('heartbleed')) cap('F', 'vulnerable to Heartbleed');
    if (vulnerable('ccs-injection')) cap('F', 'vulnerable to CCS injection');
    if (vulnerable('robot')) cap('F', 'vulnerable to ROBOT (an RSA padding oracle)');
    if (vulnerable('ticketbleed')) cap('F', 'vulnerable to Ticketbleed (server memory in the session id)');
    if (vulnerable('poodle-tls')) cap('F', 'vulnerable to POODLE over TLS (CBC padding not checked)');
    if (vulnerable('client-renegotiation') && vulnerable('secure-renegotiation'))
      cap('F', 'insecure client-initiated renegotiation (CVE-2009-3555)');
    if (vulnerable('export')) cap('F', 'export-grade suites are accepted');
    if (vulnerable('null-cipher')) cap('F', 'NULL-encryption suites are accepted');
    if (vulnerable('anonymous')) cap('F', 'anonymous suites are accepted');
    if (scan.dhPrimeBits !== undefined && scan.dhPrimeBits < 1024)
      cap('F', `DH prime of ${scan.dhPrimeBits} bits`);
    if (vulnerable('sslv3')) cap('C', 'SSLv3 is supported (POODLE)');
    if (vulnerable('rc4')) cap('C', 'RC4 suites are accepted');
    if (vulnerable('compression')) cap('C', 'TLS compression is enabled (CRIME)');
    if (!accepted.some((v) => v.version === 'TLSv1.2' || v.version === 'TLSv1.3'))
      cap('C', 'neither TLS 1.2 nor TLS 1.3 is supported');
    if (accepted.some((v) => v.version === 'TLSv1' || v.version === 'TLSv1.1'))
      cap('B', 'TLS 1.0 or 1.1 is supported');
    if (vulnerable('sweet32')) cap('B', '64-bit block ciphers (3DES) are accepted');
    if (scan.dhPrimeBits !== undefined && scan.dhPrimeBits >= 1024 && scan.dhPrimeBits < 2048)
      cap('B', `DH prime of ${scan.dhPrimeBits} bits (under 2048)`);
    if (vulnerable('secure-renegotiation')) cap('B', 'secure renegotiation is not supported');
    if (suites.length > 0 && !suites.some((s) => s.strength === 'strong'))
      cap('B', 'no forward-secret AEAD suite is accepted');
    if (vulnerable('fallback-scsv')) cap('A-', 'TLS_FALLBACK_SCSV is not honoured');
    if (suites.some((s) => !s.forwardSecret)) cap('A-', 'suites without forward secrecy are accepted');
  } else {
    if (handshake.protocol === 'SSLv3') cap('C', 'the handshake used SSLv3');
    if (handshake.protocol === 'TLSv1' || handshake.protocol === 'TLSv1.1')
      cap('B', `the handshake used ${handshake.protocol}`);
  }
  const c = handshake.cipher;
  if (c?.strength === 'insecure') cap('F', `the negotiated suite ${c.openssl ?? c.name} is insecure`);
  else if (c && !c.forwardSecret)
    cap('B', `the negotiated suite ${c.openssl ?? c.name} has no forward secrecy`);
  if (problems.some((p) => p.code === 'weak-key' || p.code === 'weak-signature'))
    cap('B', 'weak certificate key or signature');
  if (problems.some((p) => p.code === 'missing-intermediate'))
    cap('B', 'the chain is incomplete: the server does not send an intermediate certificate');

  let letter: Letter = 'A';
  for (const r of reasons)
    if (ORDER.indexOf(r.cap as Letter) < ORDER.indexOf(letter)) letter = r.cap as Letter;
  if (letter === 'A') {
    const tls13 = scan ? accepted.some((v) => v.version === 'TLSv1.3') : handshake.protocol === 'TLSv1.3';
    const hsts = (handshake.hsts?.maxAgeSeconds ?? 0) >= HSTS_A_PLUS_SECONDS;
    if (scan && tls13 && hsts) letter = 'A+';
    else
      reasons.push({
        cap: 'A',
        reason: !scan
          ? 'no scan ran: A+ needs the full scan'
          : !tls13
            ? 'A+ needs TLS 1.3'
            : `A+ needs HSTS with max-age of at least ${HSTS_A_PLUS_SECONDS} s`,
      });
  }
  const trustProblems = problems.filter((p) => p.severity === 'critical');
  for (const p of trustProblems) reasons.push({ cap: 'T', reason: p.message });
  return {
    grade: trustProblems.length > 0 ? 'T' : letter,
    ignoringTrust: letter,
    complete: scan !== undefined,
    reasons,
  };
}
