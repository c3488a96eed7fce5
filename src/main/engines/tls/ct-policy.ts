// The leaf judged against Chrome's CT policy
// (https://googlechrome.github.io/CertificateTransparency/ct_policy.html, text of 2026-07-22):
//   embedded SCTs: valid SCTs from at least N distinct logs that are Qualified, Usable, ReadOnly or
//     Retired (a retired log counts only when the earliest SCT predates its retirement), N = 2 for a
//     lifetime of at most 180 days and 3 above; at least one of them from a log Qualified, Usable or
//     ReadOnly now; at least two distinct operators among them;
//   SCTs delivered by TLS (extension, or stapled OCSP before Chrome 148): at least two valid SCTs from
//     logs Qualified, Usable or ReadOnly now, of two distinct operators.
// Only publicly-trusted certificates need it: Chrome exempts locally installed roots, so a private CA's
// leaf without SCTs is normal. An SCT that cannot be judged with the bundled list (a log it does not
// know, a pending log, no issuer to verify with) or SCTs that TLS 1.3 hid make the verdict inconclusive
// rather than a failure: a stale list must never be able to fail a good certificate.
import type { TlsCertProblem, TlsCtSummary, TlsSct } from '../../../shared/contract/tls';
import { operatorAt, type CtLogEntry, type CtLogList } from './ct-logs';
import { verifyScts } from './ct-verify';

export const CT_POLICY =
  'Chrome CT policy (googlechrome.github.io/CertificateTransparency/ct_policy.html, 2026-07): embedded — SCTs from 2 distinct logs (lifetime ≤ 180 days) or 3, one from a log usable now, 2 operators; by TLS — 2 SCTs from usable logs of 2 operators';

const DAY = 86_400_000;
/** Chrome stops enforcing CT when its log list is older than this; a bundled list that old should be refreshed. */
export const CT_LIST_MAX_AGE_DAYS = 70;
const NOW_STATES: ReadonlyArray<string | undefined> = ['qualified', 'usable', 'readonly'];

export interface CtPolicyInput {
  /** SCTs after verifyScts. */
  scts: TlsSct[];
  logs: CtLogList;
  notBefore: number;
  notAfter: number;
  scope: TlsCtSummary['scope'];
  tlsDeliveryObserved: boolean;
  now: number;
}

interface Counted {
  logs: number;
  operators: number;
  current: boolean;
}

const valid = (s: TlsSct) =>
  s.verification === 'verified' && !s.issues?.some((i) => i.code === 'future-timestamp');
/** An SCT the bundled list cannot judge, that might count with fresher knowledge. */
const undecided = (s: TlsSct, log: CtLogEntry | undefined) =>
  s.verification === 'unknown-log' ||
  (s.verification === 'unverifiable' && (!log || log.state !== 'rejected')) ||
  (valid(s) &&
    (log?.state === 'pending' || (log !== undefined && log.state === undefined && log.type !== 'test')));

function count(scts: TlsSct[], logs: CtLogList, ok: (log: CtLogEntry) => boolean, extra: number): Counted {
  const ids = new Set<string>();
  const operators = new Set<string>();
  let current = false;
  for (const s of scts) {
    const log = logs.logs.get(s.logId);
    if (!log || !valid(s) || !ok(log)) continue;
    ids.add(s.logId);
    operators.add(operatorAt(log, Date.parse(s.timestamp)));
    current ||= NOW_STATES.includes(log.state);
  }
  // Undecided SCTs counted as if each came from a usable log of yet another operator.
  return { logs: ids.size + extra, operators: operators.size + extra, current: current || extra > 0 };
}

