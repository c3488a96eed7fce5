// Reports of a collection run for CI: JUnit XML (one testsuite per request path, one testcase per request
// and iteration, a failure per failed assertion or failed request — what Jenkins, GitLab and GitHub
// read) and JSON (the summary as is).
import type { HttpRunSummary } from '../../../shared/contract/http-runner';

function xml(s: string): string {
  // XML 1.0 forbids most control characters even escaped; they are dropped.
  return (
    s
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

export function junitReport(s: HttpRunSummary): string {
  const suites = new Map<string, HttpRunSummary['results']>();
  for (const r of s.results) {
    const list = suites.get(r.path) ?? [];
    list.push(r);
    suites.set(r.path, list);
  }
  const secs = (ms: number) => (ms / 1000).toFixed(3);
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const failures = s.results.filter((r) => r.failed > 0).length;
  const errors = s.results.filter((r) => r.code).length;
  out.push(
    `<testsuites name="${xml(s.collection)}" tests="${s.results.length}" failures="${failures}" errors="${errors}" time="${secs(s.durationMs)}">`,
  );
  for (const [path, list] of suites) {
    const f = list.filter((r) => r.failed > 0).length;
    const e = list.filter((r) => r.code).length;
    const t = list.reduce((a, r) => a + r.durationMs, 0);
    out.push(
      `  <testsuite name="${xml(path)}" tests="${list.length}" failures="${f}" errors="${e}" time="${secs(t)}">`,
    );
    for (const r of list) {
      const name = `${r.method} ${r.name}${s.iterations > 1 ? ` [iteration ${r.iteration}]` : ''}`;
      out.push(
        `    <testcase classname="${xml(`${s.collection}.${path}`)}" name="${xml(name)}" time="${secs(r.durationMs)}">`,
      );
      if (r.code) out.push(`      <error type="${xml(r.code)}" message="${xml(r.message ?? r.code)}"/>`);
      for (const a of r.assertions.filter((x) => !x.pass))
        out.push(`      <failure type="assertion" message="${xml(a.message)}"/>`);
      out.push(
        `      <system-out>${xml(`${r.status ?? '-'} ${r.url} ${r.durationMs.toFixed(1)} ms`)}</system-out>`,
      );
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}

export function jsonReport(s: HttpRunSummary): string {
  return `${JSON.stringify(s, null, 2)}\n`;
}
