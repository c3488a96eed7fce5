// Collection importers: OpenAPI 3 (JSON or YAML) and Postman collection v2.1 (v2.0 reads the same). Each
// turns a document into requests with folders and the variables the requests use ({{baseUrl}}, path
// parameters). Anything that cannot be carried over becomes a warning; a document that does not parse or
// is not of the expected kind is IMPORT_FAILED with the parser's reason.
import { parse as parseYaml } from 'yaml';
import {
  HttpRequestSpec,
  type HttpBody,
  type HttpImportedCollection,
  type HttpKeyValue,
} from '../../../shared/contract/http-client';
import { EngineError } from '../common/errors';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function fail(message: string): never {
  throw new EngineError('IMPORT_FAILED', message);
}

function parseDocument(text: string, allowYaml: boolean): Obj {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (jsonErr) {
    if (!allowYaml) fail(`not valid JSON: ${(jsonErr as Error).message}`);
    try {
      doc = parseYaml(text, { maxAliasCount: 1000 });
    } catch (yamlErr) {
      fail(`neither JSON nor YAML: ${(yamlErr as Error).message.split('\n')[0]}`);
    }
  }
  if (!isObj(doc)) fail('the document is not an object');
  return doc;
}

function spec(input: unknown, where: string, warnings: string[]): HttpRequestSpec | undefined {
  const r = HttpRequestSpec.safeParse(input);
  if (r.success) return r.data;
  warnings.push(
    `${where}: skipped (${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`,
  );
  return undefined;
}

// ---------------------------------------------------------------- OpenAPI 3

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function deref(doc: Obj, v: Json | undefined, seen: Set<string> = new Set()): Json | undefined {
  if (!isObj(v) || typeof v.$ref !== 'string') return v;
  const ref = v.$ref;
  if (!ref.startsWith('#/') || seen.has(ref) || seen.size > 50) return {};
  seen.add(ref);
  let cur: Json | undefined = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    cur = isObj(cur) ? cur[key] : undefined;
  }
  return deref(doc, cur, seen);
}

function example(doc: Obj, schema: Json | undefined, depth = 0): Json {
  const s = deref(doc, schema);
  if (!isObj(s) || depth > 6) return null;
  if (s.example !== undefined) return s.example;
  if (s.default !== undefined) return s.default;
  if (Array.isArray(s.enum) && s.enum.length) return s.enum[0] ?? null;
  for (const k of ['allOf']) {
    const list = s[k];
    if (Array.isArray(list)) {
      const merged: Obj = {};
      for (const part of list) {
        const e = example(doc, part, depth + 1);
        if (isObj(e)) Object.assign(merged, e);
      }
      return merged;
    }
  }
  for (const k of ['oneOf', 'anyOf']) {
    const list = s[k];
    if (Array.isArray(list) && list.length) return example(doc, list[0], depth + 1);
  }
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  if (type === 'object' || isObj(s.properties)) {
    const out: Obj = {};
    if (isObj(s.properties))
      for (const [k, v] of Object.entries(s.properties)) out[k] = example(doc, v, depth + 1);
    return out;
  }
  if (type === 'array') return [example(doc, s.items, depth + 1)];
  if (type === 'integer' || type === 'number') return 0;
  if (type === 'boolean') return true;
  if (type === 'string') {
    const f = str(s.format);
    if (f === 'date-time') return '2024-01-01T00:00:00Z';
    if (f === 'date') return '2024-01-01';
    if (f === 'email') return 'user@example.com';
    if (f === 'uuid') return '00000000-0000-4000-8000-000000000000';
    if (f === 'binary') return '';
    return 'string';
  }
  return null;
}

function scalarText(v: Json): string {
  return typeof v === 'string' ? v : v === null ? '' : JSON.stringify(v);
}

