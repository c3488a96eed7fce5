// Health checks with HAProxy's rise/fall meaning, and failover while clients keep sending requests.
import { describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { LbEvent } from '../../../src/shared/contract/lb';
import { waitFor } from '../../helpers/net';
import { httpGet, onCleanup, rawConnect, sleep, startDemo, startLb } from './helpers';

const stateEvents = (events: LbEvent[]) =>
  events.filter((e): e is Extract<LbEvent, { type: 'backend.state' }> => e.type === 'backend.state');

describe('load balancer health checks', () => {
  it('HTTP check: a stopped backend goes down after `fall` failures, comes back after `rise` successes', async () => {
    const { demo, ports } = await startDemo({ count: 2 });
    const { port, lb, events } = await startLb({
      port: 0,
      strategy: 'rr',
      backends: ports.map((p) => ({ host: '127.0.0.1', port: p })),
      health: { type: 'http', path: '/health', intervalMs: 100, timeoutMs: 500, rise: 3, fall: 2 },
    });
    await waitFor(() => lb.info().backends.every((b) => b.lastCheck?.ok), 3000, 'first checks');
    expect(lb.info().backends[0]!.lastCheck).toMatchObject({ ok: true, detail: 'HTTP 200' });
    await demo.set(0, { running: false });
    const down = await waitFor(
      () => stateEvents(events).find((e) => e.health === 'down'),
      5000,
      'down event',
    );
    expect(down).toMatchObject({ backendId: 'b1', check: { ok: false, detail: 'CONNECTION_REFUSED' } });
    expect(lb.info().backends[0]!.state).toBe('down');
    // A down backend gets no new connections.
    for (let i = 0; i < 4; i++) expect((await httpGet(port)).backend).toBe('backend-2');
    await demo.set(0, { running: true });
    const tUp = Date.now();
    await waitFor(() => stateEvents(events).find((e) => e.health === 'up'), 5000, 'up event');
    // rise = 3 at 100 ms intervals: not before the third success.
    expect(Date.now() - tUp).toBeGreaterThanOrEqual(150);
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add((await httpGet(port)).backend);
    expect(seen).toEqual(new Set(['backend-1', 'backend-2']));
  });

  it('a single failed check does not take a backend down (fall = 3)', async () => {
    let fail = 0;
    const server = createServer((req, res) => {
      res.writeHead(fail-- > 0 ? 500 : 200);
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    onCleanup(() => new Promise((r) => server.close(r)));
    const { lb, events } = await startLb({
      port: 0,
      backends: [{ host: '127.0.0.1', port: (server.address() as { port: number }).port }],
      health: { type: 'http', intervalMs: 100, fall: 3, rise: 2, statusMin: 200, statusMax: 299 },
    });
    await waitFor(() => lb.info().backends[0]!.lastCheck?.ok, 3000);
    fail = 2;
    await waitFor(() => fail <= 0 && lb.info().backends[0]!.lastCheck?.ok, 3000, 'failures then success');
    expect(stateEvents(events)).toHaveLength(0);
    fail = 3;
    await waitFor(() => stateEvents(events).length === 1, 3000, 'down after three');
    expect(stateEvents(events)[0]).toMatchObject({ health: 'down', check: { detail: 'HTTP 500' } });
  });

  it('TCP check and live change of the check settings', async () => {
    const { demo, ports } = await startDemo({ count: 1 });
    const { lb, events } = await startLb({ port: 0, backends: [{ host: '127.0.0.1', port: ports[0]! }] });
    expect(lb.info().backends[0]!.lastCheck).toBeNull();
    lb.setHealthCheck({
      type: 'tcp',
      path: '/',
      statusMin: 200,
      statusMax: 399,
      intervalMs: 100,
      timeoutMs: 500,
      rise: 1,
      fall: 1,
    });
    await waitFor(() => lb.info().backends[0]!.lastCheck?.detail === 'connected', 3000);
    await demo.set(0, { running: false });
    await waitFor(() => stateEvents(events).find((e) => e.health === 'down'), 3000);
    expect(events.some((e) => e.type === 'config')).toBe(true);
  });

  it('a backend killed while 20 clients loop requests: after the fall threshold no request fails, and its connections end cleanly', async () => {
    const { demo, ports } = await startDemo({ count: 3 });
    const { port, lb, events } = await startLb({
      port: 0,
      strategy: 'rr',
      backends: ports.map((p) => ({ host: '127.0.0.1', port: p })),
      health: { type: 'tcp', intervalMs: 100, timeoutMs: 300, rise: 2, fall: 2 },
    });
    // Long-lived keep-alive connections, some of them on backend-1.
    const held = await Promise.all(Array.from({ length: 6 }, () => rawConnect(port)));
    const heldOn = await Promise.all(
      held.map(
        (s) =>
          new Promise<{ name: string; ended: Promise<'end' | 'error'> }>((resolve) => {
            let buf = '';
            const ended = new Promise<'end' | 'error'>((r) => {
              s.once('end', () => r('end'));
              s.once('error', () => r('error'));
            });
            s.on('data', (d: Buffer) => {
              buf += d.toString();
              const m = /x-backend: (\S+)/i.exec(buf);
              if (m && buf.includes('\r\n\r\n')) resolve({ name: m[1]!, ended });
            });
            s.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
          }),
      ),
    );
    const onDead = heldOn.filter((h) => h.name === 'backend-1');
    expect(onDead.length).toBe(2);

    let stop = false;
    const failures: { at: number; err: string }[] = [];
    let ok = 0;
    const loops = Array.from({ length: 20 }, async () => {
      while (!stop) {
        try {
          await httpGet(port, 3000);
          ok += 1;
        } catch (err) {
          failures.push({ at: Date.now(), err: String(err) });
        }
      }
    });
    await sleep(300);
    const killedAt = Date.now();
    await demo.set(0, { running: false });
    const down = await waitFor(
      () => stateEvents(events).find((e) => e.health === 'down'),
      5000,
      'backend-1 down',
    );
    const okAtDown = ok;
    await sleep(1000);
    stop = true;
    await Promise.all(loops);
    // Connections on the dead backend ended with a clean close, not a hang or a reset.
    for (const h of onDead) expect(await h.ended).toBe('end');
    expect(down.at - killedAt).toBeLessThan(2000);
    expect(failures.filter((f) => f.at > down.at)).toEqual([]);
    // Before it: only requests in flight on the killed backend can fail (at most one per client loop);
    // new connects refused by it were redispatched to the others.
    expect(failures.length).toBeLessThanOrEqual(20);
    expect(ok - okAtDown).toBeGreaterThan(20);
    expect(lb.info().backends[0]!.state).toBe('down');
    for (const s of held) s.destroy();
    await waitFor(
      () => lb.trackedConnections === 0 && lb.info().active === 0,
      5000,
      'all connections released',
    );
  }, 30_000);
});
