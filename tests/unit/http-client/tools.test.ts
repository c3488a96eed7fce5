import { describe, expect, it } from 'vitest';
import { parseCurl, shellWords } from '../../../src/main/engines/http-client/curl';
import { generateCode, toCurl } from '../../../src/main/engines/http-client/codegen';
import { importPostman } from '../../../src/main/engines/http-client/importers';
import { CookieJar, parseSetCookie } from '../../../src/main/engines/http-client/cookies';
import { digestAuthorization, parseDigestChallenge } from '../../../src/main/engines/http-client/digest';
import { proxyFor } from '../../../src/main/engines/http-client/proxy';
import { applyVariables, parseUrl, substitute } from '../../../src/main/engines/http-client/prepare';
import { slugify } from '../../../src/main/engines/http-client/collections';
import { HttpRequestSpec } from '../../../src/shared/contract/http-client';

const spec = (s: Parameters<typeof HttpRequestSpec.parse>[0]) => HttpRequestSpec.parse(s);

describe('cURL import', () => {
  it('tokenizes shell quoting, $-quotes and line continuations', () => {
    expect(shellWords(`curl 'a b' "c \\"d\\"" $'e\\nf' g\\ h \\\n  i`)).toEqual([
      'curl',
      'a b',
      'c "d"',
      'e\nf',
      'g h',
      'i',
    ]);
  });

  it('reads a browser-style command: method, headers, JSON body, compressed, insecure, location', () => {
    const { request, warnings } = parseCurl(`curl 'https://api.example.com/v1/users?page=2' \\
      -X PATCH -H 'Content-Type: application/json' -H 'Authorization: Bearer abc' \\
      --data-raw '{"name":"Ada"}' --compressed -k -L --max-redirs 3 -m 5`);
    expect(request).toMatchObject({
      method: 'PATCH',
      url: 'https://api.example.com/v1/users?page=2',
      body: { type: 'json', text: '{"name":"Ada"}' },
      options: { verifyTls: false, followRedirects: true, maxRedirects: 3, timeoutMs: 5000, decode: true },
    });
    expect(request.headers.map((h) => h.name)).toEqual(['Content-Type', 'Authorization']);
    expect(warnings).toEqual([]);
  });

  it('defaults to POST with -d, builds forms, multipart, user auth, bundled flags, -G', () => {
    expect(parseCurl(`curl -sSL -d 'a=1' -d 'b=two words' http://x.test/f`).request).toMatchObject({
      method: 'POST',
      body: {
        type: 'form',
        fields: [
          { name: 'a', value: '1' },
          { name: 'b', value: 'two words' },
        ],
      },
      options: { followRedirects: true },
    });
    const mp = parseCurl(`curl -F 'title=Hi' -F 'file=@/tmp/a.png;type=image/png' http://x.test/up`).request;
    expect(mp.body).toMatchObject({
      type: 'multipart',
      parts: [
        { name: 'title', value: 'Hi' },
        { name: 'file', file: '/tmp/a.png', contentType: 'image/png' },
      ],
    });
    expect(parseCurl(`curl -u ada:pw --digest http://x.test`).request.auth).toEqual({
      type: 'digest',
      username: 'ada',
      password: 'pw',
    });
    expect(parseCurl(`curl -u ada:pw http://x.test`).request.auth).toEqual({
      type: 'basic',
      username: 'ada',
      password: 'pw',
    });
    expect(parseCurl(`curl -G -d q=1 -d r=2 http://x.test/s`).request).toMatchObject({
      method: 'GET',
      url: 'http://x.test/s?q=1&r=2',
    });
    expect(parseCurl(`curl -XDELETE http://x.test/1`).request.method).toBe('DELETE');
    expect(parseCurl(`curl -I http://x.test`).request.method).toBe('HEAD');
    expect(parseCurl(`curl --data-binary @body.bin http://x.test`).request.body).toMatchObject({
      type: 'binary',
      file: 'body.bin',
    });
    expect(parseCurl(`curl --json '{"a":1}' http://x.test`).request).toMatchObject({
      method: 'POST',
      body: { type: 'json' },
    });
  });

  it('reports unknown options as warnings; refuses text that is not curl or has no URL', () => {
    expect(parseCurl(`curl --frobnicate http://x.test`).warnings[0]).toMatch(/frobnicate/);
    expect(() => parseCurl('wget http://x.test')).toThrow(expect.objectContaining({ code: 'IMPORT_FAILED' }));
    expect(() => parseCurl('curl -H "X: 1"')).toThrow(expect.objectContaining({ code: 'IMPORT_FAILED' }));
    expect(() => parseCurl(`curl 'unterminated`)).toThrow(expect.objectContaining({ code: 'IMPORT_FAILED' }));
    expect(() => parseCurl('curl -X')).toThrow(expect.objectContaining({ code: 'IMPORT_FAILED' }));
  });

  it('copy as cURL round-trips through the importer', () => {
    const original = spec({
      method: 'PUT',
      url: "http://x.test/it's?a=1",
      headers: [{ name: 'X-Quote', value: `it's "quoted"` }],
      body: { type: 'json', text: `{"s":"it's"}` },
      auth: { type: 'basic', username: 'u', password: 'p:w' },
      options: { verifyTls: false, maxRedirects: 4 },
    });
    const again = parseCurl(toCurl(original)).request;
    expect(again).toMatchObject({
      method: 'PUT',
      url: original.url,
      body: original.body,
      auth: original.auth,
      options: { verifyTls: false, followRedirects: true, maxRedirects: 4 },
    });
    expect(again.headers).toContainEqual({ name: 'X-Quote', value: `it's "quoted"`, enabled: true });
  });
});

