// The report for a terminal, laid out as testssl.sh users expect: sections, one finding per line with
// its verdict in an aligned column, colour that carries the verdict (red bad, yellow doubtful, green
// fine) only when the caller says the output is a colour terminal. Same facts as the JSON, nothing added.
import type { TlsMassRow, TlsReport, TlsSeverity, TlsWeakness } from '../../../shared/contract/tls';
import { ctTextRows } from './ct-report';

export interface TextOptions {
  /** ANSI colour and bold; the caller decides (a TTY and no NO_COLOR). */
  color: boolean;
}

type Tone = 'good' | 'warn' | 'bad' | 'info' | 'plain';

const ANSI: Record<Tone | 'bold' | 'dim', string> = {
  good: '\x1b[32m',
  warn: '\x1b[33m',
  bad: '\x1b[31;1m',
  info: '\x1b[36m',
  plain: '',
  bold: '\x1b[1m',
  dim: '\x1b[2m',
};
const RESET = '\x1b[0m';
const LABEL = 22;

/** Strips control characters a server could put in a certificate or a header to drive the terminal. */
export function safeText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, '?').replace(/\n/g, ' ');
}

export class TextWriter {
  private readonly lines: string[] = [];
  constructor(private readonly color: boolean) {}

  paint(text: string, tone: Tone | 'bold' | 'dim'): string {
    const code = ANSI[tone];
    return this.color && code ? `${code}${text}${RESET}` : text;
  }

  blank(): void {
    if (this.lines.length > 0 && this.lines[this.lines.length - 1] !== '') this.lines.push('');
  }

  section(title: string): void {
    this.blank();
    this.lines.push(` ${this.paint(title, 'bold')}`);
  }

  /** One aligned finding: label, the verdict (coloured), an optional quieter detail. */
  row(label: string, value: string, tone: Tone = 'plain', detail?: string, width = LABEL): void {
    const padded = label.length >= width ? `${label} ` : label.padEnd(width);
    const d = detail ? `  ${this.paint(safeText(detail), 'dim')}` : '';
    this.lines.push(`   ${padded}${this.paint(safeText(value), tone)}${d}`);
  }

  /** A continuation line under the value column. */
  more(text: string, tone: Tone = 'plain'): void {
    this.lines.push(`   ${''.padEnd(LABEL)}${this.paint(safeText(text), tone)}`);
  }

  line(text: string): void {
    this.lines.push(text);
  }

  toString(): string {
    return `${this.lines.join('\n').replace(/\n+$/, '')}\n`;
  }
}

export const severityTone = (s: TlsSeverity): Tone =>
  s === 'critical' || s === 'high' ? 'bad' : s === 'medium' || s === 'low' ? 'warn' : 'info';

const gradeTone = (g: string): Tone =>
  g.startsWith('A') ? 'good' : g === 'B' ? 'warn' : g === 'C' ? 'warn' : 'bad';

function weaknessVerdict(w: TlsWeakness): { text: string; tone: Tone } {
  switch (w.status) {
    case 'vulnerable':
      return w.severity === 'info'
        ? { text: 'noted (info)', tone: 'info' }
        : { text: 'VULNERABLE', tone: severityTone(w.severity) };
    case 'ok':
      return { text: 'not vulnerable', tone: 'good' };
    case 'not-applicable':
      return { text: 'not applicable', tone: 'plain' };
    default:
      return { text: 'unknown', tone: 'warn' };
  }
}

const VERSION_LABEL: Record<string, string> = {
  SSLv2: 'SSLv2',
  SSLv3: 'SSLv3',
  TLSv1: 'TLS 1.0',
  'TLSv1.1': 'TLS 1.1',
  'TLSv1.2': 'TLS 1.2',
  'TLSv1.3': 'TLS 1.3',
};

/** Offered versions: old ones are bad news, TLS 1.3 is good news, TLS 1.2 neither. */
function versionTone(version: string, offered: boolean): Tone {
  if (version === 'TLSv1.3') return offered ? 'good' : 'warn';
  if (version === 'TLSv1.2') return 'plain';
  if (!offered) return 'good';
  return version === 'SSLv2' || version === 'SSLv3' ? 'bad' : 'warn';
}

