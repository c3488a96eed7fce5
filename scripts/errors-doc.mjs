// Builds docs/errors.md from src/shared/errors.ts: every stable error code, the sentence the app shows
// for it, and where in the source it is raised. Used by `npm run docs:errors` (gen-errors-doc.mjs) and
// by the unit test that fails when the committed doc is out of date.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export const ERRORS_TS = 'src/shared/errors.ts';
export const ERRORS_DOC = 'docs/errors.md';

/**
 * The codes in source order with their group heading (the `// heading` comment above them) and the
 * sentence. Parsed from the text, so the script needs no TypeScript loader; the unit test checks the
 * parse against the real `errorSentences` object.
 */
export function parseErrorsTs(text) {
  const body = text.slice(text.indexOf('export const errorSentences'), text.indexOf('} as const'));
  const codes = [];
  let group = 'General';
  // A key, then its string literal (single or double quoted, possibly on the next line).
  const re = /^\s*\/\/\s*(.+)$|^\s*([A-Z][A-Z0-9_]*):\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")/gm;
  for (const m of body.matchAll(re)) {
    if (m[1] !== undefined) {
      group = m[1].replace(/\s*\((?:issue|docs\/)[^)]*\)\s*$/, '').replace(/^./, (c) => c.toUpperCase());
      continue;
    }
    const raw = m[3] ?? m[4] ?? '';
    const sentence = raw.replace(/\\(.)/g, '$1');
    codes.push({ code: m[2], group, sentence });
  }
  return codes;
}

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.ts') || p.endsWith('.vue')) out.push(p);
  }
  return out;
}

/** Where a source file sits, as a reader of the doc would name it. */
function placeOf(rel) {
  const parts = rel.split(sep);
  if (parts[0] !== 'src') return undefined;
  if (parts[1] === 'main' && parts[2] === 'engines') {
    if (parts[3] === 'common')
      return parts[4] === 'errors.ts' ? 'all engines (system errors)' : 'shared engine code';
    return `${parts[3]} engine`;
  }
  if (parts[1] === 'shared' && parts[2] === 'contract') return 'input validation';
  if (parts[1] === 'shared') return undefined;
  if (parts[1] === 'main')
    return parts[2] === 'storage' ? 'storage' : parts[2] === 'dispatcher' ? 'dispatcher' : 'desktop shell';
  if (parts[1] === 'server') return 'browser shell';
  // The CLI and the UI name codes to present them (exit status, a sentence), not to raise them.
  if (parts[1] === 'preload') return 'desktop shell';
  return undefined;
}

/** For each code, the places whose source names it as a string literal ('CODE' or "CODE"). */
export function whereRaised(root, codes) {
  const found = new Map(codes.map((c) => [c.code, new Set()]));
  for (const file of walk(join(root, 'src'))) {
    const rel = relative(root, file);
    if (rel === ERRORS_TS.split('/').join(sep)) continue;
    const place = placeOf(rel);
    if (!place) continue;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/['"`]([A-Z][A-Z0-9_]{2,})['"`]/g)) found.get(m[1])?.add(place);
  }
  return found;
}

const cell = (s) => s.replace(/\|/g, '\\|');

export function renderErrorsDoc(root) {
  const codes = parseErrorsTs(readFileSync(join(root, ERRORS_TS), 'utf8'));
  const where = whereRaised(root, codes);
  const lines = [
    '# Error codes',
    '',
    '<!-- Generated from src/shared/errors.ts by `npm run docs:errors`; edit that file, not this one. -->',
    '',
    'Every failure in Wirelab carries `{ code, message }`: the **code** is stable (scripts and tests may',
    'rely on it), the **sentence** below is what the app shows for it, and the message adds the technical',
    'detail. The CLI prints the code and exits with status 1 (2 for usage errors). "Raised by" lists the',
    'parts of the source that name the code; "all engines (system errors)" are mapped from Node errno',
    'values (EADDRINUSE, ECONNREFUSED, …) wherever they occur.',
    '',
  ];
  let group;
  for (const c of codes) {
    if (c.group !== group) {
      group = c.group;
      lines.push(`## ${group}`, '', '| Code | Sentence | Raised by |', '| --- | --- | --- |');
    }
    const places = [...(where.get(c.code) ?? [])].sort().join(', ') || '—';
    lines.push(`| \`${c.code}\` | ${cell(c.sentence)} | ${places} |`);
    const next = codes[codes.indexOf(c) + 1];
    if (!next || next.group !== group) lines.push('');
  }
  return lines.join('\n');
}