export function evaluateCtPolicy(input: CtPolicyInput): {
  summary: TlsCtSummary;
  problems: TlsCertProblem[];
} {
  const { scts, logs, now } = input;
  const ageDays = Math.floor((now - Date.parse(logs.snapshot)) / DAY);
  const logList = { snapshot: logs.snapshot, source: logs.source, logs: logs.logs.size, ageDays };
  const lifetimeDays = (input.notAfter - input.notBefore) / DAY;
  const required = lifetimeDays <= 180 ? 2 : 3;
  const embedded = scts.filter((s) => s.source === 'certificate');
  const byTls = scts.filter((s) => s.source !== 'certificate');
  const earliest = Math.min(...scts.filter(valid).map((s) => Date.parse(s.timestamp)));
  const countsEmbedded = (log: CtLogEntry) =>
    NOW_STATES.includes(log.state) ||
    (log.state === 'retired' && log.stateAt !== undefined && earliest < Date.parse(log.stateAt));
  const countsTls = (log: CtLogEntry) => NOW_STATES.includes(log.state);
  const undecidedIn = (list: TlsSct[]) =>
    new Set(list.filter((s) => undecided(s, logs.logs.get(s.logId))).map((s) => s.logId)).size;

  const meets = (c: Counted, need: number) => c.logs >= need && c.operators >= 2 && c.current;
  const emb = count(embedded, logs, countsEmbedded, 0);
  const tls = count(byTls, logs, countsTls, 0);
  const compliant = meets(emb, required) || meets(tls, 2);
  const maybe =
    !compliant &&
    (meets(count(embedded, logs, countsEmbedded, undecidedIn(embedded)), required) ||
      meets(count(byTls, logs, countsTls, undecidedIn(byTls)), 2) ||
      !input.tlsDeliveryObserved);
  const shown = meets(tls, 2) && !meets(emb, required) ? { c: tls, need: 2 } : { c: emb, need: required };

  const problems: TlsCertProblem[] = [];
  const invalid = scts.filter(
    (s) => s.verification === 'failed' || s.issues?.some((i) => i.code === 'future-timestamp'),
  );
  if (invalid.length > 0)
    problems.push({
      code: 'sct-invalid',
      severity: 'medium',
      certIndex: 0,
      message: `${invalid.length === 1 ? 'an SCT is' : `${invalid.length} SCTs are`} invalid and count for nothing: ${invalid
        .map(
          (s) =>
            `${s.log?.name ?? s.logId} (${s.source}): ${s.verification === 'failed' ? s.verificationDetail : s.issues?.find((i) => i.code === 'future-timestamp')?.message}`,
        )
        .join('; ')}`,
    });

  let verdict: TlsCtSummary['verdict'];
  let message: string;
  const counted = `valid SCTs from ${shown.c.logs} distinct log${shown.c.logs === 1 ? '' : 's'} of ${shown.c.operators} operator${shown.c.operators === 1 ? '' : 's'}`;
  if (input.scope === 'publicly-trusted' && input.notAfter <= now) {
    // Chrome judges with the logs' states at the time of check; an expired certificate's logs have moved on
    // (sharded logs are listed as rejected once their interval ends), and expiry is the finding anyway.
    verdict = 'not-required';
    message = 'the certificate has expired, so its CT compliance is not judged';
  } else if (input.scope !== 'publicly-trusted') {
    verdict = 'not-required';
    message =
      input.scope === 'private'
        ? `issued under a private CA (its root is not in Mozilla's bundle): browsers do not require CT for it${scts.length === 0 ? '; it has no SCTs, as is normal there' : ''}`
        : 'the chain is not trusted, so CT compliance is not judged';
  } else if (compliant) {
    verdict = 'compliant';
    message = `Chrome's CT policy is met: ${counted} (${shown.need} needed${shown.need === 2 && meets(tls, 2) && !meets(emb, required) ? ', delivered by TLS' : `, lifetime ${Math.round(lifetimeDays)} days`})`;
  } else {
    const why = [
      scts.length === 0
        ? 'no SCTs at all'
        : `${counted}; ${required} distinct logs needed for a lifetime of ${Math.round(lifetimeDays)} days (2 when delivered by TLS), from 2 operators`,
      ...(scts.length > 0 && !emb.current && !tls.current
        ? ['none from a log that is qualified, usable or read-only now']
        : []),
    ].join('; ');
    if (maybe) {
      verdict = 'inconclusive';
      const unknown = undecidedIn(scts);
      message = `Chrome's CT policy is not met with the logs the bundled list knows (${why})${unknown ? `, but ${unknown} SCT${unknown === 1 ? '' : 's'} from logs it cannot judge might count (list snapshot ${logs.snapshot}, ${ageDays} days old)` : ''}${input.tlsDeliveryObserved ? '' : '; SCTs sent by TLS could not be seen (TLS 1.3 encrypts them)'}`;
      problems.push({ code: 'ct-inconclusive', severity: 'info', certIndex: 0, message });
    } else {
      verdict = 'not-compliant';
      message = `Chrome's CT policy is not met: ${why}. CT-enforcing browsers (Chrome, Safari, Firefox on desktop) refuse this certificate`;
      problems.push({ code: 'ct-not-compliant', severity: 'critical', certIndex: 0, message });
    }
  }
  return {
    summary: {
      policy: CT_POLICY,
      scope: input.scope,
      verdict,
      countedLogs: shown.c.logs,
      countedOperators: shown.c.operators,
      required: shown.need,
      tlsDeliveryObserved: input.tlsDeliveryObserved,
      message,
      logList,
    },
    problems,
  };
}

export interface CtCheckInput {
  leafDer?: Uint8Array;
  issuerDer?: Uint8Array;
  /** The leaf's validity (ISO dates). */
  leaf?: { notBefore: string; notAfter: string };
  /** The validated path: its anchor decides whether CT is required. */
  path: Array<{ source: string }>;
  logs: CtLogList;
  tlsObserved: boolean;
  now: number;
}

/** Every SCT named and verified, and the leaf judged: what the inspector adds to its report. */
export function checkCt(
  scts: TlsSct[],
  o: CtCheckInput,
): { scts: TlsSct[]; summary?: TlsCtSummary; problems: TlsCertProblem[] } {
  const notAfter = o.leaf ? Date.parse(o.leaf.notAfter) : undefined;
  const verified = verifyScts(
    scts,
    { leafDer: o.leafDer, issuerDer: o.issuerDer, logs: o.logs, now: o.now },
    notAfter,
  );
  if (!o.leaf || notAfter === undefined) return { scts: verified, problems: [] };
  // The anchor the path reached, whatever else is wrong with the chain (an expired public leaf is still public).
  const anchor = o.path.at(-1)?.source;
  const scope: TlsCtSummary['scope'] =
    anchor === 'mozilla'
      ? 'publicly-trusted'
      : anchor === 'system' || anchor === 'user'
        ? 'private'
        : 'untrusted';
  const { summary, problems } = evaluateCtPolicy({
    scts: verified,
    logs: o.logs,
    notBefore: Date.parse(o.leaf.notBefore),
    notAfter,
    scope,
    tlsDeliveryObserved: o.tlsObserved,
    now: o.now,
  });
  return { scts: verified, summary, problems };
}