export function reportToText(r: TlsReport, options: TextOptions): string {
  const w = new TextWriter(options.color);
  const h = r.handshake;
  w.line('');
  w.line(
    ` ${w.paint(`TLS report for ${safeText(r.host)}:${r.port}`, 'bold')}  ${w.paint(`(${h.resolvedAddress}) ${new Date(r.at).toISOString().slice(0, 19).replace('T', ' ')} UTC, ${Math.round(r.durationMs)} ms`, 'dim')}`,
  );

  w.section('Grade');
  const g = r.grade;
  w.row(
    'Overall',
    g.grade,
    gradeTone(g.grade),
    `${g.grade === 'T' ? `${g.ignoringTrust} if the certificate were trusted; ` : ''}${g.complete ? '' : 'handshake only, no scan'}`.replace(
      /; $/,
      '',
    ),
  );
  for (const reason of g.reasons) w.more(`${reason.cap.padEnd(3)}${reason.reason}`, gradeTone(reason.cap));

  w.section('Handshake');
  if (h.runtimeError)
    w.row('Runtime handshake', 'refused', 'warn', `${h.runtimeError} (facts from the scan)`);
  w.row('Protocol', h.protocol, versionTone(h.protocol, true) === 'bad' ? 'bad' : 'plain');
  w.row(
    'Cipher suite',
    h.cipher ? (h.cipher.openssl ?? h.cipher.name) : h.cipherOpenssl,
    h.cipher
      ? h.cipher.strength === 'strong'
        ? 'good'
        : h.cipher.strength === 'weak'
          ? 'warn'
          : 'bad'
      : 'plain',
    h.cipher && h.cipher.openssl && h.cipher.openssl !== h.cipher.name ? h.cipher.name : undefined,
  );
  if (h.keyExchange)
    w.row(
      'Key exchange',
      `${h.keyExchange.type}${h.keyExchange.name ? ` ${h.keyExchange.name}` : ''}`,
      'plain',
      h.keyExchange.bits ? `${h.keyExchange.bits} bits` : undefined,
    );
  w.row('ALPN', h.alpn ?? '—');
  w.row('SNI', h.sni ?? '(not sent)');
  const t = h.timings;
  if (t)
    w.row(
      'Timings',
      `${t.dnsMs !== undefined ? `DNS ${t.dnsMs.toFixed(1)} ms, ` : ''}TCP ${t.connectMs.toFixed(1)} ms, ${t.starttlsMs !== undefined ? `STARTTLS ${t.starttlsMs.toFixed(1)} ms, ` : ''}TLS ${t.handshakeMs.toFixed(1)} ms`,
    );
  const o = h.ocsp;
  w.row(
    'OCSP stapling',
    o.present ? (o.certStatus ?? o.responseStatus ?? 'present') : 'not offered',
    o.present ? (o.certStatus === 'revoked' || o.problems?.length ? 'bad' : 'good') : 'plain',
    o.present
      ? [
          o.signature && `signature ${o.signature}`,
          o.nextUpdate && `next update ${o.nextUpdate}`,
          ...(o.problems ?? []),
        ]
          .filter(Boolean)
          .join('; ')
      : undefined,
  );
  for (const c of r.revocation ?? [])
    w.row(
      c.method === 'ocsp' ? 'OCSP responder' : 'CRL',
      c.ok ? (c.status ?? '?') : 'no answer',
      c.ok ? (c.status === 'revoked' ? 'bad' : 'good') : 'warn',
      `${c.message} (${c.url})`,
    );
  ctTextRows(w, r);
  if (h.resumption)
    w.row(
      'Session resumption',
      h.resumption.reused ? 'yes' : 'no',
      'plain',
      [h.resumption.ticketIssued ? 'ticket issued' : '', h.resumption.error ?? ''].filter(Boolean).join('; '),
    );
  if (h.hsts)
    w.row(
      'HSTS',
      h.hsts.header ? `max-age=${h.hsts.maxAgeSeconds ?? '?'}` : h.hsts.probed ? 'not offered' : 'not probed',
      h.hsts.header ? 'good' : h.hsts.probed ? 'warn' : 'plain',
      h.hsts.header
        ? [h.hsts.includeSubDomains && 'includeSubDomains', h.hsts.preload && 'preload']
            .filter(Boolean)
            .join(', ')
        : h.hsts.error,
    );
  if (h.clientCertificateRequested !== undefined)
    w.row('Client certificate', h.clientCertificateRequested ? 'requested' : 'not requested');
  if (h.hsts?.securityHeaders?.length) {
    w.section('HTTP security headers');
    const width = Math.max(LABEL, ...h.hsts.securityHeaders.map((x) => x.header.length + 2));
    for (const f of h.hsts.securityHeaders)
      w.row(
        f.header,
        f.status,
        f.status === 'ok' ? 'good' : f.status === 'info' ? 'plain' : f.status === 'weak' ? 'warn' : 'bad',
        f.detail,
        width,
      );
  }

  if (r.certificates.length === 0) {
    w.section('Certificates');
    w.row('Sent', 'none', 'bad', 'anonymous key exchange only');
  } else w.section(`Certificates (${r.wireOrderKnown ? 'as sent' : 'order reconstructed'})`);
  r.certificates.forEach((c, i) => {
    w.row(`#${i + 1}`, c.subject, c.daysLeft < 0 ? 'bad' : 'plain', `issuer ${c.issuer}`);
    w.more(
      `${c.keyType}${c.keyBits ? ` ${c.keyBits}` : ''}${c.curve ? ` ${c.curve}` : ''}, ${c.signatureAlgorithm}, ${c.notBefore.slice(0, 10)} → ${c.notAfter.slice(0, 10)} (${c.daysLeft} days left)`,
    );
    if (c.subjectAltNames.length > 0) w.more(`SAN ${c.subjectAltNames.join(', ')}`);
  });

  w.section('Trust');
  const v = r.validation;
  w.row(
    'Chain of trust',
    v.trusted ? 'trusted' : 'NOT trusted',
    v.trusted ? 'good' : 'bad',
    `for ${v.checkedName}`,
  );
  if (v.runtimeVerdict)
    w.row('Runtime verdict', v.runtimeVerdict, v.runtimeVerdict === 'authorized' ? 'good' : 'warn');
  v.path.forEach((l, i) =>
    w.row(
      i === 0 ? 'Path' : '',
      `${i + 1}. ${l.certificate.subject}`,
      'plain',
      l.sentIndex >= 0 ? `sent #${l.sentIndex + 1}` : `from the ${l.source} store`,
    ),
  );
  if (v.problems.length === 0) w.row('Problems', 'none', 'good');
  const problemWidth = Math.max(LABEL, ...v.problems.map((p) => p.severity.length + p.code.length + 3));
  for (const p of v.problems)
    w.row(`${p.severity} ${p.code}`, p.message, severityTone(p.severity), undefined, problemWidth);

  if (r.scan) writeScan(w, r.scan);
  if (r.clients) writeClients(w, r.clients);
  return w.toString();
}

