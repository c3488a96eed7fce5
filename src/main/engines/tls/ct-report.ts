// Certificate transparency in the terminal and Markdown reports: the CT policy verdict, then one line per
// SCT with its log, the log's state, where the SCT came from, when, and whether its signature verifies.
import type { TlsReport, TlsSct } from '../../../shared/contract/tls';
import type { TextWriter } from './report-text';

type Tone = Parameters<TextWriter['row']>[2];

const VERDICT: Record<NonNullable<TlsReport['ct']>['verdict'], { text: string; tone: Tone }> = {
  compliant: { text: 'compliant', tone: 'good' },
  'not-compliant': { text: 'NOT compliant', tone: 'bad' },
  inconclusive: { text: 'inconclusive', tone: 'warn' },
  'not-required': { text: 'not required', tone: 'plain' },
};

const SOURCE: Record<TlsSct['source'], string> = {
  certificate: 'embedded',
  'tls-extension': 'TLS extension',
  ocsp: 'stapled OCSP',
};

/** "Google 'Argon2026h2' log (Google, usable since 2024-09-30)", or the log id when the list does not know it. */
export function sctLogText(s: TlsSct): string {
  if (!s.log) return `unknown log ${s.logId}`;
  const state = s.log.state
    ? `${s.log.state}${s.log.stateAt ? ` since ${s.log.stateAt.slice(0, 10)}` : ''}`
    : 'no Chrome state';
  return `${s.log.name} (${s.log.operator}, ${state})`;
}

export function sctVerificationText(s: TlsSct): string {
  return s.verification === 'verified'
    ? 'verified'
    : s.verification === 'failed'
      ? 'signature FAILED'
      : s.verification === 'unknown-log'
        ? 'unknown log'
        : s.verification === 'unverifiable'
          ? 'unverifiable'
          : 'not checked';
}

export function ctTextRows(w: TextWriter, r: TlsReport): void {
  const ct = r.ct;
  if (!r.scts && !ct) return;
  if (ct) {
    const v = VERDICT[ct.verdict];
    w.row('CT policy', v.text, v.tone, ct.message);
  }
  (r.scts ?? []).forEach((s, i) => {
    const tone: Tone =
      s.verification === 'verified' && !s.issues?.length
        ? 'good'
        : s.verification === 'failed' || s.issues?.some((x) => x.code === 'future-timestamp')
          ? 'bad'
          : 'warn';
    w.row(
      `SCT ${i + 1}`,
      sctVerificationText(s),
      tone,
      `${SOURCE[s.source]} · ${s.timestamp.slice(0, 19)}Z · ${sctLogText(s)}`,
    );
    if (s.verification !== 'verified' && s.verificationDetail) w.more(s.verificationDetail);
    for (const issue of s.issues ?? []) w.more(issue.message, 'warn');
  });
  if (r.scts && r.scts.length === 0 && !ct) w.row('SCTs', 'none');
  if (ct)
    w.more(
      `CT log list: snapshot ${ct.logList.snapshot.slice(0, 10)}, ${ct.logList.logs} logs, ${ct.logList.ageDays} days old`,
      ct.logList.ageDays > 70 ? 'warn' : 'plain',
    );
}

const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function ctMarkdown(r: TlsReport): string[] {
  const ct = r.ct;
  if (!r.scts && !ct) return [];
  const out = ['', '## Certificate transparency', ''];
  if (ct) {
    out.push(`**${VERDICT[ct.verdict].text}** — ${esc(ct.message)}`, '');
    out.push(
      `Policy: ${esc(ct.policy)}. CT log list: snapshot ${ct.logList.snapshot} (${ct.logList.logs} logs, ${ct.logList.ageDays} days old).`,
      '',
    );
  }
  const scts = r.scts ?? [];
  if (scts.length === 0) {
    out.push('No SCTs (embedded, TLS extension or stapled OCSP).');
    return out;
  }
  out.push('| # | Source | Timestamp | Log | Signature | Notes |', '|---|---|---|---|---|---|');
  scts.forEach((s, i) =>
    out.push(
      `| ${i + 1} | ${SOURCE[s.source]} | ${s.timestamp} | ${esc(sctLogText(s))} | ${sctVerificationText(s)} | ${esc(
        [
          s.verification !== 'verified' ? s.verificationDetail : undefined,
          ...(s.issues ?? []).map((x) => x.message),
        ]
          .filter(Boolean)
          .join('; '),
      )} |`,
    ),
  );
  return out;
}
