// The lb engine through the dispatcher, as the UI and CLI call it: coded errors for bad input, the
// demo backends, and the whole start → change → stats → stop cycle.
import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { lbContract } from '../../../src/shared/contract/lb';
import { createDispatcher } from '../../../src/main/dispatcher/dispatcher';
import { LbService } from '../../../src/main/engines/load-balancer/service';
import type { Result } from '../../../src/shared/errors';
import { httpGet } from './helpers';

const services: LbService[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
});

function setup() {
  const lb = new LbService();
  services.push(lb);
  const d = createDispatcher({ lb: lbContract }, { lb });
  const call = <T = Record<string, unknown>>(m: string, input: unknown) =>
    d.call(`lb.${m}`, input) as Promise<Result<T>>;
  return { lb, call };
}

function errCode(r: Result<unknown>): string {
  return r.ok ? 'OK' : r.error.code;
}

describe('lb engine via the dispatcher', () => {
  it('rejects invalid backend addresses with LB_INVALID_BACKEND', async () => {
    const { call } = setup();
    for (const host of ['', 'bad host', '999.1.1.1', '1.2.3', 'exa_mple..com', '::1::2', '-lead.example']) {
      expect(errCode(await call('start', { port: 0, backends: [{ host, port: 80 }] })), host).toBe(
        'LB_INVALID_BACKEND',
      );
    }
    expect(errCode(await call('start', { port: 0, backends: [{ host: '127.0.0.1', port: 0 }] }))).toBe(
      'PORT_OUT_OF_RANGE',
    );
    expect(errCode(await call('start', { port: 0, backends: [{ host: '127.0.0.1', port: 70000 }] }))).toBe(
      'PORT_OUT_OF_RANGE',
    );
  });

  it('rejects weights out of range with LB_WEIGHT_OUT_OF_RANGE', async () => {
    const { call } = setup();
    for (const weight of [0, -1, 257, 1.5, '3']) {
      expect(
        errCode(await call('start', { port: 0, backends: [{ host: '127.0.0.1', port: 80, weight }] })),
        String(weight),
      ).toBe('LB_WEIGHT_OUT_OF_RANGE');
    }
    const started = await call<{ session: string; backends: { id: string }[] }>('start', {
      port: 0,
      backends: [{ host: '127.0.0.1', port: 80 }],
    });
    if (!started.ok) throw new Error('start failed');
    expect(
      errCode(await call('updateBackend', { session: started.value.session, backendId: 'b1', weight: 1000 })),
    ).toBe('LB_WEIGHT_OUT_OF_RANGE');
  });

  it('a port clash is ADDRESS_IN_USE and leaves nothing half-started', async () => {
    const { call, lb } = setup();
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await call('start', {
        port,
        backends: [{ host: '127.0.0.1', port: 80 }],
        health: { type: 'tcp' },
      });
      expect(errCode(r)).toBe('ADDRESS_IN_USE');
      expect(lb.list().balancers).toEqual([]);
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });

  it('duplicate backends, unknown sessions and unknown backends have their codes', async () => {
    const { call } = setup();
    expect(
      errCode(
        await call('start', {
          port: 0,
          backends: [
            { host: '127.0.0.1', port: 81 },
            { host: '127.0.0.1', port: 81 },
          ],
        }),
      ),
    ).toBe('LB_DUPLICATE_BACKEND');
    expect(errCode(await call('info', { session: 'lb-99' }))).toBe('NOT_FOUND');
    const s = await call<{ session: string }>('start', { port: 0 });
    if (!s.ok) throw new Error('start failed');
    expect(errCode(await call('removeBackend', { session: s.value.session, backendId: 'b9' }))).toBe(
      'NOT_FOUND',
    );
    expect(
      errCode(await call('addBackend', { session: s.value.session, backend: { host: 'nope..', port: 1 } })),
    ).toBe('LB_INVALID_BACKEND');
    expect(
      errCode(
        await call('addBackend', {
          session: s.value.session,
          backend: { host: 'no-such-host.invalid', port: 1 },
        }),
      ),
    ).toBe('HOST_NOT_FOUND');
    expect(
      errCode(
        await call('setHealthCheck', {
          session: s.value.session,
          health: { type: 'http', statusMin: 400, statusMax: 200 },
        }),
      ),
    ).toBe('INVALID_INPUT');
    expect(errCode(await call('exportConfig', { format: 'haproxy' }))).toBe('INVALID_INPUT');
    expect(errCode(await call('demoStart', { count: 33 }))).toBe('LIMIT_EXCEEDED');
  });

  it('demo backends + balancer: start, traffic, live changes, stats, export, stop', async () => {
    const { call } = setup();
    const demo = await call<{ session: string; backends: { port: number; name: string }[] }>('demoStart', {
      count: 3,
    });
    if (!demo.ok) throw new Error(demo.error.message);
    expect(demo.value.backends.map((b) => b.name)).toEqual(['backend-1', 'backend-2', 'backend-3']);
    const started = await call<{ session: string; port: number }>('start', {
      port: 0,
      strategy: 'rr',
      backends: demo.value.backends.map((b) => ({ host: '127.0.0.1', port: b.port })),
    });
    if (!started.ok) throw new Error(started.error.message);
    const { session, port } = started.value;
    const seen = [];
    for (let i = 0; i < 3; i++) seen.push((await httpGet(port)).backend);
    expect(seen).toEqual(['backend-1', 'backend-2', 'backend-3']);
    expect((await call('setStrategy', { session, strategy: 'wrr' })).ok).toBe(true);
    expect((await call('updateBackend', { session, backendId: 'b2', enabled: false })).ok).toBe(true);
    for (let i = 0; i < 4; i++) expect((await httpGet(port)).backend).not.toBe('backend-2');
    const exp = await call<{ text: string }>('exportConfig', { format: 'haproxy', session });
    expect(exp.ok && exp.value.text).toContain('balance roundrobin');
    const stats = await call<{ info: { total: number }; history: unknown[] }>('stats', { session });
    expect(stats.ok && stats.value.info.total).toBe(7);
    // Demo latency and failure rate apply live.
    expect((await call('demoSetBackend', { session: demo.value.session, index: 0, failureRate: 1 })).ok).toBe(
      true,
    );
    expect((await call('updateBackend', { session, backendId: 'b2', enabled: true })).ok).toBe(true);
    const statuses = new Map<string, number>();
    for (let i = 0; i < 6; i++) {
      const r = await httpGet(port);
      statuses.set(r.backend, r.status);
    }
    expect(statuses.get('backend-1')).toBe(503);
    expect(statuses.get('backend-2')).toBe(200);
    const stopped = await call<{ closedConnections: number }>('stop', { session });
    expect(stopped.ok).toBe(true);
    expect(errCode(await call('info', { session }))).toBe('NOT_FOUND');
    expect((await call('demoStop', { session: demo.value.session })).ok).toBe(true);
  });

  it('demo backends add latency when asked', async () => {
    const { call } = setup();
    const demo = await call<{ backends: { port: number }[] }>('demoStart', { count: 1, latencyMs: 150 });
    if (!demo.ok) throw new Error(demo.error.message);
    const t0 = Date.now();
    const r = await httpGet(demo.value.backends[0]!.port);
    expect(r.backend).toBe('backend-1');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('demo backends on a base port clash fail with ADDRESS_IN_USE and free what they took', async () => {
    const { call } = setup();
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      // Backend 1 would take port-1 (if free), backend 2 hits the blocker.
      const r = await call('demoStart', { count: 2, basePort: port - 1 });
      expect(['ADDRESS_IN_USE', 'PERMISSION_DENIED']).toContain(errCode(r));
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });
});
