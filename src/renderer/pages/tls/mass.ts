// Mass-scan helpers for the page: target lists as people paste them, sorting, exports (CSV, JSON,
// Markdown) and the comparison of two scans of the same targets. Pure functions, no DOM.
import type { TlsMassRow } from '../../../shared/contract';

/** One target per line, or separated by commas/spaces; # starts a comment; duplicates dropped. */
export function parseTargets(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    for (const t of line.replace(/#.*$/, '').split(/[\s,;]+/)) {
      const v = t.trim();
      if (v && !out.includes(v)) out.push(v);
    }
  }
  return out;
}

export type MassSortKey = 'target' | 'grade' | 'expiry' | 'problems';

const GRADE_ORDER = ['A+', 'A', 'A-', 'B', 'C', 'F', 'T'];

/** Worst first for grade and problems, soonest first for expiry; failed targets always last. */
export function sortRows(rows: readonly TlsMassRow[], key: MassSortKey): TlsMassRow[] {
  const rank = (r: TlsMassRow): number => {
    if (key === 'grade') return -GRADE_ORDER.indexOf(r.grade ?? '');
    if (key === 'expiry') return r.daysLeft ?? Number.MAX_SAFE_INTEGER;
    if (key === 'problems') return -(r.problemCount ?? 0);
    return r.index;
  };
  return [...rows].sort((a, b) => Number(!a.ok) - Number(!b.ok) || rank(a) - rank(b) || a.index - b.index);
}

const COLUMNS: Array<[string, (r: TlsMassRow) => string | number | boolean | undefined]> = [
  ['target', (r) => r.target],
  ['ok', (r) => r.ok],
  ['grade', (r) => r.grade],
  ['trusted', (r) => r.trusted],
  ['problems', (r) => r.problemCount],
  ['problem_codes', (r) => r.problems?.join(' ')],
  ['protocol', (r) => r.protocol],
  ['not_after', (r) => r.notAfter],
  ['days_left', (r) => r.daysLeft],
  ['subject', (r) => r.subject],
  ['issuer', (r) => r.issuer],
  ['error', (r) => (r.ok ? undefined : `${r.code}: ${r.message}`)],
];

const csvCell = (v: unknown) => {
  const s = v === undefined ? '' : String(v);
  // A leading =, +, - or @ would run as a formula in a spreadsheet: quote it as text.
  const safe = /^[=+\-@]/.test(s) ? `'${s}` : s;
  return /[",\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export function toCsv(rows: readonly TlsMassRow[]): string {
  return [
    COLUMNS.map(([h]) => h).join(','),
    ...rows.map((r) => COLUMNS.map(([, f]) => csvCell(f(r))).join(',')),
  ]
    .join('\n')
    .concat('\n');
}

export function toMarkdown(rows: readonly TlsMassRow[]): string {
  const esc = (v: unknown) => (v === undefined ? '' : String(v).replace(/\|/g, '\\|').replace(/\n/g, ' '));
  return [
    '| Target | Grade | Problems | Protocol | Expires | Error |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${esc(r.target)} | ${esc(r.grade)} | ${esc(r.problemCount)} | ${esc(r.protocol)} | ${esc(r.notAfter?.slice(0, 10))} | ${r.ok ? '' : esc(`${r.code}: ${r.message}`)} |`,
    ),
  ]
    .join('\n')
    .concat('\n');
}

export interface MassDiff {
  target: string;
  kind: 'added' | 'removed' | 'changed';
  changes: string[];
}

/** What changed per target between two scans: grade, trust, problems, protocol, certificate, reachability. */
export function diffScans(before: readonly TlsMassRow[], after: readonly TlsMassRow[]): MassDiff[] {
  const old = new Map(before.map((r) => [r.target, r]));
  const out: MassDiff[] = [];
  for (const r of after) {
    const b = old.get(r.target);
    old.delete(r.target);
    if (!b) {
      out.push({ target: r.target, kind: 'added', changes: [] });
      continue;
    }
    const changes: string[] = [];
    if (b.ok !== r.ok) changes.push(r.ok ? `reachable again (was ${b.code})` : `now fails: ${r.code}`);
    if (b.grade !== r.grade && b.ok && r.ok) changes.push(`grade ${b.grade ?? '—'} → ${r.grade ?? '—'}`);
    if (b.trusted !== r.trusted && r.ok && b.ok)
      changes.push(r.trusted ? 'now trusted' : 'no longer trusted');
    const bp = new Set(b.problems ?? []);
    const ap = new Set(r.problems ?? []);
    const gained = [...ap].filter((p) => !bp.has(p));
    const lost = [...bp].filter((p) => !ap.has(p));
    if (gained.length) changes.push(`new problems: ${gained.join(', ')}`);
    if (lost.length) changes.push(`fixed: ${lost.join(', ')}`);
    if (b.protocol !== r.protocol && r.ok && b.ok) changes.push(`protocol ${b.protocol} → ${r.protocol}`);
    if (b.notAfter !== r.notAfter && r.ok && b.ok)
      changes.push(
        `certificate renewed: expires ${r.notAfter?.slice(0, 10)} (was ${b.notAfter?.slice(0, 10)})`,
      );
    if (changes.length) out.push({ target: r.target, kind: 'changed', changes });
  }
  for (const t of old.keys()) out.push({ target: t, kind: 'removed', changes: [] });
  return out;
}
