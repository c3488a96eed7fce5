// The browser shell: serves the renderer, refuses sockets without the token or from a foreign Origin,
// and carries the contract (calls and event batches) for the page that is allowed in.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { get, request } from 'node:http';
import { spawn } from 'node:child_process';
import { startBrowserShell, type BrowserShell } from '../../../src/server/browser-shell';
import { wireDecodeBinary, wireParse, wireStringify } from '../../../src/shared/wire-json';
import type { WirelabEvent } from '../../../src/shared/contract';
import { collect, rawConnect, waitFor } from '../../helpers/net';
import { SHELL_TOKEN_FILE } from '../../../src/server/shell-token';
import { connectClient, openSocket } from './client';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function shell(dir = mkdtempSync(join(tmpdir(), 'wirelab-shell-'))): Promise<BrowserShell> {
  const renderer = join(dir, 'renderer');
  mkdirSync(renderer, { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Wirelab</title>');
  const s = await startBrowserShell({
    port: 0,
    reusePort: true,
    dataDir: join(dir, 'data'),
    rendererDir: renderer,
    version: 'test',
    // No engine host dies here (engine-host.test.ts covers restarts): a warm spare would be a second
    // engine host process loading all the engines for each shell, for nothing.
    hostSupervision: { warmSpare: false },
  });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => s.close());
  return s;
}

function httpStatus(port: number, path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

function open(url: string, origin?: string): Promise<{ ws?: WebSocket; status?: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, origin ? { origin } : {});
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode }));
    ws.once('error', () => resolve({}));
  });
}

