// Collection importer for Postman collection v2.1 (v2.0 reads the same; OpenAPI is openapi.ts). It turns
// a collection into requests with folders and the variables the requests use. Anything that cannot be
// carried over becomes a warning; a document that does not parse or is not of the expected kind is
// IMPORT_FAILED with the parser's reason.
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

function scalarText(v: Json): string {
  return typeof v === 'string' ? v : v === null ? '' : JSON.stringify(v);
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
