// Strategies over real sockets: which backend each new connection reaches.
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/net';
import {
  count,
  httpGet,
  nameBackend,
  pool,
  rawBackend,
  rawConnect,
  readAll,
  startDemo,
  startLb,
} from './helpers';

describe('load balancer strategies', () => {
  it('round robin: six fresh connections visit the three backends in order (seed check, X-Backend header)', async () => {
    const { ports } = await startDemo({ count: 3 });
    const { port } = await startLb({
      port: 0,
      strategy: 'rr',
      backends: ports.map((p) => ({ host: '127.0.0.1', port: p })),
    });
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) seen.push((await httpGet(port)).backend);
    expect(seen).toEqual(['backend-1', 'backend-2', 'backend-3', 'backend-1', 'backend-2', 'backend-3']);
  });

  // Smooth WRR is deterministic: every 6 dispatches hold 1 + 2 + 3, so 1,200 connections show the split
  // (and the bookkeeping) as well as 10,000 did, in an eighth of the time.
  it('smooth weighted round robin: 1,200 connections split 1:2:3 within 2 %', async () => {
    const backends = await Promise.all(['a', 'b', 'c'].map((n) => nameBackend(n)));
    const weights = [1, 2, 3];
    const { port, lb } = await startLb({
      port: 0,
      strategy: 'wrr',
      backends: backends.map((b, i) => ({ host: '127.0.0.1', port: b.port, weight: weights[i] })),
    });
    const N = 1_200;
    const got = await pool(N, 40, () => readAll(port));
    const c = count(got);
    expect(c.a! + c.b! + c.c!).toBe(N);
    for (const [name, w] of [
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ] as const) {
      expect(Math.abs((c[name] ?? 0) / N - w / 6)).toBeLessThan(0.02);
    }
    // Statistics agree with what the backends saw.
    const info = lb.info();
    expect(info.backends.map((b) => b.total)).toEqual([c.a, c.b, c.c]);
    expect(info.total).toBe(N);
    // Nothing is left behind once the clients are done.
    await waitFor(
      () => lb.info().active === 0 && lb.trackedConnections === 0,
      5000,
      'all connections released',
    );
  }, 60_000);

  it('least connections: new clients go to the backend with the fewest long-lived connections', async () => {
    const echo = () => rawBackend((s) => s.pipe(s));
    const backends = await Promise.all([echo(), echo(), echo()]);
    const { port, lb } = await startLb({
      port: 0,
      strategy: 'leastconn',
      backends: backends.map((b) => ({ host: '127.0.0.1', port: b.port })),
    });
    const held = [];
    for (let i = 0; i < 6; i++) held.push(await rawConnect(port));
    await waitFor(() => lb.info().backends.every((b) => b.active === 2), 5000, 'two each');
    // Free two connections on the first backend: it now has the fewest, so the next two go there.
    const onFirst = backends[0]!.sockets;
    expect(onFirst.size).toBe(2);
    for (const s of onFirst) s.destroy();
    await waitFor(() => lb.info().backends[0]!.active === 0, 5000, 'first backend emptied');
    const before = backends[0]!.accepted();
    await rawConnect(port);
    await rawConnect(port);
    await waitFor(
      () => backends[0]!.accepted() === before + 2,
      5000,
      'both new clients on the emptied backend',
    );
    expect(lb.info().backends.map((b) => b.active)).toEqual([2, 2, 2]);
  });

  it('least connections honours weights (active / weight)', async () => {
    const echo = () => rawBackend((s) => s.pipe(s));
    const backends = await Promise.all([echo(), echo()]);
    const { port, lb } = await startLb({
      port: 0,
      strategy: 'leastconn',
      backends: [
        { host: '127.0.0.1', port: backends[0]!.port, weight: 1 },
        { host: '127.0.0.1', port: backends[1]!.port, weight: 3 },
      ],
    });
    for (let i = 0; i < 8; i++) await rawConnect(port);
    await waitFor(() => lb.info().active === 8);
    expect(lb.info().backends.map((b) => b.active)).toEqual([2, 6]);
  });

  it('power of two choices keeps long-lived connections balanced', async () => {
    const echo = () => rawBackend((s) => s.pipe(s));
    const backends = await Promise.all([echo(), echo(), echo(), echo()]);
    const { port, lb } = await startLb({
      port: 0,
      strategy: 'p2c',
      backends: backends.map((b) => ({ host: '127.0.0.1', port: b.port })),
    });
    for (let i = 0; i < 40; i++) await rawConnect(port);
    await waitFor(() => lb.info().active === 40);
    const active = lb.info().backends.map((b) => b.active);
    // Plain random would often leave a backend at 4 or 16; two choices keep every one near 10.
    for (const a of active) expect(a).toBeGreaterThanOrEqual(6);
    for (const a of active) expect(a).toBeLessThanOrEqual(14);
  });

  it('source hash: each client address keeps its backend; adding a backend moves about 1/n of clients, all to the new one', async () => {
    const backends = await Promise.all(['a', 'b', 'c', 'd'].map((n) => nameBackend(n)));
    const { port, lb } = await startLb({
      port: 0,
      strategy: 'hash',
      backends: backends.slice(0, 3).map((b) => ({ host: '127.0.0.1', port: b.port })),
    });
    // Distinct client addresses from the loopback range (Linux routes all of 127/8 to lo).
    const addrs = Array.from({ length: 120 }, (_, i) => `127.0.${1 + Math.floor(i / 200)}.${(i % 200) + 2}`);
    const first = await pool(addrs.length, 20, (i) => readAll(port, { localAddress: addrs[i] }));
    const again = await pool(addrs.length, 20, (i) => readAll(port, { localAddress: addrs[i] }));
    expect(again).toEqual(first);
    expect(new Set(first).size).toBe(3);
    await lb.addBackend({
      host: '127.0.0.1',
      port: backends[3]!.port,
      weight: 1,
      enabled: true,
      drain: false,
      maxConn: 0,
    });
    const after = await pool(addrs.length, 20, (i) => readAll(port, { localAddress: addrs[i] }));
    const moved = after.filter((b, i) => b !== first[i]);
    expect(moved.every((b) => b === 'd')).toBe(true);
    // Expected 1/4 of 120 = 30; modulo hashing would move about 3/4.
    expect(moved.length).toBeGreaterThan(10);
    expect(moved.length).toBeLessThan(55);
  });

  it('switching strategy live keeps established connections and changes new picks', async () => {
    const echo = () => rawBackend((s) => s.pipe(s));
    const backends = await Promise.all([echo(), echo()]);
    const { port, lb } = await startLb({
      port: 0,
      strategy: 'rr',
      backends: backends.map((b, i) => ({ host: '127.0.0.1', port: b.port, weight: i === 0 ? 1 : 4 })),
    });
    const long = await rawConnect(port);
    await waitFor(() => lb.info().active === 1);
    lb.setStrategy('wrr');
    expect(lb.info().strategy).toBe('wrr');
    const echoed = new Promise<string>((r) => long.once('data', (d: Buffer) => r(d.toString())));
    long.write('still here');
    expect(await echoed).toBe('still here');
  });
});
