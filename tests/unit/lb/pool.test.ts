import { describe, expect, it } from 'vitest';
import type { LbBackendConfig } from '../../../src/shared/contract/lb';
import { LB_DEFAULTS } from '../../../src/shared/contract/lb-defaults';
import {
  BackendPool,
  accountBytes,
  backendInfo,
  stateOf,
} from '../../../src/main/engines/load-balancer/backend-pool';
import { NoticeLimiter } from '../../../src/main/engines/load-balancer/notices';
import { takeSample, type ConnProbe } from '../../../src/main/engines/load-balancer/stats';

const cfg = (port: number, over: Partial<LbBackendConfig> = {}): LbBackendConfig => ({
  host: '127.0.0.1',
  port,
  weight: 1,
  enabled: true,
  drain: false,
  maxConn: 0,
  ...over,
});

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
};

describe('BackendPool', () => {
  it('refuses a duplicate host:port (case-insensitive host) and more than maxBackends', () => {
    const pool = new BackendPool();
    pool.add(cfg(1, { host: 'Backend.test' }), '127.0.0.1');
    expect(codeOf(() => pool.add(cfg(1, { host: 'backend.TEST' }), '127.0.0.1'))).toBe(
      'LB_DUPLICATE_BACKEND',
    );
    for (let p = 2; p <= LB_DEFAULTS.maxBackends; p++) pool.add(cfg(p), '127.0.0.1');
    expect(codeOf(() => pool.checkCanAdd('127.0.0.1', 9999))).toBe('LIMIT_EXCEEDED');
    expect(codeOf(() => pool.require('nope', 'lb-1'))).toBe('NOT_FOUND');
  });

  it('offers only enabled, non-draining, healthy backends below their own cap, in insertion order', () => {
    const pool = new BackendPool();
    const a = pool.add(cfg(1), '127.0.0.1');
    const b = pool.add(cfg(2, { maxConn: 1 }), '127.0.0.1');
    const c = pool.add(cfg(3, { drain: true }), '127.0.0.1');
    const d = pool.add(cfg(4, { enabled: false }), '127.0.0.1');
    pool.rebuild();
    expect(pool.candidates().map((x) => x.port)).toEqual([1, 2]);
    b.active = 1;
    expect(pool.candidates().map((x) => x.port)).toEqual([1]);
    expect(pool.candidates(new Set([a])).map((x) => x.port)).toEqual([]);
    expect([stateOf(a), stateOf(c), stateOf(d)]).toEqual(['up', 'drain', 'disabled']);
    a.riseFall.record(false, 1, 1);
    pool.rebuild();
    expect(stateOf(a)).toBe('down');
    expect(pool.hasUsable).toBe(true);
    b.enabled = false;
    pool.rebuild();
    expect(pool.hasUsable).toBe(false);
  });

  it('update() reports a weight change only when the weight really changed; remove() keeps the rest', () => {
    const pool = new BackendPool();
    const a = pool.add(cfg(1, { weight: 3 }), '127.0.0.1');
    pool.add(cfg(2), '127.0.0.1');
    expect(pool.update(a, { weight: 3, name: 'x' })).toBe(false);
    expect(pool.update(a, { weight: 5 })).toBe(true);
    expect(a.name).toBe('x');
    pool.remove(a);
    expect(pool.configs().map((x) => x.port)).toEqual([2]);
  });

  it('accountBytes moves only new bytes; backendInfo adds the live ones', () => {
    const pool = new BackendPool();
    const b = pool.add(cfg(1), '127.0.0.1');
    const conn = { seenIn: 0, seenOut: 0 };
    accountBytes(conn, b, { inNow: 100, outNow: 40 });
    accountBytes(conn, b, { inNow: 150, outNow: 40 });
    expect([b.bytesIn, b.bytesOut, b.secIn, b.secOut]).toEqual([150, 40, 150, 40]);
    const info = backendInfo(b, { in: 10, out: 5 });
    expect([info.bytesIn, info.bytesOut, info.connectP50Ms]).toEqual([160, 45, null]);
  });
});

describe('takeSample', () => {
  it('gives per-second rates, counts removed backends in totals only, and resets the per-tick counters', () => {
    type C = { seenIn: number; seenOut: number; inNow: number; outNow: number; open: boolean };
    const pool = new BackendPool<C>();
    const a = pool.add(cfg(1), '127.0.0.1');
    const gone = pool.add(cfg(2), '127.0.0.1');
    const ca: C = { seenIn: 0, seenOut: 0, inNow: 2000, outNow: 1000, open: true };
    const cg: C = { seenIn: 0, seenOut: 0, inNow: 400, outNow: 0, open: true };
    const closed: C = { seenIn: 0, seenOut: 0, inNow: 999, outNow: 999, open: false };
    a.conns.add(ca);
    a.conns.add(closed);
    gone.conns.add(cg);
    a.secConns = 4;
    pool.remove(gone);
    const probe = (c: C): ConnProbe => ({ open: c.open, bytes: c, buffered: 7 });
    const s = takeSample(2, pool.all, [a, gone, undefined], probe, {
      at: 1,
      active: 3,
      queued: 0,
      newConns: 6,
    });
    expect(s.backends).toHaveLength(1);
    expect(s.backends[0]).toMatchObject({ connsPerSec: 2, bytesInPerSec: 1000, bytesOutPerSec: 500 });
    expect([s.connsPerSec, s.bytesInPerSec, s.bytesOutPerSec, s.bufferedBytes]).toEqual([3, 1200, 500, 21]);
    expect([a.secIn, a.secConns, a.bytesIn, gone.bytesIn]).toEqual([0, 0, 2000, 400]);
    const again = takeSample(1, pool.all, [a], probe, { at: 2, active: 0, queued: 0, newConns: 0 });
    expect(again.bytesInPerSec).toBe(0);
  });
});

describe('NoticeLimiter', () => {
  it('emits the first at once, folds the rest of the second into one counted event, forgets quiet keys', () => {
    let now = 0;
    const out: string[] = [];
    const n = new NoticeLimiter<string>(
      (e) => out.push(e),
      () => now,
    );
    for (let i = 0; i < 5; i++) n.notice('reject', (count) => `reject x${count}`);
    n.notice('retry', (count) => `retry x${count}`);
    expect(out).toEqual(['reject x1', 'retry x1']);
    now = 999;
    n.flush();
    expect(out).toHaveLength(2);
    now = 1000;
    n.flush();
    expect(out).toEqual(['reject x1', 'retry x1', 'reject x4']);
    now = 70_000;
    n.flush();
    expect(n.size).toBe(0);
  });
});
