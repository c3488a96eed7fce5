// `wirelab http serve|request|load` as a user runs them (in process, tests/helpers/cli.ts): real sockets,
// exit codes.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCli } from '../../helpers/cli';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

// Requests go straight to 127.0.0.1 whatever proxy the machine has configured.
const PROXY_VARS = ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'] as const;
const savedProxy = PROXY_VARS.map((k) => process.env[k]);
beforeAll(() => {
  for (const k of PROXY_VARS) delete process.env[k];
});
afterAll(() => {
  PROXY_VARS.forEach((k, i) => {
    if (savedProxy[i] !== undefined) process.env[k] = savedProxy[i];
  });
});

/** The command run in process (tests/helpers/cli.ts). */
const cli = (args: string[]) => startCli(args);

async function waitOut(c: ReturnType<typeof cli>, re: RegExp): Promise<RegExpMatchArray> {
  return c.waitOut(re, 20_000);
}

describe('wirelab http', () => {
  it('serve --routes FILE, request --json and --timing, load --json, inspector lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wl-http-cli-'));
    dirs.push(dir);
    const routes = join(dir, 'routes.yaml');
    writeFileSync(
      routes,
      '- method: GET\n  path: /hello/:name\n  body: \'{"hi": "{{params.name}}"}\'\n- path: /teapot\n  status: 418\n  body: short and stout\n',
    );
    const server = cli(['http', 'serve', '--port', '0', '--routes', routes, '--json']);
    const m = await waitOut(server, /"type":"listening".*"url":"(http:\/\/127\.0\.0\.1:\d+)"/);
    const base = m[1] as string;

    const r = cli(['http', 'request', `${base}/hello/ada`, '--json']);
    expect(await r.exit).toBe(0);
    const res = JSON.parse(r.out()) as {
      status: number;
      bodyText: string;
      httpVersion: string;
      timing: { total: number };
    };
    expect(res).toMatchObject({ status: 200, httpVersion: '1.1', bodyText: '{"hi": "ada"}' });
    expect(res.timing.total).toBeGreaterThan(0);
    await waitOut(server, /"type":"request".*"url":"\/hello\/ada".*"status":200/);

    const t = cli([
      'http',
      'request',
      'POST',
      `${base}/users`,
      '-H',
      'X-Test: 1',
      '-d',
      '{"name":"CLI"}',
      '--timing',
    ]);
    expect(await t.exit).toBe(0);
    expect(JSON.parse(t.out())).toMatchObject({ name: 'CLI', id: 11 });
    expect(t.err()).toMatch(/HTTP\/1\.1 201/);
    expect(t.err()).toMatch(/TCP connect/);
    expect(t.err()).toMatch(/Waiting \(TTFB\)/);

    const fail = cli(['http', 'request', `${base}/teapot`, '--fail']);
    expect(await fail.exit).toBe(1);
    expect(fail.out()).toContain('short and stout');

    const l = cli(['http', 'load', `${base}/`, '-n', '200', '-c', '4', '--json']);
    expect(await l.exit).toBe(0);
    const s = JSON.parse(l.out().trim().split('\n').at(-1) as string) as {
      completed: number;
      statusCounts: Record<string, number>;
    };
    expect(s).toMatchObject({ completed: 200, statusCounts: { '200': 200 } });
  });

  it('serve --tls offers h2 and HTTP/1.1 by ALPN (the composer picks h2); --no-h2 keeps it to HTTP/1.1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wl-http-cli-'));
    dirs.push(dir);
    const h2 = cli(['http', 'serve', '--port', '0', '--tls', '--data-dir', dir, '--json']);
    const m = await waitOut(h2, /"type":"listening".*"url":"(https:\/\/127\.0\.0\.1:\d+)"/);
    expect(h2.out()).toContain('"protocols":["h2","http/1.1"]');
    const r = cli(['http', 'request', `${m[1]}/users/1`, '-k', '--json']);
    expect(await r.exit).toBe(0);
    expect(JSON.parse(r.out())).toMatchObject({ status: 200, httpVersion: '2' });
    await waitOut(h2, /"type":"request".*"url":"\/users\/1".*"httpVersion":"2\.0"/);
    h2.interrupt();
    expect(await h2.exit).toBe(0);

    const h1 = cli(['http', 'serve', '--port', '0', '--tls', '--no-h2', '--data-dir', dir, '--json']);
    const m1 = await waitOut(h1, /"type":"listening".*"url":"(https:\/\/127\.0\.0\.1:\d+)"/);
    expect(h1.out()).toContain('"protocols":["http/1.1"]');
    const r1 = cli(['http', 'request', `${m1[1]}/users/1`, '-k', '--json']);
    expect(await r1.exit).toBe(0);
    expect(JSON.parse(r1.out())).toMatchObject({ status: 200, httpVersion: '1.1' });

    const bad = cli(['http', 'serve', '--port', '0', '--no-h2']);
    expect(await bad.exit).toBe(2);
    expect(bad.err()).toContain('--no-h2 needs --tls');
  });

  it('bad input exits 2 (invalid JSON data, malformed URL, bad header, bad route); unreadable file or refused connection 1', async () => {
    const bad = cli(['http', 'request', 'POST', 'http://127.0.0.1:9/x', '-d', '{"a": }']);
    expect(await bad.exit).toBe(2);
    expect(bad.err()).toContain('INVALID_JSON');
    const url = cli(['http', 'request', 'http://exa mple.test/']);
    expect(await url.exit).toBe(2);
    expect(url.err()).toContain('INVALID_URL');
    const hdr = cli(['http', 'request', 'http://127.0.0.1:9/', '-H', 'no colon here']);
    expect(await hdr.exit).toBe(2);
    expect(hdr.err()).toContain('INVALID_HEADER');
    const missing = cli(['http', 'serve', '--port', '0', '--routes', '/nonexistent/routes.json']);
    expect(await missing.exit).toBe(1);
    expect(missing.err()).toContain('FILE_UNREADABLE');
    const dir = mkdtempSync(join(tmpdir(), 'wl-http-cli-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'r.json'), '[{"path": "no-slash"}]');
    const badRoute = cli(['http', 'serve', '--port', '0', '--routes', join(dir, 'r.json')]);
    expect(await badRoute.exit).toBe(2);
    expect(badRoute.err()).toContain('INVALID_INPUT');
    writeFileSync(join(dir, 'broken.json'), '[{');
    const broken = cli(['http', 'serve', '--port', '0', '--routes', join(dir, 'broken.json')]);
    expect(await broken.exit).toBe(2);
    expect(broken.err()).toContain('INVALID_JSON');
    const refused = cli(['http', 'request', 'http://127.0.0.1:1/']);
    expect(await refused.exit).toBe(1);
    expect(refused.err()).toContain('CONNECTION_REFUSED');
  });
});
