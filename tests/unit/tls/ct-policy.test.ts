// Chrome's CT policy as the inspector applies it: counts of distinct logs and operators, lifetime, log
// states, delivery, and the findings (critical for a publicly-trusted leaf that fails it, informational
// when the bundled list cannot decide, nothing asked of a private CA).
import { describe, expect, it } from 'vitest';
import { checkCt, evaluateCtPolicy, type CtPolicyInput } from '../../../src/main/engines/tls/ct-policy';
import { computeGrade } from '../../../src/main/engines/tls/grade';
import type { TlsHandshake, TlsSct } from '../../../src/shared/contract/tls';
import { createTestLog, testLogList } from '../../helpers/ct-log';

const DAY = 86_400_000;
const now = Date.now();
const g1 = createTestLog('G1', 'Google');
const g2 = createTestLog('G2', 'Google');
const c1 = createTestLog('C1', 'Cloudflare');
const d1 = createTestLog('D1', 'DigiCert');
const retired = createTestLog('R1', 'Retired Co', {
  state: 'retired',
  stateAt: new Date(now - 30 * DAY).toISOString(),
});
const pending = createTestLog('P1', 'Newcomer', {
  state: 'pending',
  stateAt: new Date(now - DAY).toISOString(),
});
const logs = testLogList([g1, g2, c1, d1, retired, pending], new Date(now).toISOString());

const sct = (
  log: { entry: { id: string } },
  source: TlsSct['source'] = 'certificate',
  extra: Partial<TlsSct> = {},
): TlsSct => ({
  source,
  version: 1,
  logId: log.entry.id,
  timestamp: new Date(now - 40 * DAY).toISOString(),
  verification: 'verified',
  ...extra,
});
const judge = (scts: TlsSct[], extra: Partial<CtPolicyInput> = {}) =>
  evaluateCtPolicy({
    scts,
    logs,
    notBefore: now - 45 * DAY,
    notAfter: now + 45 * DAY,
    scope: 'publicly-trusted',
    tlsDeliveryObserved: true,
    now,
    ...extra,
  });
const codes = (r: ReturnType<typeof judge>) => r.problems.map((p) => `${p.code}:${p.severity}`);