function writeScan(w: TextWriter, s: NonNullable<TlsReport['scan']>): void {
  w.section(`Protocols  (${s.handshakes} handshakes, ${Math.round(s.durationMs)} ms)`);
  w.row(
    VERSION_LABEL.SSLv2 ?? 'SSLv2',
    s.sslv2Ciphers.length > 0 ? 'offered' : 'not offered',
    versionTone('SSLv2', s.sslv2Ciphers.length > 0),
  );
  for (const v of s.versions)
    w.row(
      VERSION_LABEL[v.version] ?? v.version,
      v.supported ? 'offered' : 'not offered',
      versionTone(v.version, v.supported),
      v.supported && v.serverPreference !== undefined
        ? v.serverPreference
          ? 'server chooses the suite'
          : 'client chooses the suite'
        : undefined,
    );

  w.section('Cipher suites');
  const accepted = s.versions.filter((x) => x.supported);
  const nameWidth = Math.max(
    0,
    ...accepted.flatMap((v) => v.suites.map((x) => (x.openssl ?? x.name).length)),
  );
  for (const v of accepted) {
    v.suites.forEach((x, i) =>
      w.row(
        i === 0 ? (VERSION_LABEL[v.version] ?? v.version) : '',
        (x.openssl ?? x.name).padEnd(nameWidth),
        x.strength === 'strong' ? 'good' : x.strength === 'weak' ? 'warn' : 'bad',
        `${x.hex} ${x.strength}${x.forwardSecret ? '' : ', no forward secrecy'}`,
      ),
    );
  }
  w.row(
    `Groups${s.groupsVersion ? ` (${VERSION_LABEL[s.groupsVersion] ?? s.groupsVersion})` : ''}`,
    s.groups.map((x) => x.name).join(', ') || '—',
  );
  for (const d of s.dhGroups ?? [])
    w.row(
      `DH ${d.family}`,
      `${d.primeBits} bits`,
      d.primeBits < 2048 ? 'bad' : 'good',
      `${d.suite}, ${VERSION_LABEL[d.version] ?? d.version}`,
    );

  w.section('Vulnerabilities');
  const width = Math.min(56, Math.max(LABEL, ...s.weaknesses.map((x) => x.title.length + 2)));
  for (const x of s.weaknesses) {
    const verdict = weaknessVerdict(x);
    w.row(x.title, verdict.text, verdict.tone, x.detail, width);
  }
}

