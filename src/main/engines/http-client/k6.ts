// A load run as a k6 script, so it can move to k6's distributed runners: the same request (method, URL,
// headers, body, auth as headers), the same shape (`requests` iterations shared by `concurrency` VUs,
// stopped after `maxDurationMs`) and the request's assertions as k6 checks, with thresholds: every check
// must pass, no request may fail, and a response-time assertion becomes an http_req_duration bound.
// Everything user-supplied enters the script through JSON.stringify, so it cannot break out of a string.
import type { HttpAssertion } from '../../../shared/contract/http-checks';
import type { HttpRequestSpec } from '../../../shared/contract/http-client';
import { parsePath, PathError } from '../../../shared/json-path';

export interface K6Shape {
  requests: number;
  concurrency: number;
  maxDurationMs: number;
}

const q = (v: unknown) => JSON.stringify(v);

/** A JSONPath of the shared subset as a k6 `r.json()` selector (gjson), or undefined when it has no equivalent. */
function gjson(path: string): string | undefined {
  let segs;
  try {
    segs = parsePath(path || '$');
  } catch (err) {
    if (err instanceof PathError) return undefined;
    throw err;
  }
  const parts: string[] = [];
  for (const s of segs) {
    if (s.kind === 'all') parts.push('#');
    else if (s.kind === 'index') {
      if (s.index < 0) return undefined;
      parts.push(String(s.index));
    } else {
      if (/[.*?#@|\\]/.test(s.key)) return undefined;
      parts.push(s.key);
    }
  }
  return parts.join('.');
}

function compareJs(op: HttpAssertion['op'], actual: string, expected: string): string | undefined {
  const num = Number(expected);
  switch (op) {
    case 'eq':
      return Number.isFinite(num) && expected.trim() !== ''
        ? `${actual} == ${q(expected)}`
        : `String(${actual}) === ${q(expected)}`;
    case 'neq':
      return `String(${actual}) !== ${q(expected)}`;
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte':
      if (!Number.isFinite(num)) return undefined;
      return `Number(${actual}) ${{ lt: '<', lte: '<=', gt: '>', gte: '>=' }[op]} ${num}`;
    case 'contains':
      return `String(${actual}).includes(${q(expected)})`;
    case 'notContains':
      return `!String(${actual}).includes(${q(expected)})`;
    case 'matches':
      return `new RegExp(${q(expected)}).test(String(${actual}))`;
    case 'exists':
      return `${actual} !== undefined && ${actual} !== null`;
    case 'notExists':
      return `${actual} === undefined || ${actual} === null`;
    default:
      return undefined;
  }
}

export function k6Script(spec: HttpRequestSpec, shape: K6Shape): { script: string; skipped: string[] } {
  const headers: Record<string, string> = {};
  for (const h of spec.headers) if (h.enabled && h.name) headers[h.name] = h.value;
  const a = spec.auth;
  if (a.type === 'basic')
    headers.Authorization = `Basic ${Buffer.from(`${a.username}:${a.password}`).toString('base64')}`;
  else if (a.type === 'bearer') headers.Authorization = `Bearer ${a.token}`;
  else if (a.type === 'apiKey' && a.in === 'header') headers[a.name] = a.value;
  let url = spec.url;
  if (a.type === 'apiKey' && a.in === 'query')
    url += `${url.includes('?') ? '&' : '?'}${encodeURIComponent(a.name)}=${encodeURIComponent(a.value)}`;
  let body = 'null';
  const b = spec.body;
  if (b.type === 'json' || b.type === 'raw') {
    body = q(b.text);
    const ct = b.type === 'json' ? 'application/json' : b.contentType;
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['Content-Type'] = ct;
  } else if (b.type === 'form') {
    body = q(Object.fromEntries(b.fields.filter((f) => f.enabled && f.name).map((f) => [f.name, f.value])));
  }
  const skipped: string[] = [];
  if (a.type === 'digest')
    skipped.push('Digest auth (k6 supports it with credentials in the URL; not exported)');
  if (b.type === 'multipart' || b.type === 'binary') skipped.push(`a ${b.type} body (not exported)`);

  const checks: string[] = [];
  const thresholds: string[] = [`    checks: ['rate==1.0'],`, `    http_req_failed: ['rate==0'],`];
  for (const x of spec.assertions.filter((y) => y.enabled)) {
    const name =
      x.source === 'jsonSchema'
        ? 'body is valid against the JSON Schema'
        : `${x.source}${x.path ? ` ${x.path}` : ''} ${x.op}${x.op === 'exists' || x.op === 'notExists' ? '' : ` ${x.value}`}`;
    let actual: string | undefined;
    if (x.source === 'status') actual = 'r.status';
    else if (x.source === 'header') actual = `r.headers[${q(headerKey(x.path))}]`;
    else if (x.source === 'body') actual = 'r.body';
    else if (x.source === 'jsonpath') {
      const sel = gjson(x.path);
      actual = sel === undefined ? undefined : sel === '' ? 'r.json()' : `r.json(${q(sel)})`;
    } else if (x.source === 'responseTime') {
      const n = Number(x.value);
      if ((x.op === 'lt' || x.op === 'lte') && Number.isFinite(n)) {
        thresholds.push(`    http_req_duration: [${q(`max${x.op === 'lt' ? '<' : '<='}${n}`)}],`);
        continue;
      }
    }
    const expr = actual === undefined ? undefined : compareJs(x.op, actual, x.value);
    if (expr === undefined) {
      skipped.push(`assertion "${name}" (no k6 equivalent)`);
      continue;
    }
    checks.push(`    ${q(name)}: (r) => ${expr},`);
  }
  const script = `// Exported from Wirelab: ${spec.method} ${spec.url.replace(/\r?\n/g, ' ')}
// Run with: k6 run script.js (or k6 cloud script.js)
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  scenarios: {
    load: {
      executor: 'shared-iterations',
      vus: ${shape.concurrency},
      iterations: ${shape.requests},
      maxDuration: '${Math.max(1, Math.ceil(shape.maxDurationMs / 1000))}s',
    },
  },
  thresholds: {
${thresholds.join('\n')}
  },
};
${skipped.length ? `\n// Not exported:\n${skipped.map((s) => `//  - ${s.replace(/\r?\n/g, ' ')}`).join('\n')}\n` : ''}
export default function () {
  const r = http.request(${q(spec.method)}, ${q(url)}, ${body}, {
    headers: ${q(headers)},
    redirects: ${spec.options.followRedirects ? spec.options.maxRedirects : 0},
    timeout: '${spec.options.timeoutMs}ms',
  });
  check(r, {
${checks.length ? checks.join('\n') : `    'got a response': (r) => r.status !== 0,`}
  });
}
`;
  return { script, skipped };
}

/** k6 canonicalises response header names (Content-Type). */
function headerKey(name: string): string {
  return name
    .trim()
    .split('-')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1).toLowerCase())
    .join('-');
}
