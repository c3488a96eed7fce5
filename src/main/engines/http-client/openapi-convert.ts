// A dereferenced OpenAPI 3.x or Swagger 2.0 document → composer requests: one per operation, in a folder
// per first tag, `{{baseUrl}}` from the first server (or host/basePath), path parameters as `{{variables}}`
// with example values, required query and header parameters, an example body (the operation's example, the
// first of its examples, else one generated from the schema), and the auth scheme. What cannot be carried
// over is listed as a warning. The document may contain cycles (circular schemas): every walk is bounded.
import {
  HttpRequestSpec,
  type HttpBody,
  type HttpImportedCollection,
  type HttpKeyValue,
} from '../../../shared/contract/http-client';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Obj = { [k: string]: Json };

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
/** Nesting of a generated example; deeper schemas (and cycles) end in null. */
const MAX_EXAMPLE_DEPTH = 8;

export function exampleOf(schema: Json | undefined, depth = 0): Json {
  const s = schema;
  if (!isObj(s) || depth > MAX_EXAMPLE_DEPTH) return null;
  if (s.example !== undefined) return s.example;
  if (Array.isArray(s.examples) && s.examples.length) return s.examples[0] ?? null;
  if (s.const !== undefined) return s.const;
  if (s.default !== undefined) return s.default;
  if (Array.isArray(s.enum) && s.enum.length) return s.enum[0] ?? null;
  if (Array.isArray(s.allOf)) {
    const merged: Obj = {};
    for (const part of s.allOf) {
      const e = exampleOf(part, depth + 1);
      if (isObj(e)) Object.assign(merged, e);
    }
    return merged;
  }
  for (const k of ['oneOf', 'anyOf']) {
    const list = s[k];
    if (Array.isArray(list) && list.length) return exampleOf(list[0], depth + 1);
  }
  const types = Array.isArray(s.type) ? s.type.filter((t) => t !== 'null') : [s.type];
  const type = types[0];
  if (type === 'object' || isObj(s.properties)) {
    const out: Obj = {};
    if (isObj(s.properties))
      for (const [k, v] of Object.entries(s.properties)) {
        if (isObj(v) && v.readOnly === true) continue;
        out[k] = exampleOf(v, depth + 1);
      }
    return out;
  }
  if (type === 'array') return s.items === undefined ? [] : [exampleOf(s.items, depth + 1)];
  if (type === 'integer' || type === 'number') return typeof s.minimum === 'number' ? s.minimum : 0;
  if (type === 'boolean') return true;
  if (type === 'string') {
    const f = str(s.format);
    if (f === 'date-time') return '2024-01-01T00:00:00Z';
    if (f === 'date') return '2024-01-01';
    if (f === 'email') return 'user@example.com';
    if (f === 'uuid') return '00000000-0000-4000-8000-000000000000';
    if (f === 'uri' || f === 'url') return 'https://example.com/';
    if (f === 'binary' || f === 'byte') return '';
    return 'string';
  }
  return null;
}

/** The value of the first entry of an OpenAPI `examples` map, if it has one. */
function firstExample(examples: Json | undefined): Json | undefined {
  if (!isObj(examples)) return undefined;
  const first = Object.values(examples)[0];
  return isObj(first) ? first.value : undefined;
}

function scalarText(v: Json): string {
  return typeof v === 'string' ? v : v === null ? '' : JSON.stringify(v);
}

