// Code generation from a request spec: curl (also "copy as cURL"), fetch, Node (node:http/https) and
// Python requests. Output is meant to be pasted and run as-is; variables are expected to be substituted
// before calling (the service does that with the active environment).
import type { HttpCodeLanguage, HttpRequestSpec } from '../../../shared/contract/http-client';
import { applyAuth, enabledHeaders, parseUrl } from './prepare';

/** POSIX single-quoting: safe for any byte except NUL. */
export function shq(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

const js = (s: string) => JSON.stringify(s);

function pyStr(s: string): string {
  return JSON.stringify(s);
}

function pyDict(entries: [string, string][]): string {
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `    ${pyStr(k)}: ${pyStr(v)},`).join('\n')}\n}`;
}

interface Resolved {
  method: string;
  url: string;
  headers: [string, string][];
}

function resolve(spec: HttpRequestSpec, authInHeaders: boolean): Resolved {
  const headers = enabledHeaders(spec.headers);
  let url: URL;
  try {
    if (spec.url.includes('{{')) throw new Error('unresolved variables');
    url = parseUrl(spec.url);
  } catch {
    // An unresolved {{variable}} in the host is kept as typed: the snippet is still worth copying.
    if (
      authInHeaders ||
      spec.auth.type === 'bearer' ||
      (spec.auth.type === 'apiKey' && spec.auth.in === 'header')
    )
      applyAuth(spec.auth, new URL('http://x'), headers);
    return { method: spec.method, url: spec.url, headers };
  }
  if (authInHeaders || spec.auth.type === 'apiKey' || spec.auth.type === 'bearer')
    applyAuth(spec.auth, url, headers);
  return { method: spec.method, url: url.href, headers };
}

function bodyContentType(spec: HttpRequestSpec): string | undefined {
  switch (spec.body.type) {
    case 'json':
      return 'application/json';
    case 'form':
      return 'application/x-www-form-urlencoded';
    case 'raw':
    case 'binary':
      return spec.body.contentType;
    default:
      return undefined;
  }
}

function withContentType(spec: HttpRequestSpec, headers: [string, string][]): [string, string][] {
  const ct = bodyContentType(spec);
  if (ct && !headers.some(([k]) => k.toLowerCase() === 'content-type'))
    return [...headers, ['Content-Type', ct]];
  return headers;
}

function formText(spec: HttpRequestSpec): string {
  if (spec.body.type !== 'form') return '';
  const p = new URLSearchParams();
  for (const f of spec.body.fields) if (f.enabled && f.name) p.append(f.name, f.value);
  return p.toString();
}

export function toCurl(spec: HttpRequestSpec): string {
  const r = resolve(spec, false);
  const o = spec.options;
  const lines: string[] = [
    `curl${r.method === 'GET' && spec.body.type === 'none' ? '' : ` -X ${shq(r.method)}`} ${shq(r.url)}`,
  ];
  for (const [k, v] of withContentType(spec, r.headers)) lines.push(`-H ${shq(`${k}: ${v}`)}`);
  if (spec.auth.type === 'basic') lines.push(`-u ${shq(`${spec.auth.username}:${spec.auth.password}`)}`);
  if (spec.auth.type === 'digest')
    lines.push(`--digest -u ${shq(`${spec.auth.username}:${spec.auth.password}`)}`);
  const b = spec.body;
  if (b.type === 'json' || b.type === 'raw') lines.push(`--data-raw ${shq(b.text)}`);
  else if (b.type === 'form') lines.push(`--data-raw ${shq(formText(spec))}`);
  else if (b.type === 'binary') lines.push(`--data-binary ${shq(`@${b.file}`)}`);
  else if (b.type === 'multipart') {
    for (const p of b.parts) {
      if (!p.enabled) continue;
      if (p.file)
        lines.push(
          `-F ${shq(`${p.name}=@${p.file}${p.contentType ? `;type=${p.contentType}` : ''}${p.filename ? `;filename=${p.filename}` : ''}`)}`,
        );
      else lines.push(`--form-string ${shq(`${p.name}=${p.value}`)}`);
    }
  }
  if (o.followRedirects) lines.push(o.maxRedirects !== 10 ? `-L --max-redirs ${o.maxRedirects}` : '-L');
  if (!o.verifyTls) lines.push('-k');
  if (o.httpVersion === '2') lines.push(spec.url.startsWith('https') ? '--http2' : '--http2-prior-knowledge');
  if (o.httpVersion === '1.1') lines.push('--http1.1');
  if (o.decode) lines.push('--compressed');
  if (o.proxy !== 'env') lines.push(o.proxy === 'none' ? "--noproxy '*'" : `-x ${shq(o.proxy)}`);
  lines.push(`-m ${o.timeoutMs / 1000}`);
  return lines.join(' \\\n  ');
}

function toFetch(spec: HttpRequestSpec): string {
  const r = resolve(spec, true);
  const out: string[] = [];
  const b = spec.body;
  const needsFs = b.type === 'binary' || (b.type === 'multipart' && b.parts.some((p) => p.enabled && p.file));
  if (needsFs) out.push(`import { openAsBlob } from 'node:fs';`, '');
  let bodyExpr: string | undefined;
  const headers = b.type === 'multipart' ? r.headers : withContentType(spec, r.headers);
  if (b.type === 'json' || b.type === 'raw') bodyExpr = js(b.text);
  else if (b.type === 'form') bodyExpr = `new URLSearchParams(${js(formText(spec))})`;
  else if (b.type === 'binary') bodyExpr = `await openAsBlob(${js(b.file)})`;
  else if (b.type === 'multipart') {
    out.push('const form = new FormData();');
    for (const p of b.parts) {
      if (!p.enabled) continue;
      if (p.file)
        out.push(
          `form.append(${js(p.name)}, await openAsBlob(${js(p.file)}${p.contentType ? `, { type: ${js(p.contentType)} }` : ''}), ${js(p.filename ?? p.file.split(/[\\/]/).pop() ?? 'file')});`,
        );
      else out.push(`form.append(${js(p.name)}, ${js(p.value)});`);
    }
    bodyExpr = 'form';
  }
  out.push(`const response = await fetch(${js(r.url)}, {`, `  method: ${js(r.method)},`);
  if (headers.length) {
    out.push('  headers: {');
    for (const [k, v] of headers) out.push(`    ${js(k)}: ${js(v)},`);
    out.push('  },');
  }
  if (bodyExpr) out.push(`  body: ${bodyExpr},`);
  if (!spec.options.followRedirects) out.push(`  redirect: 'manual',`);
  out.push(`  signal: AbortSignal.timeout(${spec.options.timeoutMs}),`, '});');
  out.push('console.log(response.status, response.statusText);', 'console.log(await response.text());');
  if (!spec.options.verifyTls)
    out.unshift(
      '// TLS verification was off in Wirelab; fetch always verifies (set NODE_TLS_REJECT_UNAUTHORIZED=0 only for testing).',
    );
  return out.join('\n');
}

function toNode(spec: HttpRequestSpec): string {
  const r = resolve(spec, true);
  const mod = r.url.startsWith('https:') ? 'https' : 'http';
  const b = spec.body;
  const out: string[] = [`import { request } from 'node:${mod}';`];
  if (b.type === 'binary') out.push(`import { createReadStream, statSync } from 'node:fs';`);
  out.push('');
  const headers = withContentType(spec, r.headers);
  let bodyLine: string | undefined;
  if (b.type === 'json' || b.type === 'raw') bodyLine = `const body = Buffer.from(${js(b.text)});`;
  else if (b.type === 'form') bodyLine = `const body = Buffer.from(${js(formText(spec))});`;
  if (bodyLine) out.push(bodyLine);
  if (b.type === 'multipart')
    out.push(
      '// multipart/form-data: build the body with a library such as form-data, or use fetch with FormData.',
    );
  out.push(`const req = request(${js(r.url)}, {`, `  method: ${js(r.method)},`, '  headers: {');
  for (const [k, v] of headers) out.push(`    ${js(k)}: ${js(v)},`);
  if (bodyLine) out.push(`    'Content-Length': body.length,`);
  if (b.type === 'binary') out.push(`    'Content-Length': statSync(${js(b.file)}).size,`);
  out.push('  },');
  if (spec.auth.type === 'basic') out.push(`  auth: ${js(`${spec.auth.username}:${spec.auth.password}`)},`);
  if (!spec.options.verifyTls && mod === 'https') out.push('  rejectUnauthorized: false,');
  out.push(
    `  timeout: ${spec.options.timeoutMs},`,
    '}, (res) => {',
    '  console.log(res.statusCode, res.headers);',
    "  res.setEncoding('utf8');",
    "  res.on('data', (chunk) => process.stdout.write(chunk));",
    '});',
  );
  out.push(
    "req.on('timeout', () => req.destroy(new Error('timeout')));",
    "req.on('error', (err) => console.error(err));",
  );
  if (bodyLine) out.push('req.end(body);');
  else if (b.type === 'binary') out.push(`createReadStream(${js(b.file)}).pipe(req);`);
  else out.push('req.end();');
  if (spec.options.followRedirects)
    out.push('// node:http does not follow redirects; check res.headers.location.');
  return out.join('\n');
}

function toPython(spec: HttpRequestSpec): string {
  const r = resolve(spec, false);
  const b = spec.body;
  const out: string[] = ['import requests'];
  if (spec.auth.type === 'digest') out.push('from requests.auth import HTTPDigestAuth');
  out.push('');
  out.push(`url = ${pyStr(r.url)}`);
  const headers = b.type === 'multipart' || b.type === 'json' ? r.headers : withContentType(spec, r.headers);
  out.push(`headers = ${pyDict(headers)}`);
  const args = ['url', 'headers=headers'];
  if (b.type === 'json') {
    out.push(`data = ${pyStr(b.text)}`, `headers.setdefault("Content-Type", "application/json")`);
    args.push('data=data.encode("utf-8")');
  } else if (b.type === 'raw') {
    out.push(`data = ${pyStr(b.text)}`);
    args.push('data=data.encode("utf-8")');
  } else if (b.type === 'form') {
    out.push(`data = ${pyDict(b.fields.filter((f) => f.enabled && f.name).map((f) => [f.name, f.value]))}`);
    args.push('data=data');
  } else if (b.type === 'binary') {
    out.push(`data = open(${pyStr(b.file)}, "rb")`);
    args.push('data=data');
  } else if (b.type === 'multipart') {
    const files = b.parts.filter((p) => p.enabled && p.file);
    const fields = b.parts.filter((p) => p.enabled && !p.file);
    out.push(`data = ${pyDict(fields.map((p) => [p.name, p.value]))}`);
    out.push(
      `files = {\n${files.map((p) => `    ${pyStr(p.name)}: (${pyStr(p.filename ?? (p.file ?? '').split(/[\\/]/).pop() ?? 'file')}, open(${pyStr(p.file ?? '')}, "rb")${p.contentType ? `, ${pyStr(p.contentType)}` : ''}),`).join('\n')}\n}`,
    );
    args.push('data=data', 'files=files');
  }
  if (spec.auth.type === 'basic')
    args.push(`auth=(${pyStr(spec.auth.username)}, ${pyStr(spec.auth.password)})`);
  if (spec.auth.type === 'digest')
    args.push(`auth=HTTPDigestAuth(${pyStr(spec.auth.username)}, ${pyStr(spec.auth.password)})`);
  if (!spec.options.verifyTls) args.push('verify=False');
  args.push(`allow_redirects=${spec.options.followRedirects ? 'True' : 'False'}`);
  args.push(`timeout=${spec.options.timeoutMs / 1000}`);
  out.push(
    '',
    `response = requests.request(${pyStr(r.method)}, ${args.join(', ')})`,
    'print(response.status_code, response.reason)',
    'print(response.text)',
  );
  return out.join('\n');
}

export function generateCode(spec: HttpRequestSpec, language: HttpCodeLanguage): string {
  switch (language) {
    case 'curl':
      return toCurl(spec);
    case 'fetch':
      return toFetch(spec);
    case 'node':
      return toNode(spec);
    case 'python':
      return toPython(spec);
  }
}
