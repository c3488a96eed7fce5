// Markdown rendering of a report, for pasting into tickets. Same facts as the JSON, nothing added.
import type { TlsReport } from '../../../shared/contract/tls';
import { ctMarkdown } from './ct-report';

const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function reportToMarkdown(r: TlsReport): string {
  const h = r.handshake;
  const out: string[] = [];
  out.push(`# TLS report for ${r.host}:${r.port}`, '');
  out.push(`Inspected ${new Date(r.at).toISOString()} in ${Math.round(r.durationMs)} ms by Wirelab.`, '');
  out.push(
    `## Grade: ${r.grade.grade}${r.grade.grade === 'T' ? ` (${r.grade.ignoringTrust} if trusted)` : ''}${r.grade.complete ? '' : ' (handshake only, no scan)'}`,
    '',
  );
  for (const reason of r.grade.reasons) out.push(`- **${reason.cap}** — ${reason.reason}`);
  out.push('', '## Handshake', '', '| | |', '|---|---|');
  out.push(
    `| Address | ${h.resolvedAddress} |`,
    `| Protocol | ${h.protocol} |`,
    `| Cipher | ${h.cipher ? `${h.cipher.name} (${h.cipher.openssl ?? h.cipherOpenssl})` : h.cipherOpenssl} |`,
  );
  if (h.keyExchange)
    out.push(
      `| Key exchange | ${h.keyExchange.type}${h.keyExchange.name ? ` ${h.keyExchange.name}` : ''}${h.keyExchange.bits ? ` (${h.keyExchange.bits} bits)` : ''} |`,
    );
  out.push(`| ALPN | ${h.alpn ?? '—'} |`, `| SNI | ${h.sni ?? '(not sent)'} |`);
  const t = h.timings;
  if (t)
    out.push(
      `| Timings | ${t.dnsMs !== undefined ? `DNS ${t.dnsMs.toFixed(1)} ms, ` : ''}TCP ${t.connectMs.toFixed(1)} ms, ${t.starttlsMs !== undefined ? `STARTTLS ${t.starttlsMs.toFixed(1)} ms, ` : ''}TLS ${t.handshakeMs.toFixed(1)} ms |`,
    );
  if (h.runtimeError)
    out.push(`| Runtime handshake | refused: ${esc(h.runtimeError)} (facts from the raw scan) |`);
  out.push(
    `| OCSP stapling | ${h.ocsp.present ? `${h.ocsp.certStatus ?? h.ocsp.responseStatus ?? '?'}${h.ocsp.signature ? `, signature ${h.ocsp.signature}${h.ocsp.signedBy ? ` (${h.ocsp.signedBy})` : ''}` : ''}${h.ocsp.nextUpdate ? `, next update ${h.ocsp.nextUpdate}` : ''}${h.ocsp.problems?.length ? `; ${h.ocsp.problems.join('; ')}` : ''}` : 'no'} |`,
  );
  for (const c of r.revocation ?? [])
    out.push(
      `| ${c.method === 'ocsp' ? 'OCSP responder' : 'CRL'} | ${c.ok ? (c.status ?? '?') : 'no answer'}: ${esc(c.message)} (${esc(c.url)}) |`,
    );
  if (h.resumption)
    out.push(
      `| Session resumption | ${h.resumption.tested ? (h.resumption.reused ? 'yes' : 'no') : 'not tested'}${h.resumption.ticketIssued ? ' (ticket issued)' : ''} |`,
    );
  if (h.hsts)
    out.push(
      `| HSTS | ${h.hsts.header ? esc(h.hsts.header) : h.hsts.probed ? `none${h.hsts.error ? ` (${esc(h.hsts.error)})` : ''}` : 'not probed'} |`,
    );
  out.push(...ctMarkdown(r));
  if (h.hsts?.securityHeaders?.length) {
    out.push('', '## HTTP security headers', '', '| Header | Result | Detail |', '|---|---|---|');
    for (const f of h.hsts.securityHeaders) out.push(`| ${esc(f.header)} | ${f.status} | ${esc(f.detail)} |`);
  }
  if (r.certificates.length === 0)
    out.push('', '## Certificates', '', 'None sent (anonymous key exchange only).');
  else out.push('', `## Certificates (${r.wireOrderKnown ? 'as sent' : 'order reconstructed'})`, '');
  r.certificates.forEach((c, i) => {
    out.push(
      `${i + 1}. **${esc(c.subject)}** — issuer ${esc(c.issuer)}; ${c.keyType}${c.keyBits ? ` ${c.keyBits}` : ''}${c.curve ? ` ${c.curve}` : ''}; ${c.signatureAlgorithm}; valid ${c.notBefore.slice(0, 10)} → ${c.notAfter.slice(0, 10)} (${c.daysLeft} days left); SHA-256 ${c.sha256}`,
    );
    if (c.subjectAltNames.length > 0) out.push(`   - SAN: ${c.subjectAltNames.join(', ')}`);
  });
  out.push(
    '',
    `## Validation: ${r.validation.trusted ? 'trusted' : 'NOT trusted'} for ${r.validation.checkedName}`,
    '',
  );
  r.validation.path.forEach((l, i) =>
    out.push(
      `${i + 1}. ${esc(l.certificate.subject)} (${l.source}${l.sentIndex >= 0 ? `, sent #${l.sentIndex + 1}` : ''})`,
    ),
  );
  if (r.validation.problems.length > 0) {
    out.push('', '### Problems', '');
    for (const p of r.validation.problems) out.push(`- **${p.severity}** \`${p.code}\` — ${p.message}`);
  }
  if (r.scan) {
    const s = r.scan;
    out.push(
      '',
      `## Scan (${s.handshakes} handshakes, ${Math.round(s.durationMs)} ms)`,
      '',
      '| Version | Supported | Server order | Suites |',
      '|---|---|---|---|',
    );
    for (const v of s.versions)
      out.push(
        `| ${v.version} | ${v.supported ? 'yes' : 'no'} | ${v.serverPreference === undefined ? '—' : v.serverPreference ? 'server' : 'client'} | ${v.suites.map((x) => `${x.openssl ?? x.name} (${x.strength})`).join(', ')} |`,
      );
    out.push(`| SSLv2 | ${s.sslv2Ciphers.length > 0 ? 'yes' : 'no'} | — | ${s.sslv2Ciphers.join(', ')} |`);
    out.push(
      '',
      `Groups${s.groupsVersion ? ` (${s.groupsVersion})` : ''}: ${s.groups.map((g) => g.name).join(', ') || '—'}`,
    );
    if (s.dhPrimeBits !== undefined) out.push('', `DH prime: ${s.dhPrimeBits} bits`);
    out.push('', '### Weaknesses', '', '| Check | Result | Detail |', '|---|---|---|');
    for (const w of s.weaknesses)
      out.push(`| [${w.title}](${w.reference}) | ${w.status} | ${esc(w.detail)} |`);
  }
  if (r.clients) {
    out.push(
      '',
      '## Client simulation',
      '',
      '| Client | Result | Protocol | Suite | Group | ALPN |',
      '|---|---|---|---|---|---|',
    );
    for (const c of r.clients)
      out.push(
        c.ok
          ? `| ${esc(c.name)} | ok | ${c.protocol ?? ''} | ${c.suite ?? ''} | ${esc(c.group ?? '')} | ${esc(c.alpn ?? '')} |`
          : `| ${esc(c.name)} | fails: ${esc(c.reason ?? '')} | | | | |`,
      );
  }
  out.push('');
  return out.join('\n');
}