export function importOpenApi(text: string): HttpImportedCollection {
  const doc = parseDocument(text, true);
  const version = str(doc.openapi);
  if (!version)
    fail(
      typeof doc.swagger === 'string'
        ? 'Swagger 2.0 is not supported; convert it to OpenAPI 3 first'
        : 'not an OpenAPI document (no "openapi" field)',
    );
  if (!version.startsWith('3.')) fail(`OpenAPI ${version} is not supported (3.x only)`);
  if (!isObj(doc.paths)) fail('the document has no "paths" object');
  const warnings: string[] = [];
  const variables = new Map<string, string>();
  const servers = Array.isArray(doc.servers) ? doc.servers : [];
  const server = isObj(servers[0]) ? servers[0] : undefined;
  let base = str(server?.url) ?? 'http://localhost';
  if (server && isObj(server.variables)) {
    for (const [k, v] of Object.entries(server.variables))
      base = base.replace(`{${k}}`, isObj(v) ? scalarText(v.default ?? '') : '');
  }
  variables.set('baseUrl', base.replace(/\/+$/, ''));
  const info = isObj(doc.info) ? doc.info : {};
  const schemes =
    isObj(doc.components) && isObj(doc.components.securitySchemes) ? doc.components.securitySchemes : {};
  const requests: HttpImportedCollection['requests'] = [];

  const authFor = (security: Json | undefined): HttpRequestSpec['auth'] => {
    const list = Array.isArray(security) ? security : [];
    for (const req of list) {
      if (!isObj(req)) continue;
      for (const name of Object.keys(req)) {
        const sch = deref(doc, schemes[name]);
        if (!isObj(sch)) continue;
        const scheme = str(sch.scheme)?.toLowerCase();
        if (sch.type === 'http' && scheme === 'basic') {
          variables.set('username', variables.get('username') ?? '');
          variables.set('password', variables.get('password') ?? '');
          return { type: 'basic', username: '{{username}}', password: '{{password}}' };
        }
        if (sch.type === 'http' && scheme === 'digest')
          return { type: 'digest', username: '{{username}}', password: '{{password}}' };
        if (
          (sch.type === 'http' && scheme === 'bearer') ||
          sch.type === 'oauth2' ||
          sch.type === 'openIdConnect'
        ) {
          variables.set('token', variables.get('token') ?? '');
          return { type: 'bearer', token: '{{token}}' };
        }
        if (sch.type === 'apiKey' && typeof sch.name === 'string') {
          variables.set('apiKey', variables.get('apiKey') ?? '');
          if (sch.in === 'cookie')
            warnings.push(`API key "${sch.name}" in a cookie: add it to the cookie jar`);
          return {
            type: 'apiKey',
            name: sch.name,
            value: '{{apiKey}}',
            in: sch.in === 'query' ? 'query' : 'header',
          };
        }
      }
    }
    return { type: 'none' };
  };

  for (const [path, itemRaw] of Object.entries(doc.paths)) {
    const item = deref(doc, itemRaw);
    if (!isObj(item)) continue;
    const shared = Array.isArray(item.parameters) ? item.parameters : [];
    for (const m of METHODS) {
      const op = deref(doc, item[m]);
      if (!isObj(op)) continue;
      const params = [...shared, ...(Array.isArray(op.parameters) ? op.parameters : [])]
        .map((p) => deref(doc, p))
        .filter(isObj);
      let urlPath = path.replace(/\{([^}]+)\}/g, (_m, n: string) => `{{${n}}}`);
      const query: string[] = [];
      const headers: HttpKeyValue[] = [];
      for (const p of params) {
        const name = str(p.name);
        if (!name) continue;
        const ex = p.example ?? (isObj(p.schema) ? example(doc, p.schema) : null);
        if (p.in === 'path') {
          if (!variables.has(name)) variables.set(name, scalarText(ex));
        } else if (p.in === 'query') {
          if (p.required === true || p.example !== undefined)
            query.push(`${encodeURIComponent(name)}=${encodeURIComponent(scalarText(ex))}`);
        } else if (p.in === 'header')
          headers.push({ name, value: scalarText(ex), enabled: p.required === true });
      }
      if (query.length) urlPath += `?${query.join('&')}`;
      let body: HttpBody = { type: 'none' };
      const rb = deref(doc, op.requestBody);
      if (isObj(rb) && isObj(rb.content)) {
        const types = Object.keys(rb.content);
        const jsonType = types.find((t) => t.includes('json'));
        const chosen = jsonType ?? types[0];
        const media = chosen ? deref(doc, rb.content[chosen]) : undefined;
        if (chosen && isObj(media)) {
          let ex: Json = media.example ?? null;
          if (ex === null && isObj(media.examples)) {
            const first = deref(doc, Object.values(media.examples)[0]);
            if (isObj(first) && first.value !== undefined) ex = first.value;
          }
          if (ex === null) ex = example(doc, media.schema);
          if (jsonType) body = { type: 'json', text: JSON.stringify(ex, null, 2) };
          else if (chosen === 'application/x-www-form-urlencoded' && isObj(ex)) {
            body = {
              type: 'form',
              fields: Object.entries(ex).map(([name, v]) => ({ name, value: scalarText(v), enabled: true })),
            };
          } else if (chosen === 'multipart/form-data' && isObj(ex)) {
            body = {
              type: 'multipart',
              parts: Object.entries(ex).map(([name, v]) => ({ name, value: scalarText(v), enabled: true })),
            };
            warnings.push(
              `${m.toUpperCase()} ${path}: multipart file fields imported as text; pick the files in the composer`,
            );
          } else body = { type: 'raw', text: typeof ex === 'string' ? ex : '', contentType: chosen };
        }
      }
      const name = str(op.summary) ?? str(op.operationId) ?? `${m.toUpperCase()} ${path}`;
      const tags = Array.isArray(op.tags) ? op.tags : [];
      const folder = (str(tags[0]) ?? '').replace(/[^A-Za-z0-9 _.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '');
      const s = spec(
        {
          method: m.toUpperCase(),
          url: `{{baseUrl}}${urlPath}`,
          headers,
          body,
          auth: authFor(op.security ?? doc.security),
        },
        `${m.toUpperCase()} ${path}`,
        warnings,
      );
      if (s) requests.push({ folder, name: name.slice(0, 256), request: s });
    }
  }
  if (requests.length === 0) warnings.push('the document defines no operations');
  return {
    name: (str(info.title) ?? 'OpenAPI import').slice(0, 128),
    requests,
    variables: [...variables].map(([name, value]) => ({ name, value, enabled: true })),
    warnings,
  };
}