function writeClients(w: TextWriter, clients: NonNullable<TlsReport['clients']>): void {
  const reached = clients.filter((c) => c.ok).length;
  w.section(`Client simulation  (${reached} of ${clients.length} clients connect)`);
  const width = Math.min(40, Math.max(LABEL, ...clients.map((c) => c.name.length + 2)));
  const protoWidth = Math.max(0, ...clients.map((c) => (c.protocol ?? '').length));
  const suiteWidth = Math.max(0, ...clients.map((c) => (c.suite ?? '').length));
  for (const c of clients) {
    // A name wider than the column gets a line of its own, so every verdict stays in one column.
    const name = c.name.length + 2 > width ? (w.line(`   ${safeText(c.name)}`), '') : c.name;
    if (!c.ok) {
      w.row(name, 'cannot connect', 'bad', c.reason, width);
      continue;
    }
    const tone: Tone = c.protocol === 'TLSv1.3' ? 'good' : c.protocol === 'TLSv1.2' ? 'plain' : 'warn';
    w.row(
      name,
      `${(c.protocol ?? '').padEnd(protoWidth)}  ${(c.suite ?? '').padEnd(suiteWidth)}`,
      c.forwardSecret === false ? 'warn' : tone,
      [c.group, c.alpn && `ALPN ${c.alpn}`].filter(Boolean).join(', '),
      width,
    );
  }
}

/** One target of a mass scan on one line: target, grade, problems, protocol, expiry — or its error. */
export function massLine(r: TlsMassRow, width: number, color: boolean): string {
  const w = new TextWriter(color);
  const target = safeText(r.target).padEnd(width);
  if (!r.ok)
    return `${target}  ${w.paint('failed', 'bad')}  ${safeText(`${r.code ?? ''}: ${r.message ?? ''}`)}`;
  const grade = (r.grade ?? '?').padEnd(2);
  const problems = `${r.problemCount ?? 0} problem${r.problemCount === 1 ? '' : 's'}`.padEnd(11);
  const expiry = r.notAfter ? `expires ${r.notAfter.slice(0, 10)} (${r.daysLeft} d)` : '';
  return `${target}  ${w.paint(grade, gradeTone(r.grade ?? 'F'))}  ${w.paint(problems, r.problemCount ? 'warn' : 'good')}  ${(r.protocol ?? '').padEnd(7)}  ${expiry}`;
}
