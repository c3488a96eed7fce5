// A small, safe JSONPath subset for pulling fields out of a JSON response (the composer's extraction
// panel, assertions and captures) — what a script would do with
// user['company']['name']. Accepted: `$` (optional), `.name`, `['any key']`, `["any key"]`, `[0]`, `[-1]`
// (from the end), `[*]` / `.*` (every element or property). Results carry their concrete path so each can
// be copied. Pure functions, no DOM.
export type Segment = { kind: 'key'; key: string } | { kind: 'index'; index: number } | { kind: 'all' };

export class PathError extends Error {}

export function parsePath(expr: string): Segment[] {
  const s = expr.trim();
  let i = 0;
  const out: Segment[] = [];
  if (s.startsWith('$')) i = 1;
  else if (s !== '' && !s.startsWith('.') && !s.startsWith('[')) {
    // A bare first key: `company.name` means `$.company.name`.
    const m = /^[A-Za-z_$][\w$-]*/.exec(s);
    if (!m) throw new PathError(`unexpected "${s[0]}" at 1`);
    out.push({ kind: 'key', key: m[0] });
    i = m[0].length;
  }
  while (i < s.length) {
    const c = s[i];
    if (c === '.') {
      if (s[i + 1] === '*') {
        out.push({ kind: 'all' });
        i += 2;
        continue;
      }
      const m = /^[A-Za-z_$][\w$-]*/.exec(s.slice(i + 1));
      if (!m) throw new PathError(`a name must follow "." at ${i + 1}`);
      out.push({ kind: 'key', key: m[0] });
      i += 1 + m[0].length;
    } else if (c === '[') {
      const rest = s.slice(i + 1);
      let m: RegExpExecArray | null;
      if ((m = /^\s*\*\s*\]/.exec(rest))) out.push({ kind: 'all' });
      else if ((m = /^\s*(-?\d+)\s*\]/.exec(rest))) out.push({ kind: 'index', index: Number(m[1]) });
      else if (
        (m = /^\s*'((?:[^'\\]|\\.)*)'\s*\]/.exec(rest)) ||
        (m = /^\s*"((?:[^"\\]|\\.)*)"\s*\]/.exec(rest))
      ) {
        out.push({ kind: 'key', key: (m[1] ?? '').replace(/\\(.)/g, '$1') });
      } else throw new PathError(`bad [...] at ${i + 1}: use [0], [*], ['name']`);
      i += 1 + m[0].length;
    } else if (/\s/.test(c ?? '')) i++;
    else throw new PathError(`unexpected "${c}" at ${i + 1}`);
  }
  return out;
}

const SIMPLE = /^[A-Za-z_$][\w$]*$/;

export function formatPath(parts: (string | number)[]): string {
  return `$${parts.map((p) => (typeof p === 'number' ? `[${p}]` : SIMPLE.test(p) ? `.${p}` : `['${p.replace(/(['\\])/g, '\\$1')}']`)).join('')}`;
}

export interface Match {
  path: string;
  value: unknown;
}

/** Evaluates; at most `limit` matches (wildcards over big arrays stay cheap). */
export function evaluate(expr: string, root: unknown, limit = 1000): Match[] {
  const segs = parsePath(expr);
  let current: { parts: (string | number)[]; value: unknown }[] = [{ parts: [], value: root }];
  for (const seg of segs) {
    const next: typeof current = [];
    for (const { parts, value } of current) {
      if (next.length >= limit) break;
      if (seg.kind === 'key') {
        if (value && typeof value === 'object' && !Array.isArray(value) && Object.hasOwn(value, seg.key)) {
          next.push({ parts: [...parts, seg.key], value: (value as Record<string, unknown>)[seg.key] });
        }
      } else if (seg.kind === 'index') {
        if (Array.isArray(value)) {
          const idx = seg.index < 0 ? value.length + seg.index : seg.index;
          if (idx >= 0 && idx < value.length) next.push({ parts: [...parts, idx], value: value[idx] });
        }
      } else if (Array.isArray(value)) {
        value.slice(0, limit).forEach((v, k) => next.push({ parts: [...parts, k], value: v }));
      } else if (value && typeof value === 'object') {
        for (const [k, v] of Object.entries(value).slice(0, limit))
          next.push({ parts: [...parts, k], value: v });
      }
    }
    current = next;
  }
  return current.slice(0, limit).map((c) => ({ path: formatPath(c.parts), value: c.value }));
}
