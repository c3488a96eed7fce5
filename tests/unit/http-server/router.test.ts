import { describe, expect, it } from 'vitest';
import { compileRoute, findRoute, matchPath } from '../../../src/main/engines/http-server/router';
import { renderTemplate } from '../../../src/main/engines/http-server/template';
import { parseRange } from '../../../src/main/engines/http-server/static-files';
import { demoApi, demoUsers } from '../../../src/main/engines/http-server/demo-api';
import { mimeType } from '../../../src/main/engines/common/mime';
import { HttpRoute } from '../../../src/shared/contract/http-server';

const r = (path: string, method = 'GET') => compileRoute(HttpRoute.parse({ path, method }));

describe('route matching', () => {
  it('literal, :param, trailing slash tolerance', () => {
    expect(matchPath(r('/users'), '/users')).toEqual({});
    expect(matchPath(r('/users'), '/users/')).toEqual({});
    expect(matchPath(r('/users'), '/users/1')).toBeUndefined();
    expect(matchPath(r('/users/:id'), '/users/42')).toEqual({ id: '42' });
    expect(matchPath(r('/users/:id'), '/users/')).toBeUndefined();
    expect(matchPath(r('/a/:x/b/:y'), '/a/1/b/2')).toEqual({ x: '1', y: '2' });
  });

  it('decodes captured values but keeps an encoded slash inside one parameter', () => {
    expect(matchPath(r('/f/:name'), '/f/a%2Fb')).toEqual({ name: 'a/b' });
    expect(matchPath(r('/f/:name'), '/f/%E2%9C%93')).toEqual({ name: '✓' });
    expect(matchPath(r('/f/:name'), '/f/%ZZ')).toBeUndefined();
  });

  it('* in the middle is one segment; trailing * is the rest (possibly empty)', () => {
    expect(matchPath(r('/a/*/c'), '/a/b/c')).toEqual({});
    expect(matchPath(r('/a/*/c'), '/a/c')).toBeUndefined();
    expect(matchPath(r('/static/*'), '/static/css/site.css')).toEqual({ '*': 'css/site.css' });
    expect(matchPath(r('/static/*'), '/static/')).toEqual({ '*': '' });
  });

  it('method matching: exact, * for any, GET routes answer HEAD; first match wins', () => {
    const routes = [r('/x', 'POST'), r('/x', 'GET'), r('/x', '*')];
    expect(findRoute(routes, 'POST', '/x')?.route.method).toBe('POST');
    expect(findRoute(routes, 'HEAD', '/x')?.route.method).toBe('GET');
    expect(findRoute(routes, 'PURGE', '/x')?.route.method).toBe('*');
    expect(findRoute([r('/y')], 'DELETE', '/y')).toBeUndefined();
  });

  it('route schema normalises methods and rejects bad paths', () => {
    expect(HttpRoute.parse({ path: '/a', method: 'patch' }).method).toBe('PATCH');
    expect(HttpRoute.safeParse({ path: 'a' }).success).toBe(false);
    expect(HttpRoute.safeParse({ path: '/a b' }).success).toBe(false);
    expect(HttpRoute.safeParse({ path: '/a', method: 'GE T' }).success).toBe(false);
    expect(HttpRoute.safeParse({ path: '/a', delayMs: 10_000_000 }).success).toBe(false);
  });
});

describe('templates', () => {
  const ctx = {
    params: { id: '7' },
    query: new URLSearchParams('q=hello&n=1'),
    headers: { 'user-agent': 'ua', accept: ['a', 'b'] },
    method: 'GET',
    path: '/u/7',
    body: 'B',
  };
  it('fills params, query, headers, method, path and body; unknown names are empty', () => {
    expect(
      renderTemplate(
        '{{params.id}}/{{query.q}}/{{headers.User-Agent}}/{{headers.accept}}/{{method}} {{path}} {{body}}',
        ctx,
      ),
    ).toBe('7/hello/ua/a, b/GET /u/7 B');
    expect(renderTemplate('[{{params.nope}}][{{query.none}}][{{whatever}}]', ctx)).toBe('[][][]');
    expect(renderTemplate('{{ params.id }}', ctx)).toBe('7');
    expect(renderTemplate('{{now}}', ctx)).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(renderTemplate('{single} {{', ctx)).toBe('{single} {{');
  });
  it('does not resolve inherited properties', () => {
    expect(renderTemplate('{{params.constructor}}{{params.__proto__}}', ctx)).toBe('');
  });
});

describe('range parsing', () => {
  it('single ranges, suffixes, open ends, unsatisfiable and ignored forms', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-500', 100)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=50-5000', 100)).toEqual({ start: 50, end: 99 });
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=9-3', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-1,5-6', 100)).toBeUndefined();
    expect(parseRange('items=0-1', 100)).toBeUndefined();
    expect(parseRange(undefined, 100)).toBeUndefined();
  });
});

describe('demo API and MIME types', () => {
  it("users have the API exercise's fields", () => {
    const users = demoUsers();
    expect(users).toHaveLength(10);
    for (const u of users) {
      expect(u.email).toMatch(/^[a-z]+@[a-z]+\.example$/);
      expect(u.company.name.length).toBeGreaterThan(0);
      expect(Number(u.address.geo.lat)).not.toBeNaN();
    }
    expect(demoApi('GET', '/users/3', new Uint8Array())?.body).toMatchObject({ id: 3 });
    expect(demoApi('GET', '/other', new Uint8Array())).toBeUndefined();
    expect(demoApi('PATCH', '/users/2', new TextEncoder().encode('{"name":"Z"}'))?.body).toMatchObject({
      id: 2,
      name: 'Z',
      email: users[1]?.email,
    });
    expect(demoApi('PUT', '/users', new Uint8Array())?.status).toBe(405);
  });
  it('maps extensions case-insensitively, unknown to octet-stream', () => {
    expect(mimeType('a.HTML')).toBe('text/html; charset=utf-8');
    expect(mimeType('x.png')).toBe('image/png');
    expect(mimeType('Makefile')).toBe('application/octet-stream');
    expect(mimeType('x.unknownext')).toBe('application/octet-stream');
  });
});