// ---------------------------------------------------------------- Postman v2.1

function kvList(v: Json | undefined): HttpKeyValue[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isObj).map((e) => ({
    name: scalarText(e.key ?? ''),
    value: scalarText(e.value ?? ''),
    enabled: e.disabled !== true,
  }));
}

function authParam(list: Json | undefined, key: string): string {
  if (Array.isArray(list)) {
    for (const e of list) if (isObj(e) && e.key === key) return scalarText(e.value ?? '');
    return '';
  }
  // v2.0 stored auth parameters as an object.
  return isObj(list) ? scalarText(list[key] ?? '') : '';
}

function postmanAuth(
  a: Json | undefined,
  warnings: string[],
  where: string,
): HttpRequestSpec['auth'] | undefined {
  if (!isObj(a)) return undefined;
  const type = str(a.type);
  switch (type) {
    case 'noauth':
      return { type: 'none' };
    case 'basic':
      return {
        type: 'basic',
        username: authParam(a.basic, 'username'),
        password: authParam(a.basic, 'password'),
      };
    case 'digest':
      return {
        type: 'digest',
        username: authParam(a.digest, 'username'),
        password: authParam(a.digest, 'password'),
      };
    case 'bearer':
      return { type: 'bearer', token: authParam(a.bearer, 'token') };
    case 'apikey':
      return {
        type: 'apiKey',
        name: authParam(a.apikey, 'key') || 'X-API-Key',
        value: authParam(a.apikey, 'value'),
        in: authParam(a.apikey, 'in') === 'query' ? 'query' : 'header',
      };
    default:
      warnings.push(`${where}: auth type ${type ?? '?'} is not supported; imported without auth`);
      return { type: 'none' };
  }
}

function postmanUrl(u: Json | undefined): string {
  if (typeof u === 'string') return u;
  if (!isObj(u)) return '';
  if (typeof u.raw === 'string') return u.raw;
  const host = Array.isArray(u.host) ? u.host.map(scalarText).join('.') : scalarText(u.host ?? '');
  const path = Array.isArray(u.path) ? u.path.map(scalarText).join('/') : scalarText(u.path ?? '');
  const q = kvList(u.query)
    .filter((k) => k.enabled)
    .map((k) => `${k.name}=${k.value}`)
    .join('&');
  return `${str(u.protocol) ? `${str(u.protocol)}://` : ''}${host}${path ? `/${path}` : ''}${q ? `?${q}` : ''}`;
}