describe('browser shell', () => {
  it('binds to 127.0.0.1 and prints a URL with a 64-hex-digit token', async () => {
    const s = await shell();
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}$/);
    const res = await fetch(`http://127.0.0.1:${s.port}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await res.text()).toContain('Wirelab');
    // fetch() would normalise the dots away; node:http sends the path as written.
    for (const path of ['/%2e%2e/%2e%2e/etc/passwd', '/../../etc/passwd', '/..%5c..%5cetc/passwd']) {
      const status = await new Promise<number>((resolve) =>
        get({ host: '127.0.0.1', port: s.port, path }, (res) => resolve(res.statusCode ?? 0)),
      );
      expect(status).toBe(403);
    }
  });

  it('refuses a missing or wrong token (401) and a foreign Origin (403)', async () => {
    const s = await shell();
    const origin = `http://127.0.0.1:${s.port}`;
    expect((await open(`ws://127.0.0.1:${s.port}/ws`, origin)).status).toBe(401);
    expect((await open(`ws://127.0.0.1:${s.port}/ws?token=${'0'.repeat(64)}`, origin)).status).toBe(401);
    expect((await open(`ws://127.0.0.1:${s.port}/ws?token=${s.token}`, 'https://evil.example')).status).toBe(
      403,
    );
    expect((await open(`ws://127.0.0.1:${s.port}/ws?token=${s.token}`)).status).toBe(403);
    const ok = await open(`ws://127.0.0.1:${s.port}/ws?token=${s.token}`, origin);
    expect(ok.ws).toBeDefined();
    ok.ws!.close();
  });

  it('carries calls and event batches; bad frames get an error and the socket stays usable', async () => {
    const s = await shell();
    const { ws } = await open(`ws://127.0.0.1:${s.port}/ws?token=${s.token}`, `http://127.0.0.1:${s.port}`);
    cleanups.push(() => ws!.close());
    const results = new Map<number, unknown>();
    const events: WirelabEvent[] = [];
    const errors: unknown[] = [];
    ws!.on('message', (raw: Buffer, isBinary: boolean) => {
      const f = (isBinary ? wireDecodeBinary(new Uint8Array(raw)) : wireParse(raw.toString())) as {
        kind: string;
        id: number;
        result: unknown;
        events: WirelabEvent[];
      };
      if (f.kind === 'result') results.set(f.id, f.result);
      else if (f.kind === 'events') events.push(...f.events);
      else errors.push(f);
    });
    const call = async (id: number, channel: string, input: unknown) => {
      ws!.send(wireStringify({ id, channel, input }));
      for (let i = 0; i < 500 && !results.has(id); i++) await new Promise((r) => setTimeout(r, 10));
      return results.get(id) as { ok: boolean; value?: { port: number }; error?: { code: string } };
    };
    ws!.send('not json');
    ws!.send(JSON.stringify({ hello: 1 }));
    expect(await call(1, 'nope.nope', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    expect(errors).toHaveLength(2);
    const started = await call(2, 'tcp.serverStart', { port: 0, welcome: 'Welcome to the server!' });
    expect(started.ok).toBe(true);
    const sock = await rawConnect(started.value!.port);
    cleanups.push(() => sock.destroy());
    await collect(sock).until((t) => t === 'Welcome to the server!');
    sock.write('Hello, TCP Server!');
    for (let i = 0; i < 300 && !events.some((e) => e.type === 'server.data'); i++)
      await new Promise((r) => setTimeout(r, 10));
    const data = events.find((e) => e.type === 'server.data') as { data: Uint8Array };
    expect(Buffer.from(data.data).toString()).toBe('Hello, TCP Server!');
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['server.clientConnected', 'server.sent', 'server.data']),
    );
  });

  it('a second shell on the same data dir is refused with DATA_DIR_LOCKED', async () => {
    const s = await shell();
    const dir = s.services.dataDir.path;
    await expect(
      startBrowserShell({ port: 0, dataDir: dir, rendererDir: '/nonexistent', version: 't' }),
    ).rejects.toMatchObject({ code: 'DATA_DIR_LOCKED' });
  });

  it('keeps one token per data dir (mode 0600) and its port, so a tab reconnects after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wirelab-shell-'));
    const first = await shell(dir);
    const file = join(dir, 'data', SHELL_TOKEN_FILE);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.token);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const { port, token } = first;
    await first.close();
    const second = await shell(dir);
    expect(second.token).toBe(token);
    expect(second.port).toBe(port);
    const client = await connectClient(second.port, token);
    cleanups.push(() => client.close());
    expect(await client.call('tcp.list')).toMatchObject({ ok: true });
    // /auth tells a page whether its token is still good (204) or not (401).
    expect(await httpStatus(port, '/auth', { 'x-wirelab-token': token })).toBe(204);
    expect(await httpStatus(port, '/auth', { 'x-wirelab-token': 'f'.repeat(64) })).toBe(401);
    expect(await httpStatus(port, '/auth')).toBe(401);
  });

  it('refuses a foreign Host header on HTTP and on the upgrade (DNS rebinding)', async () => {
    const s = await shell();
    expect(await httpStatus(s.port, '/', { host: `evil.example:${s.port}` })).toBe(421);
    expect(await httpStatus(s.port, '/', { host: `localhost:${s.port}` })).toBe(200);
    expect(await httpStatus(s.port, '/', { host: `[::1]:${s.port}` })).toBe(200);
    expect((await openSocket(s.port, s.token, { host: `rebind.example:${s.port}` })).status).toBe(421);
    expect((await openSocket(s.port, s.token, { host: `localhost:${s.port}` })).ws).toBeDefined();
  });

  it('refuses a 4M-deep frame while it arrives (LIMIT_EXCEEDED, close 1008); another client keeps getting answers', async () => {
    const s = await shell();
    const user = await connectClient(s.port, s.token);
    cleanups.push(() => user.close());
    expect(await user.call('tcp.list')).toMatchObject({ ok: true });
    // The attacker in a process of its own, so building and masking its 8 MB frame is not charged to
    // the shell's event loop; it connects first and sends when told, so spawning it is not either.
    const attacker = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import WebSocket from 'ws';
         const deep = Buffer.alloc(8_000_000, 0x5d).fill(0x5b, 0, 4_000_000).toString('latin1');
         const ws = new WebSocket(process.argv[1], { origin: process.argv[2] });
         ws.on('open', () => console.log('ready'));
         process.stdin.once('data', () => ws.send(deep));
         ws.on('message', (m) => console.log('answer ' + m.toString()));
         ws.on('close', (code, reason) => { console.log('closed ' + code + ' ' + reason); process.exit(0); });`,
        `ws://127.0.0.1:${s.port}/ws?token=${s.token}`,
        `http://127.0.0.1:${s.port}`,
      ],
      { cwd: process.cwd(), stdio: ['pipe', 'pipe', 'inherit'] },
    );
    cleanups.push(() => attacker.kill());
    let out = '';
    attacker.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(() => out.includes('ready'), 15_000, 'the attacker connecting');
    // Baseline on this machine: the same calls for a second with no attack.
    const baseline: number[] = [];
    for (const until = performance.now() + 1000; performance.now() < until;) {
      const t0 = performance.now();
      await user.call('tcp.list');
      baseline.push(performance.now() - t0);
    }
    baseline.sort((a, b) => a - b);
    let stop = false;
    const latencies: number[] = [];
    const loop = (async () => {
      while (!stop) {
        const t0 = performance.now();
        expect(await user.call('tcp.list')).toMatchObject({ ok: true });
        latencies.push(performance.now() - t0);
      }
    })();
    attacker.stdin.write('go\n');
    await waitFor(() => out.includes('closed'), 20_000, 'the refusal');
    stop = true;
    await loop;
    expect(out).toMatch(/answer \{"kind":"error","error":\{"code":"LIMIT_EXCEEDED"/);
    expect(out).toContain('closed 1008 request frame nested too deep');
    expect(s.stats().deepFramesRefused).toBe(1);
    // The other page was answered while the attack ran, and its socket is still good afterwards.
    expect(latencies.length).toBeGreaterThan(0);
    expect(await user.call('tcp.list')).toMatchObject({ ok: true });
    expect(user.ws.readyState).toBe(user.ws.OPEN);
    latencies.sort((a, b) => a - b);
    console.log(
      `deep frame: the other client's calls during the attack: ${latencies.length} calls, max ` +
        `${latencies.at(-1)?.toFixed(1)} ms, median ${latencies[latencies.length >> 1]?.toFixed(1)} ms ` +
        `(without the attack: ${baseline.length} calls, max ${baseline.at(-1)?.toFixed(1)} ms, median ` +
        `${baseline[baseline.length >> 1]?.toFixed(1)} ms)`,
    );
  });
});