function folderName(tag: string | undefined): string {
  return (tag ?? '').replace(/[^A-Za-z0-9 _.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '');
}

interface Ctx {
  doc: Obj;
  swagger2: boolean;
  variables: Map<string, string>;
  warnings: string[];
}

function baseUrl(ctx: Ctx): string {
  const { doc } = ctx;
  if (ctx.swagger2) {
    const schemes = Array.isArray(doc.schemes) ? doc.schemes.filter((s) => typeof s === 'string') : [];
    const scheme = schemes.includes('https') ? 'https' : (schemes[0] ?? 'https');
    return `${scheme}://${str(doc.host) ?? 'localhost'}${str(doc.basePath) ?? ''}`;
  }
  const servers = Array.isArray(doc.servers) ? doc.servers : [];
  const server = isObj(servers[0]) ? servers[0] : undefined;
  let base = str(server?.url) ?? 'http://localhost';
  if (server && isObj(server.variables))
    for (const [k, v] of Object.entries(server.variables))
      base = base.replace(`{${k}}`, isObj(v) ? scalarText(v.default ?? '') : '');
  // A relative server URL ("/v1") is relative to where the document was served; localhost stands in.
  if (base.startsWith('/')) base = `http://localhost${base}`;
  return base;
}

function authFor(ctx: Ctx, security: Json | undefined): HttpRequestSpec['auth'] {
  const { doc, variables } = ctx;
  const schemes = ctx.swagger2
    ? isObj(doc.securityDefinitions)
      ? doc.securityDefinitions
      : {}
    : isObj(doc.components) && isObj(doc.components.securitySchemes)
      ? doc.components.securitySchemes
      : {};
  const setVar = (name: string) => variables.set(name, variables.get(name) ?? '');
  for (const req of Array.isArray(security) ? security : []) {
    if (!isObj(req)) continue;
    for (const name of Object.keys(req)) {
      const sch = schemes[name];
      if (!isObj(sch)) continue;
      const scheme = str(sch.scheme)?.toLowerCase();
      if ((sch.type === 'http' && scheme === 'basic') || sch.type === 'basic') {
        setVar('username');
        setVar('password');
        return { type: 'basic', username: '{{username}}', password: '{{password}}' };
      }
      if (sch.type === 'http' && scheme === 'digest') {
        setVar('username');
        setVar('password');
        return { type: 'digest', username: '{{username}}', password: '{{password}}' };
      }
      if (
        (sch.type === 'http' && scheme === 'bearer') ||
        sch.type === 'oauth2' ||
        sch.type === 'openIdConnect'
      ) {
        setVar('token');
        return { type: 'bearer', token: '{{token}}' };
      }
      if (sch.type === 'apiKey' && typeof sch.name === 'string') {
        setVar('apiKey');
        if (sch.in === 'cookie')
          ctx.warnings.push(`API key "${sch.name}" in a cookie: add it to the cookie jar`);
        return {
          type: 'apiKey',
          name: sch.name,
          value: '{{apiKey}}',
          in: sch.in === 'query' ? 'query' : 'header',
        };
      }
      ctx.warnings.push(`security scheme "${name}" (${scalarText(sch.type ?? '?')}) not carried over`);
    }
  }
  return { type: 'none' };
}

/** The body of a media type map (OpenAPI 3 `content`, or Swagger 2's body/formData turned into one). */
function bodyFrom(ctx: Ctx, content: Obj, where: string): HttpBody {
  const types = Object.keys(content);
  const jsonType = types.find((t) => /\bjson\b|\+json/.test(t));
  const chosen = jsonType ?? types[0];
  const media = chosen ? content[chosen] : undefined;
  if (!chosen || !isObj(media)) return { type: 'none' };
  let ex: Json = media.example ?? null;
  if (ex === null && isObj(media.examples)) {
    const first = Object.values(media.examples)[0];
    if (isObj(first) && first.value !== undefined) ex = first.value;
    else if (isObj(first) && typeof first.externalValue === 'string')
      ctx.warnings.push(`${where}: example at ${first.externalValue} not fetched`);
  }
  if (ex === null) ex = exampleOf(media.schema);
  if (jsonType) return { type: 'json', text: JSON.stringify(ex, null, 2) };
  if (chosen === 'application/x-www-form-urlencoded' && isObj(ex))
    return {
      type: 'form',
      fields: Object.entries(ex).map(([name, v]) => ({ name, value: scalarText(v), enabled: true })),
    };
  if (chosen === 'multipart/form-data' && isObj(ex)) {
    ctx.warnings.push(`${where}: multipart file fields imported as text; pick the files in the composer`);
    return {
      type: 'multipart',
      parts: Object.entries(ex).map(([name, v]) => ({ name, value: scalarText(v), enabled: true })),
    };
  }
  return {
    type: 'raw',
    text: typeof ex === 'string' ? ex : ex === null ? '' : JSON.stringify(ex),
    contentType: chosen,
  };
}

/** Swagger 2.0's `in: body` / `in: formData` parameters as an OpenAPI 3 `content` map. */
function swagger2Content(op: Obj, doc: Obj, params: Obj[]): Obj | undefined {
  const consumes =
    [op.consumes, doc.consumes].find(Array.isArray)?.filter((c) => typeof c === 'string') ?? [];
  const body = params.find((p) => p.in === 'body');
  if (body) {
    const type = (consumes.find((c) => /json/.test(c)) ?? consumes[0] ?? 'application/json') as string;
    return {
      [type]: {
        schema: body.schema ?? null,
        ...(body['x-example'] !== undefined ? { example: body['x-example'] } : {}),
      },
    };
  }
  const form = params.filter((p) => p.in === 'formData');
  if (!form.length) return undefined;
  const multipart = consumes.includes('multipart/form-data') || form.some((p) => p.type === 'file');
  const properties: Obj = {};
  for (const p of form) if (typeof p.name === 'string') properties[p.name] = { ...p, in: null };
  return {
    [multipart ? 'multipart/form-data' : 'application/x-www-form-urlencoded']: {
      schema: { type: 'object', properties },
    },
  };
}

export function convertOpenApi(doc: Obj): HttpImportedCollection {
  const ctx: Ctx = {
    doc,
    swagger2: typeof doc.swagger === 'string',
    variables: new Map(),
    warnings: [],
  };
  ctx.variables.set('baseUrl', baseUrl(ctx).replace(/\/+$/, ''));
  const requests: HttpImportedCollection['requests'] = [];
  const paths = isObj(doc.paths) ? doc.paths : {};
  if (isObj(doc.webhooks) && Object.keys(doc.webhooks).length)
    ctx.warnings.push(
      `${Object.keys(doc.webhooks).length} webhook(s) not imported (they are requests the API sends)`,
    );
  for (const [path, item] of Object.entries(paths)) {
    if (!isObj(item)) continue;
    const shared = Array.isArray(item.parameters) ? item.parameters.filter(isObj) : [];
    for (const m of METHODS) {
      const op = item[m];
      if (!isObj(op)) continue;
      const where = `${m.toUpperCase()} ${path}`;
      // An operation's parameter replaces a path-level one of the same name and place.
      const own = Array.isArray(op.parameters) ? op.parameters.filter(isObj) : [];
      const params = [...shared.filter((s) => !own.some((o) => o.name === s.name && o.in === s.in)), ...own];
      let urlPath = path.replace(/\{([^}]+)\}/g, (_m, n: string) => `{{${n}}}`);
      const query: string[] = [];
      const headers: HttpKeyValue[] = [];
      for (const p of params) {
        const name = str(p.name);
        if (!name) continue;
        const ex =
          p.example ?? p['x-example'] ?? firstExample(p.examples) ?? exampleOf(ctx.swagger2 ? p : p.schema);
        if (p.in === 'path') {
          if (!ctx.variables.has(name) || ctx.variables.get(name) === '')
            ctx.variables.set(name, scalarText(ex));
        } else if (p.in === 'query') {
          if (p.required === true || p.example !== undefined)
            query.push(`${encodeURIComponent(name)}=${encodeURIComponent(scalarText(ex))}`);
        } else if (p.in === 'header')
          headers.push({ name, value: scalarText(ex), enabled: p.required === true });
        else if (p.in === 'cookie') ctx.warnings.push(`${where}: cookie parameter "${name}" not imported`);
      }
      if (query.length) urlPath += `?${query.join('&')}`;
      let body: HttpBody = { type: 'none' };
      const content = ctx.swagger2
        ? swagger2Content(op, doc, params)
        : isObj(op.requestBody) && isObj(op.requestBody.content)
          ? op.requestBody.content
          : undefined;
      if (content) body = bodyFrom(ctx, content, where);
      if (isObj(op.callbacks)) ctx.warnings.push(`${where}: callbacks not imported`);
      const name = str(op.summary) ?? str(op.operationId) ?? where;
      const tags = Array.isArray(op.tags) ? op.tags : [];
      const candidate = {
        method: m.toUpperCase(),
        url: `{{baseUrl}}${urlPath}`,
        headers,
        body,
        auth: authFor(ctx, op.security ?? doc.security),
      };
      const r = HttpRequestSpec.safeParse(candidate);
      if (!r.success) {
        ctx.warnings.push(
          `${where}: skipped (${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`,
        );
        continue;
      }
      requests.push({ folder: folderName(str(tags[0])), name: name.slice(0, 256), request: r.data });
    }
  }
  if (requests.length === 0) ctx.warnings.push('the document defines no operations');
  const info = isObj(doc.info) ? doc.info : {};
  return {
    name: (str(info.title) ?? 'OpenAPI import').slice(0, 128),
    requests,
    variables: [...ctx.variables].map(([name, value]) => ({ name, value, enabled: true })),
    warnings: ctx.warnings,
  };
}