function postmanBody(b: Json | undefined, warnings: string[], where: string): HttpBody {
  if (!isObj(b)) return { type: 'none' };
  switch (b.mode) {
    case 'raw': {
      const text = scalarText(b.raw ?? '');
      const lang = isObj(b.options) && isObj(b.options.raw) ? str(b.options.raw.language) : undefined;
      if (lang === 'json') return { type: 'json', text };
      const ct =
        lang === 'xml'
          ? 'application/xml'
          : lang === 'html'
            ? 'text/html'
            : lang === 'javascript'
              ? 'application/javascript'
              : 'text/plain';
      return { type: 'raw', text, contentType: ct };
    }
    case 'urlencoded':
      return { type: 'form', fields: kvList(b.urlencoded) };
    case 'formdata':
      return {
        type: 'multipart',
        parts: (Array.isArray(b.formdata) ? b.formdata : []).filter(isObj).map((p) => {
          const file =
            p.type === 'file'
              ? Array.isArray(p.src)
                ? scalarText(p.src[0] ?? '')
                : scalarText(p.src ?? '')
              : undefined;
          return {
            name: scalarText(p.key ?? '') || 'field',
            value: file === undefined ? scalarText(p.value ?? '') : '',
            file: file || undefined,
            contentType: str(p.contentType),
            enabled: p.disabled !== true,
          };
        }),
      };
    case 'file': {
      const src = isObj(b.file) ? scalarText(b.file.src ?? '') : '';
      if (!src) {
        warnings.push(`${where}: binary body without a file; pick one in the composer`);
        return { type: 'none' };
      }
      return { type: 'binary', file: src, contentType: 'application/octet-stream' };
    }
    case 'graphql': {
      const g = isObj(b.graphql) ? b.graphql : {};
      let variables: Json = null;
      try {
        variables =
          typeof g.variables === 'string' && g.variables.trim() ? (JSON.parse(g.variables) as Json) : null;
      } catch {
        warnings.push(`${where}: GraphQL variables are not valid JSON and were dropped`);
      }
      return { type: 'json', text: JSON.stringify({ query: scalarText(g.query ?? ''), variables }, null, 2) };
    }
    default:
      return { type: 'none' };
  }
}

export function importPostman(text: string): HttpImportedCollection {
  const doc = parseDocument(text, false);
  const info = isObj(doc.info) ? doc.info : undefined;
  const schema = str(info?.schema) ?? '';
  if (!info || !/collection\/v2\.[01]/.test(schema))
    fail('not a Postman collection v2.1 (info.schema must name collection v2.1.0)');
  if (!Array.isArray(doc.item)) fail('the collection has no "item" array');
  const warnings: string[] = [];
  const requests: HttpImportedCollection['requests'] = [];
  const variables = kvList(doc.variable);
  const walk = (
    items: Json[],
    folder: string[],
    inherited: HttpRequestSpec['auth'] | undefined,
    depth: number,
  ) => {
    if (depth > 16) return;
    for (const it of items) {
      if (!isObj(it)) continue;
      const name = (str(it.name) ?? 'request').slice(0, 256);
      if (Array.isArray(it.item)) {
        walk(
          it.item,
          [...folder, name.replace(/[^A-Za-z0-9 _.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '') || 'folder'],
          postmanAuth(it.auth, warnings, name) ?? inherited,
          depth + 1,
        );
        continue;
      }
      const r = it.request;
      const where = [...folder, name].join('/');
      if (typeof r === 'string') {
        const s = spec({ url: r }, where, warnings);
        if (s) requests.push({ folder: folder.join('/'), name, request: s });
        continue;
      }
      if (!isObj(r)) continue;
      const headers = Array.isArray(r.header) ? kvList(r.header) : [];
      const body = postmanBody(r.body, warnings, where);
      const s = spec(
        {
          method: str(r.method) ?? 'GET',
          url: postmanUrl(r.url),
          headers:
            body.type === 'none' || body.type === 'raw'
              ? headers
              : headers.filter((h) => h.name.toLowerCase() !== 'content-type' || body.type === 'json'),
          body,
          auth: postmanAuth(r.auth, warnings, where) ?? inherited ?? { type: 'none' },
        },
        where,
        warnings,
      );
      if (s) requests.push({ folder: folder.join('/'), name, request: s });
    }
  };
  walk(doc.item, [], postmanAuth(doc.auth, warnings, 'collection'), 0);
  return { name: (str(info.name) ?? 'Postman import').slice(0, 128), requests, variables, warnings };
}
