// Turning a request spec into something sendable: {{variables}} substituted, the URL parsed and checked,
// header names and values validated, auth applied. Every failure is a coded EngineError raised before a
// socket is opened, so a typo never reaches the network.
import { randomInt, randomUUID } from 'node:crypto';
import type {
  HttpAuth,
  HttpBody,
  HttpKeyValue,
  HttpRequestOptions,
  HttpRequestSpec,
} from '../../../shared/contract/http-client';
import { EngineError } from '../common/errors';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[\r\n\0]/;

export type Variables = ReadonlyMap<string, string>;

const VAR = /\{\{\s*([$A-Za-z0-9_.-]+)\s*\}\}/g;

/** `{{name}}` from the environment; `{{$timestamp}}`, `{{$guid}}`, `{{$randomInt}}` are built in. Unknown names stay as written. */
export function substitute(text: string, vars: Variables): string {
  if (!text.includes('{{')) return text;
  return text.replace(VAR, (whole, name: string) => {
    if (vars.has(name)) return vars.get(name) ?? '';
    if (name === '$timestamp') return String(Math.floor(Date.now() / 1000));
    if (name === '$guid') return randomUUID();
    if (name === '$randomInt') return String(randomInt(0, 1000));
    return whole;
  });
}

function subKv(list: HttpKeyValue[], vars: Variables): HttpKeyValue[] {
  return list.map((kv) => ({ ...kv, name: substitute(kv.name, vars), value: substitute(kv.value, vars) }));
}

function subBody(body: HttpBody, vars: Variables): HttpBody {
  switch (body.type) {
    case 'none':
      return body;
    case 'json':
    case 'raw':
      return { ...body, text: substitute(body.text, vars) };
    case 'form':
      return { ...body, fields: subKv(body.fields, vars) };
    case 'multipart':
      return {
        ...body,
        parts: body.parts.map((p) => ({
          ...p,
          value: substitute(p.value, vars),
          file: p.file === undefined ? undefined : substitute(p.file, vars),
        })),
      };
    case 'binary':
      return { ...body, file: substitute(body.file, vars) };
  }
}

function subAuth(auth: HttpAuth, vars: Variables): HttpAuth {
  switch (auth.type) {
    case 'none':
      return auth;
    case 'basic':
    case 'digest':
      return {
        ...auth,
        username: substitute(auth.username, vars),
        password: substitute(auth.password, vars),
      };
    case 'bearer':
      return { ...auth, token: substitute(auth.token, vars) };
    case 'apiKey':
      return { ...auth, name: substitute(auth.name, vars), value: substitute(auth.value, vars) };
  }
}

export function applyVariables(spec: HttpRequestSpec, vars: Variables): HttpRequestSpec {
  if (vars.size === 0 && !JSON.stringify(spec).includes('{{$')) return spec;
  return {
    ...spec,
    url: substitute(spec.url, vars),
    headers: subKv(spec.headers, vars),
    body: subBody(spec.body, vars),
    auth: subAuth(spec.auth, vars),
    // Expected values may name variables (`{{userId}}`); a JSON Schema's text is left as written.
    assertions: spec.assertions.map((a) =>
      a.source === 'jsonSchema'
        ? a
        : { ...a, path: substitute(a.path, vars), value: substitute(a.value, vars) },
    ),
  };
}

/** Parses what a user typed: a missing scheme means http://; only http and https are accepted. */
export function parseUrl(text: string): URL {
  const t = text.trim();
  if (t === '') throw new EngineError('INVALID_URL', 'URL is empty');
  if (/\s/.test(t))
    throw new EngineError('INVALID_URL', `URL contains whitespace: ${JSON.stringify(t.slice(0, 200))}`);
  const withScheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(t) ? t : `http://${t}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new EngineError('INVALID_URL', `cannot parse ${JSON.stringify(t.slice(0, 200))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new EngineError('INVALID_URL', `unsupported scheme ${url.protocol} (use http or https)`);
  if (!url.hostname) throw new EngineError('INVALID_URL', 'URL has no host');
  if (url.username || url.password) {
    // Credentials in the URL are moved to Basic auth by the caller; they never travel in the request line.
  }
  return url;
}

export function checkHeader(name: string, value: string): void {
  if (!TOKEN.test(name))
    throw new EngineError(
      'INVALID_HEADER',
      `header name ${JSON.stringify(name.slice(0, 100))} is not an HTTP token`,
    );
  if (BAD_VALUE.test(value))
    throw new EngineError('INVALID_HEADER', `header ${name} has a line break or NUL in its value`);
}

/** Enabled headers with a non-empty name, validated. */
export function enabledHeaders(list: HttpKeyValue[]): [string, string][] {
  const out: [string, string][] = [];
  for (const h of list) {
    if (!h.enabled || h.name.trim() === '') continue;
    const name = h.name.trim();
    checkHeader(name, h.value);
    out.push([name, h.value]);
  }
  return out;
}

export function hasHeader(headers: [string, string][], name: string): boolean {
  const n = name.toLowerCase();
  return headers.some(([k]) => k.toLowerCase() === n);
}

export function setHeader(headers: [string, string][], name: string, value: string): void {
  const n = name.toLowerCase();
  const i = headers.findIndex(([k]) => k.toLowerCase() === n);
  if (i >= 0) headers[i] = [headers[i]?.[0] ?? name, value];
  else headers.push([name, value]);
}

export function removeHeader(headers: [string, string][], name: string): void {
  const n = name.toLowerCase();
  for (let i = headers.length - 1; i >= 0; i--) if (headers[i]?.[0].toLowerCase() === n) headers.splice(i, 1);
}

/** Applies the static auth kinds (digest needs a challenge first and is handled by the client). */
export function applyAuth(auth: HttpAuth, url: URL, headers: [string, string][]): void {
  switch (auth.type) {
    case 'basic': {
      const v = `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
      setHeader(headers, 'Authorization', v);
      break;
    }
    case 'bearer':
      checkHeader('Authorization', auth.token);
      setHeader(headers, 'Authorization', `Bearer ${auth.token}`);
      break;
    case 'apiKey':
      if (auth.in === 'query') url.searchParams.append(auth.name, auth.value);
      else {
        checkHeader(auth.name, auth.value);
        setHeader(headers, auth.name, auth.value);
      }
      break;
    default:
      break;
  }
}

/** PEM options are checked before connecting: Node silently ignores a CA that is not PEM. */
export function checkTlsOptions(o: HttpRequestOptions): void {
  if (o.caPem !== undefined && !o.caPem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new EngineError(
      'INVALID_INPUT',
      'the extra CA is not a PEM certificate (-----BEGIN CERTIFICATE-----)',
    );
  }
  if ((o.clientCertPem === undefined) !== (o.clientKeyPem === undefined)) {
    throw new EngineError(
      'INVALID_INPUT',
      'a client certificate needs both the certificate and its private key',
    );
  }
  if (o.clientCertPem !== undefined && !o.clientCertPem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new EngineError('INVALID_INPUT', 'the client certificate is not PEM (-----BEGIN CERTIFICATE-----)');
  }
  if (o.clientKeyPem !== undefined && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(o.clientKeyPem)) {
    throw new EngineError('INVALID_INPUT', 'the client key is not a PEM private key');
  }
}