describe('code generation', () => {
  const s = spec({
    method: 'POST',
    url: 'https://api.test/users',
    headers: [{ name: 'X-A', value: '1' }],
    body: { type: 'json', text: '{"name":"Ada"}' },
    auth: { type: 'bearer', token: 'T' },
  });
  it('fetch, node and python carry method, URL, headers, body and auth', () => {
    const f = generateCode(s, 'fetch');
    expect(f).toContain(`await fetch("https://api.test/users"`);
    expect(f).toContain(`"Authorization": "Bearer T"`);
    expect(f).toContain(`body: "{\\"name\\":\\"Ada\\"}"`);
    const n = generateCode(s, 'node');
    expect(n).toContain(`import { request } from 'node:https';`);
    expect(n).toContain(`method: "POST"`);
    const p = generateCode(
      spec({ ...s, auth: { type: 'digest', username: 'a', password: 'b' }, options: { verifyTls: false } }),
      'python',
    );
    expect(p).toContain('HTTPDigestAuth("a", "b")');
    expect(p).toContain('verify=False');
    expect(p).toContain('requests.request("POST", url');
    expect(generateCode(s, 'curl')).toMatch(/^curl -X POST https:\/\/api\.test\/users/);
  });
  it('keeps unresolved {{variables}} instead of failing', () => {
    expect(generateCode(spec({ url: '{{baseUrl}}/x' }), 'curl')).toContain('{{baseUrl}}/x');
  });
});

