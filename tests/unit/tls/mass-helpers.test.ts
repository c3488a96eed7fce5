// The mass-scan page's pure helpers: target lists as pasted, sorting, CSV that a spreadsheet cannot run,
// and the comparison of two scans.
import { describe, expect, it } from 'vitest';
import type { TlsMassRow } from '../../../src/shared/contract/tls';
import { diffScans, parseTargets, sortRows, toCsv } from '../../../src/renderer/pages/tls/mass';

const row = (index: number, target: string, extra: Partial<TlsMassRow> = {}): TlsMassRow => ({
  index,
  target,
  ok: true,
  grade: 'A',
  problemCount: 0,
  problems: [],
  protocol: 'TLSv1.3',
  notAfter: '2027-01-01T00:00:00.000Z',
  daysLeft: 300,
  durationMs: 1,
  ...extra,
});

describe('mass-scan helpers', () => {
  it('parseTargets: lines, commas, comments, duplicates', () => {
    expect(parseTargets('a.example, b.example\n# c.example\n\nd.example:8443 a.example')).toEqual([
      'a.example',
      'b.example',
      'd.example:8443',
    ]);
  });

  it('sortRows: worst grade, soonest expiry, most problems first; failures last', () => {
    const rows = [
      row(0, 'a', { grade: 'A', daysLeft: 90, problemCount: 0 }),
      row(1, 'b', { grade: 'T', daysLeft: 400, problemCount: 2 }),
      row(2, 'c', { ok: false, code: 'TIMEOUT' }),
      row(3, 'd', { grade: 'B', daysLeft: 10, problemCount: 1 }),
    ];
    expect(sortRows(rows, 'grade').map((r) => r.target)).toEqual(['b', 'd', 'a', 'c']);
    expect(sortRows(rows, 'expiry').map((r) => r.target)).toEqual(['d', 'a', 'b', 'c']);
    expect(sortRows(rows, 'problems').map((r) => r.target)).toEqual(['b', 'd', 'a', 'c']);
  });

  it('toCsv: quotes commas and quotes, neutralises formulas', () => {
    const csv = toCsv([row(0, 'x', { subject: 'CN=a, O="b"', issuer: '=HYPERLINK("http://evil")' })]);
    const line = csv.split('\n')[1]!;
    expect(line).toContain('"CN=a, O=""b"""');
    expect(line).toContain(`"'=HYPERLINK(""http://evil"")"`);
  });

  it('diffScans: grade, trust, problems, reachability, renewal, added and removed targets', () => {
    const before = [
      row(0, 'a', { trusted: true }),
      row(1, 'b'),
      row(2, 'gone'),
      row(3, 'c', { trusted: true }),
    ];
    const after = [
      row(0, 'a', { grade: 'T', trusted: false, problems: ['expired'] }),
      row(1, 'b', { ok: false, code: 'CONNECTION_REFUSED', grade: undefined }),
      row(2, 'new'),
      row(3, 'c', { trusted: true, notAfter: '2028-01-01T00:00:00.000Z' }),
    ];
    const d = diffScans(before, after);
    expect(d.find((x) => x.target === 'a')?.changes).toEqual([
      'grade A → T',
      'no longer trusted',
      'new problems: expired',
    ]);
    expect(d.find((x) => x.target === 'b')?.changes).toEqual(['now fails: CONNECTION_REFUSED']);
    expect(d.find((x) => x.target === 'c')?.changes).toEqual([
      'certificate renewed: expires 2028-01-01 (was 2027-01-01)',
    ]);
    expect(d.filter((x) => x.kind !== 'changed')).toEqual([
      { target: 'new', kind: 'added', changes: [] },
      { target: 'gone', kind: 'removed', changes: [] },
    ]);
  });
});
