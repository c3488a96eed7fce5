// The engine host under the browser shell: engines run in a forked process; when it is killed the
// shell stays up, says so on every socket, starts a new host and answers calls again; a page that
// stops reading its socket costs bounded memory while TCP echo traffic floods the event bus.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { startBrowserShell, type BrowserShell } from '../../../src/server/browser-shell';
import { rememberedPort, SHELL_TOKEN_FILE } from '../../../src/server/shell-token';
import { waitFor } from '../../helpers/net';
import { connectClient } from './client';

// How long the traffic keeps running once the shell has paused the engine host for the slow page.
// The figure is 60 s of traffic (WIRELAB_SLOW_READER_SECONDS=60); the suite runs a shorter loop.
const SLOW_READER_SECONDS = Number(process.env.WIRELAB_SLOW_READER_SECONDS ?? 5);
// TCP echo traffic until SIGTERM (or `seconds`): 64 KiB writes with backpressure; prints what was sent
// and echoed when it stops.
const TRAFFIC = `
const [port, seconds] = process.argv.slice(1).map(Number);
const sock = require('node:net').connect(port, '127.0.0.1');
const chunk = Buffer.alloc(64 * 1024, 0x61);
let sent = 0, echoed = 0, stop = false;
const done = () => { sock.destroy(); process.stdout.write(JSON.stringify({ sent, echoed }), () => process.exit(0)); };
process.on('SIGTERM', () => (stop = true));
sock.on('data', (d) => (echoed += d.length));
sock.on('connect', async () => {
  const until = Date.now() + seconds * 1000;
  while (!stop && Date.now() < until) {
    if (!sock.write(chunk)) await new Promise((r) => sock.once('drain', r));
    sent += chunk.length;
  }
  done();
});
`;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function shell(): Promise<BrowserShell> {
  const dir = mkdtempSync(join(tmpdir(), 'wirelab-host-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'renderer'));
  writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html><title>Wirelab</title>');
  const s = await startBrowserShell({
    dataDir: join(dir, 'data'),
    rendererDir: join(dir, 'renderer'),
    version: 't',
  });
  cleanups.push(() => s.close());
  return s;
}

describe('engine host', () => {
  it('runs the engines in another process; killed, it is replaced and calls answer again', async () => {
    const s = await shell();
    const pid = s.enginePid();
    expect(pid).toBeGreaterThan(0);
    expect(pid).not.toBe(process.pid);
    const client = await connectClient(s.port, s.token);
    cleanups.push(() => client.close());
    const started = await client.call('tcp.serverStart', { port: 0 });
    expect(started).toMatchObject({ ok: true });

    // The shell keeps a warm spare host (code loaded, no engines); a killed host is replaced by it.
    await waitFor(() => s.spareEnginePid(), 30_000, 'the warm spare host');
    const spare = s.spareEnginePid();
    expect(spare).not.toBe(pid);

    // A call in flight when the host dies is answered (not left hanging, never replayed).
    const inFlight = client.call('tls.inspect', { target: 'localhost:1', scan: false }, 30_000);
    const killedAt = performance.now();
    process.kill(pid!, 'SIGKILL');
    expect(await inFlight).toMatchObject({ ok: false, error: { code: 'ENGINE_HOST_DOWN' } });
    await waitFor(() => client.links.some((l) => l.engines === 'restarting'), 5000, 'restarting link frame');

    let answered: { ok: boolean } | undefined;
    while (!answered?.ok && performance.now() - killedAt < 25_000) {
      answered = (await client.call('tcp.list')) as { ok: boolean };
      if (!answered.ok) {
        expect(answered).toMatchObject({ error: { code: 'ENGINE_HOST_DOWN' } });
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const backMs = performance.now() - killedAt;
    console.log(`engine host killed → calls answer again after ${backMs.toFixed(0)} ms`);
    expect(answered).toMatchObject({ ok: true, value: { servers: [] } });
    expect(s.enginePid()).toBe(spare);
    await waitFor(() => client.links.some((l) => l.engines === 'up' && l.restarted), 5000, 'up link frame');
    await waitFor(
      () => client.events.some((e) => e.engine === 'app' && e.type === 'host.restarted'),
      5000,
      'host.restarted event',
    );
    // The shell itself never went away: the same socket carries the new host's answers.
    expect(client.ws.readyState).toBe(client.ws.OPEN);
  }, 60_000);

  it('reopen: the same host starts fresh engines on another data dir; what ran before is closed', async () => {
    const s = await shell();
    const pid = s.enginePid();
    const client = await connectClient(s.port, s.token);
    cleanups.push(() => client.close());
    const started = (await client.call('tcp.serverStart', { port: 0 })) as {
      ok: true;
      value: { port: number };
    };
    expect(started.ok).toBe(true);
    const next = mkdtempSync(join(tmpdir(), 'wirelab-reopen-'));
    cleanups.push(() => rmSync(next, { recursive: true, force: true }));
    await s.reopen(next);
    expect(s.enginePid()).toBe(pid);
    expect(s.services.dataDir.path).toBe(next);
    // A page still connected would act on engines it does not know: it is disconnected.
    await waitFor(() => client.ws.readyState === client.ws.CLOSED, 5000, 'the page disconnected');
    // The old engines are closed: their server's port refuses.
    const refused = await new Promise<string>((resolve) => {
      const sock = connect(started.value.port, '127.0.0.1');
      sock.once('connect', () => (sock.destroy(), resolve('connected')));
      sock.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
    const page = await connectClient(s.port, s.token);
    cleanups.push(() => page.close());
    expect(await page.call('tcp.list')).toMatchObject({ ok: true, value: { servers: [] } });
    // A restart of the shell on the new data dir takes the same token and port (a tab reconnects).
    expect(readFileSync(join(next, SHELL_TOKEN_FILE), 'utf8').trim()).toBe(s.token);
    expect(rememberedPort(next)).toBe(s.port);

    // A data dir another instance holds: a coded error, and the engines come back on the one they had.
    const other = await startBrowserShell({
      dataDir: join(next, 'held'),
      rendererDir: join(next, 'renderer'),
      version: 't',
      engines: 'in-process',
    });
    cleanups.push(() => other.close());
    await expect(s.reopen(join(next, 'held'))).rejects.toMatchObject({ code: 'DATA_DIR_LOCKED' });
    expect(s.services.dataDir.path).toBe(next);
    const later = await connectClient(s.port, s.token);
    cleanups.push(() => later.close());
    await expect
      .poll(async () => ((await later.call('tcp.list')) as { ok: boolean }).ok, { timeout: 30_000 })
      .toBe(true);
    expect(s.enginePid()).not.toBe(pid);
  }, 90_000);

  it(
    'a page that stops reading during TCP echo traffic costs bounded memory and later learns what it missed',
    async () => {
      const s = await shell();
      const seconds = SLOW_READER_SECONDS;
      const slow = await connectClient(s.port, s.token);
      cleanups.push(() => slow.close());
      const started = (await slow.call('tcp.serverStart', { port: 0, echo: true })) as {
        ok: true;
        value: { port: number };
      };
      // The slow page stops reading: the kernel buffers fill, then the shell's send queue for it.
      (slow.ws as unknown as { _socket: Socket })._socket.pause();
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      const rssStart = process.memoryUsage().rss;
      let rssMax = rssStart;
      // The traffic comes from a child process, so its buffers and garbage are not counted as the
      // shell's: this process then holds only the shell (and the paused page's socket).
      const traffic = spawn(
        process.execPath,
        ['-e', TRAFFIC, String(started.value.port), String(seconds + 300)],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      cleanups.push(() => traffic.kill());
      let report = '';
      traffic.stdout.on('data', (d: Buffer) => (report += d.toString()));
      const exited = new Promise((r) => traffic.once('exit', r));
      const sampler = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 50);
      // On a busy machine the echo is slower and the page's socket takes longer to fill: wait for the
      // shell to pause the engine host, then let the traffic run on for the test's length.
      await waitFor(() => s.stats().enginePauses > 0, 240_000, 'the shell pausing the engine host');
      await new Promise((r) => setTimeout(r, seconds * 1000));
      traffic.kill('SIGTERM');
      await exited;
      clearInterval(sampler);
      const { sent, echoed } = JSON.parse(report) as { sent: number; echoed: number };
      const growMb = (rssMax - rssStart) / 1048576;
      console.log(
        `slow reader: TCP echo until the pause and ${seconds} s more, ${(sent / 1048576).toFixed(0)} MiB sent, ${(echoed / 1048576).toFixed(0)} MiB echoed; ` +
          `shell RSS ${(rssStart / 1048576).toFixed(0)} → max ${(rssMax / 1048576).toFixed(0)} MiB (+${growMb.toFixed(1)} MiB)`,
      );
      const flow = s.stats();
      console.log(
        `slow reader: ${flow.eventsDroppedForSlowPages} events not sent to it, at most ${(flow.maxBufferedBytesSeen / 1048576).toFixed(1)} MiB unsent on its socket, engine host paused ${flow.enginePauses}×`,
      );
      expect(sent).toBeGreaterThan(0);
      // The bound for 60 s of traffic; the peak is reached while the page's socket fills, after
      // which the engine host is paused and the shell receives nothing more (see the checks below).
      expect(growMb).toBeLessThan(64);
      // The bound held because the shell stopped queueing for this page and paused the engine host's
      // batches at the source, not by luck of the traffic.
      expect(flow.eventsDroppedForSlowPages).toBeGreaterThan(0);
      expect(flow.enginePauses).toBeGreaterThan(0);
      expect(flow.maxBufferedBytesSeen).toBeLessThan(40 * 1048576);
      // Reading again, the page gets a "dropped N" event for the echo session before newer events.
      (slow.ws as unknown as { _socket: Socket })._socket.resume();
      const other = connect(started.value.port, '127.0.0.1');
      cleanups.push(() => other.destroy());
      await new Promise((r) => other.once('connect', r));
      for (let i = 0; i < 20 && !slow.events.some((e) => e.engine === 'bus'); i++) {
        other.write('x');
        await new Promise((r) => setTimeout(r, 100));
      }
      await waitFor(
        () => slow.events.find((e) => e.engine === 'bus' && e.type === 'dropped'),
        10_000,
        'dropped',
      );
    },
    (SLOW_READER_SECONDS + 300) * 1000,
  );
});