describe('Postman import', () => {
  const postman = JSON.stringify({
    info: {
      name: 'Team API',
      schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json',
    },
    auth: { type: 'bearer', bearer: [{ key: 'token', value: '{{tok}}' }] },
    variable: [{ key: 'base', value: 'http://localhost:3000' }],
    item: [
      {
        name: 'Users',
        item: [
          {
            name: 'List users',
            request: {
              method: 'GET',
              url: { raw: '{{base}}/users?limit=5' },
              header: [
                { key: 'Accept', value: 'application/json' },
                { key: 'X-Off', value: '1', disabled: true },
              ],
            },
          },
          {
            name: 'Create',
            request: {
              method: 'POST',
              url: '{{base}}/users',
              body: { mode: 'raw', raw: '{"a":1}', options: { raw: { language: 'json' } } },
              auth: {
                type: 'basic',
                basic: [
                  { key: 'username', value: 'u' },
                  { key: 'password', value: 'p' },
                ],
              },
            },
          },
        ],
      },
      {
        name: 'Form',
        request: {
          method: 'POST',
          url: '{{base}}/f',
          body: { mode: 'urlencoded', urlencoded: [{ key: 'k', value: 'v' }] },
        },
      },
      {
        name: 'Upload',
        request: {
          method: 'POST',
          url: '{{base}}/u',
          body: {
            mode: 'formdata',
            formdata: [
              { key: 'doc', type: 'file', src: '/tmp/doc.pdf' },
              { key: 'note', value: 'hi', type: 'text' },
            ],
          },
        },
      },
      {
        name: 'GQL',
        request: {
          method: 'POST',
          url: '{{base}}/graphql',
          body: { mode: 'graphql', graphql: { query: '{ me { id } }', variables: '{"x":1}' } },
        },
      },
    ],
  });
  it('imports Postman v2.1 folders, bodies, inherited and own auth, variables', () => {
    const c = importPostman(postman);
    expect(c.name).toBe('Team API');
    expect(c.variables).toEqual([{ name: 'base', value: 'http://localhost:3000', enabled: true }]);
    const list = c.requests.find((r) => r.name === 'List users');
    expect(list).toMatchObject({
      folder: 'Users',
      request: { url: '{{base}}/users?limit=5', auth: { type: 'bearer', token: '{{tok}}' } },
    });
    expect(list?.request.headers).toEqual([
      { name: 'Accept', value: 'application/json', enabled: true },
      { name: 'X-Off', value: '1', enabled: false },
    ]);
    expect(c.requests.find((r) => r.name === 'Create')?.request).toMatchObject({
      body: { type: 'json', text: '{"a":1}' },
      auth: { type: 'basic', username: 'u', password: 'p' },
    });
    expect(c.requests.find((r) => r.name === 'Form')?.request.body).toEqual({
      type: 'form',
      fields: [{ name: 'k', value: 'v', enabled: true }],
    });
    expect(c.requests.find((r) => r.name === 'Upload')?.request.body).toMatchObject({
      type: 'multipart',
      parts: [
        { name: 'doc', file: '/tmp/doc.pdf' },
        { name: 'note', value: 'hi' },
      ],
    });
    expect(
      JSON.parse((c.requests.find((r) => r.name === 'GQL')?.request.body as { text: string }).text),
    ).toEqual({ query: '{ me { id } }', variables: { x: 1 } });
  });
  it('rejects files that are not Postman v2.1 collections', () => {
    expect(() => importPostman('{ nope')).toThrow(expect.objectContaining({ code: 'IMPORT_FAILED' }));
    expect(() =>
      importPostman('{"info":{"schema":"https://schema.getpostman.com/json/collection/v1.0.0/"},"item":[]}'),
    ).toThrow(expect.objectContaining({ code: 'IMPORT_FAILED' }));
    expect(() =>
      importPostman(
        '{"info":{"schema":"https://schema.getpostman.com/json/collection/v2.1.0/collection.json"}}',
      ),
    ).toThrow(expect.objectContaining({ code: 'IMPORT_FAILED' }));
  });
});

describe('cookies', () => {
  const u = new URL('http://api.example.test/v1/users/list');
  it('parses attributes, default path, Max-Age over Expires, and refuses foreign domains', () => {
    expect(parseSetCookie('a=1', u)).toMatchObject({
      name: 'a',
      value: '1',
      domain: 'api.example.test',
      path: '/v1/users',
      hostOnly: true,
    });
    expect(
      parseSetCookie('a=1; Domain=.example.test; Path=/; Secure; HttpOnly; SameSite=strict', u),
    ).toMatchObject({
      domain: 'example.test',
      hostOnly: false,
      secure: true,
      httpOnly: true,
      sameSite: 'Strict',
    });
    expect(parseSetCookie('a=1; Domain=other.test', u)).toBeUndefined();
    expect(parseSetCookie('a=1; Max-Age=10; Expires=Wed, 21 Oct 2015 07:28:00 GMT', u, 1000)?.expires).toBe(
      11_000,
    );
    expect(parseSetCookie('novalue', u)).toBeUndefined();
  });
  it('matches domain, path and Secure; longest path first; expired ones vanish', () => {
    const jar = new CookieJar();
    jar.store(new URL('https://example.test/a/b'), [
      'p=1; Path=/a',
      'root=2; Path=/',
      'sec=3; Secure',
      'dom=4; Domain=example.test; Path=/',
    ]);
    expect(jar.header(new URL('https://example.test/a/b/c'))).toBe(
      'p=1; sec=3; root=2; dom=4'.replace('sec=3; ', 'sec=3; '),
    );
    expect(jar.header(new URL('http://example.test/a'))).toBe('p=1; root=2; dom=4');
    expect(jar.header(new URL('http://sub.example.test/'))).toBe('dom=4');
    expect(jar.header(new URL('http://example.test/ab'))).toBe('root=2; dom=4');
    jar.store(new URL('https://example.test/'), ['root=gone; Max-Age=0; Path=/']);
    expect(jar.list().map((c) => c.name)).not.toContain('root');
    const bounded = new CookieJar([], 2);
    bounded.store(new URL('http://x.test/'), ['a=1', 'b=2', 'c=3']);
    expect(bounded.list().map((c) => c.name)).toEqual(['b', 'c']);
  });
});