describe("Chrome's CT policy", () => {
  it('embedded: 2 logs of 2 operators for a 90-day certificate is compliant', () => {
    const r = judge([sct(g1), sct(c1)]);
    expect(r.summary).toMatchObject({
      verdict: 'compliant',
      countedLogs: 2,
      countedOperators: 2,
      required: 2,
    });
    expect(r.problems).toEqual([]);
  });

  it('embedded: a 398-day certificate needs 3 logs: with 2 it is not compliant (critical)', () => {
    const r = judge([sct(g1), sct(c1)], { notAfter: now + 353 * DAY });
    expect(r.summary.verdict).toBe('not-compliant');
    expect(r.summary.required).toBe(3);
    expect(codes(r)).toEqual(['ct-not-compliant:critical']);
    expect(judge([sct(g1), sct(c1), sct(d1)], { notAfter: now + 353 * DAY }).summary.verdict).toBe(
      'compliant',
    );
  });

  it('two logs of one operator are not enough', () => {
    const r = judge([sct(g1), sct(g2)]);
    expect(r.summary).toMatchObject({ verdict: 'not-compliant', countedLogs: 2, countedOperators: 1 });
  });

  it("a log that changed hands counts for the operator it had at the SCT's time", () => {
    const moved = createTestLog('M1', 'New Owner', {
      previousOperators: [{ name: 'Google', until: new Date(now - 20 * DAY).toISOString() }],
    });
    const list = testLogList([g1, moved], new Date(now).toISOString());
    // SCTs from 40 days ago: M1 was still Google's, so only one operator.
    expect(judge([sct(g1), sct(moved)], { logs: list }).summary.countedOperators).toBe(1);
    const recent = new Date(now - 10 * DAY).toISOString();
    expect(
      judge([sct(g1), sct(moved, 'certificate', { timestamp: recent })], { logs: list }).summary,
    ).toMatchObject({ verdict: 'compliant', countedOperators: 2 });
  });

  it('a retired log counts only when the earliest SCT predates its retirement', () => {
    expect(judge([sct(g1), sct(retired)]).summary.verdict).toBe('compliant');
    const late = new Date(now - 10 * DAY).toISOString();
    expect(
      judge([sct(g1, 'certificate', { timestamp: late }), sct(retired, 'certificate', { timestamp: late })])
        .summary.verdict,
    ).toBe('not-compliant');
  });

  it('by TLS: 2 SCTs of 2 operators from usable logs; a retired log does not count there', () => {
    expect(judge([sct(g1, 'tls-extension'), sct(c1, 'ocsp')]).summary).toMatchObject({
      verdict: 'compliant',
      required: 2,
    });
    expect(judge([sct(g1, 'tls-extension'), sct(retired, 'tls-extension')]).summary.verdict).toBe(
      'not-compliant',
    );
  });

  it('an invalid signature or a future timestamp counts for nothing and is a medium finding', () => {
    const r = judge([
      sct(g1),
      sct(c1, 'certificate', { verification: 'failed', verificationDetail: 'the signature does not verify' }),
    ]);
    expect(r.summary.verdict).toBe('not-compliant');
    expect(codes(r)).toEqual(['sct-invalid:medium', 'ct-not-compliant:critical']);
    const future = judge([
      sct(g1),
      sct(c1, 'certificate', { issues: [{ code: 'future-timestamp', message: 'in the future' }] }),
    ]);
    expect(codes(future)).toContain('sct-invalid:medium');
    expect(future.summary.verdict).toBe('not-compliant');
  });

  it('SCTs the bundled list cannot judge make it inconclusive (info), never a failure', () => {
    const unknown = judge([sct(g1), { ...sct(c1), logId: 'AAAA', verification: 'unknown-log' }]);
    expect(unknown.summary.verdict).toBe('inconclusive');
    expect(codes(unknown)).toEqual(['ct-inconclusive:info']);
    expect(judge([sct(g1), sct(pending)]).summary.verdict).toBe('inconclusive');
  });

  it('no SCTs at all: not compliant when TLS was seen, inconclusive when TLS 1.3 hid it', () => {
    expect(judge([]).summary.verdict).toBe('not-compliant');
    expect(judge([], { tlsDeliveryObserved: false }).summary).toMatchObject({
      verdict: 'inconclusive',
      tlsDeliveryObserved: false,
    });
  });

  it('an expired certificate is not judged (its logs have moved on)', () => {
    const r = judge([], { notBefore: now - 100 * DAY, notAfter: now - DAY });
    expect(r.summary.verdict).toBe('not-required');
    expect(r.problems).toEqual([]);
  });

  it('a private CA needs no CT: no SCTs is informational', () => {
    const r = judge([], { scope: 'private' });
    expect(r.summary.verdict).toBe('not-required');
    expect(r.summary.message).toMatch(/private CA.*no SCTs, as is normal there/);
    expect(r.problems).toEqual([]);
  });

  it('the scope comes from the anchor the path reached; a critical CT finding gives grade T', () => {
    const leaf = {
      notBefore: new Date(now - 45 * DAY).toISOString(),
      notAfter: new Date(now + 45 * DAY).toISOString(),
    };
    const common = { leaf, logs, tlsObserved: true, now };
    const pub = checkCt([], { ...common, path: [{ source: 'sent' }, { source: 'mozilla' }] });
    expect(pub.summary?.scope).toBe('publicly-trusted');
    expect(checkCt([], { ...common, path: [{ source: 'sent' }, { source: 'user' }] }).summary?.scope).toBe(
      'private',
    );
    expect(checkCt([], { ...common, path: [{ source: 'sent' }] }).summary?.scope).toBe('untrusted');
    const hs = {
      protocol: 'TLSv1.3',
      cipherOpenssl: '',
      resolvedAddress: '127.0.0.1',
      ocsp: { present: false },
    } as TlsHandshake;
    expect(computeGrade({ handshake: hs, problems: pub.problems }).grade).toBe('T');
  });

  it('reports the bundled list it judged with and its age', () => {
    const r = judge([sct(g1), sct(c1)], { now: now + 100 * DAY });
    expect(r.summary.logList).toMatchObject({ logs: 6, ageDays: 100 });
  });
});