describe('digest', () => {
  it('computes the RFC 2617 example response (MD5, qop=auth)', () => {
    const ch = parseDigestChallenge([
      'Basic realm="x"',
      'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    ]);
    expect(ch).toMatchObject({ realm: 'testrealm@host.com', algorithm: 'MD5' });
    const h = digestAuthorization(ch!, {
      username: 'Mufasa',
      password: 'Circle Of Life',
      method: 'GET',
      uri: '/dir/index.html',
      nc: 1,
      cnonce: '0a4f113b',
    });
    expect(h).toContain('response="6629fae49393a05397450978507c4ef1"');
    expect(h).toContain('opaque="5ccc069c403ebaf9f0171e9517f40e41"');
    expect(parseDigestChallenge(['Bearer x'])).toBeUndefined();
  });
});

describe('proxy selection and URL handling', () => {
  const env = {
    HTTP_PROXY: 'http://proxy.test:3128',
    https_proxy: 'proxy2.test:8080',
    NO_PROXY: '.internal.test, example.org:8443',
  };
  it('honours HTTP_PROXY/HTTPS_PROXY/NO_PROXY and never proxies loopback from the environment', () => {
    expect(proxyFor(new URL('http://a.test/'), 'env', env)?.host).toBe('proxy.test:3128');
    expect(proxyFor(new URL('https://a.test/'), 'env', env)?.host).toBe('proxy2.test:8080');
    expect(proxyFor(new URL('http://db.internal.test/'), 'env', env)).toBeUndefined();
    expect(proxyFor(new URL('https://example.org:8443/'), 'env', env)).toBeUndefined();
    expect(proxyFor(new URL('https://example.org/'), 'env', env)?.host).toBe('proxy2.test:8080');
    expect(proxyFor(new URL('http://127.0.0.1:8080/'), 'env', env)).toBeUndefined();
    expect(proxyFor(new URL('http://localhost/'), 'env', env)).toBeUndefined();
    expect(proxyFor(new URL('http://a.test/'), 'none', env)).toBeUndefined();
    expect(proxyFor(new URL('http://127.0.0.1/'), 'http://p.test:1', env)?.host).toBe('p.test:1');
    expect(() => proxyFor(new URL('http://a.test/'), 'socks5://p.test', env)).toThrow(
      expect.objectContaining({ code: 'NOT_SUPPORTED' }),
    );
  });
  it('parses typed URLs and substitutes variables', () => {
    expect(parseUrl('localhost:8000/x').href).toBe('http://localhost:8000/x');
    expect(() => parseUrl('file:///etc/passwd')).toThrow(expect.objectContaining({ code: 'INVALID_URL' }));
    expect(
      substitute(
        '{{a}}-{{ b }}-{{c}}',
        new Map([
          ['a', '1'],
          ['b', '2'],
        ]),
      ),
    ).toBe('1-2-{{c}}');
    expect(substitute('{{$timestamp}}', new Map())).toMatch(/^\d{10}$/);
    const s = applyVariables(
      spec({ url: '{{h}}/x', auth: { type: 'basic', username: '{{u}}', password: 'p' } }),
      new Map([
        ['h', 'http://a'],
        ['u', 'ada'],
      ]),
    );
    expect(s.url).toBe('http://a/x');
    expect(s.auth).toEqual({ type: 'basic', username: 'ada', password: 'p' });
    expect(slugify('Get user #1 — Ünïcode!')).toBe('get-user-1-unicode');
    expect(slugify('!!!')).toBe('untitled');
  });
});
