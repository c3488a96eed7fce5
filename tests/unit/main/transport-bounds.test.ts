// The pure rules at the edges of the transports: JSON depth before parsing, the Host header, the
// per-socket slow-reader gate and the credit gate for event batches.
import { describe, expect, it } from 'vitest';
import { hostAllowed, SlowReaderGate } from '../../../src/server/frame-guard';
import { jsonDepthExceeds } from '../../../src/server/frame-depth';
import { CreditGate } from '../../../src/main/host/credit';
import { countBySession } from '../../../src/main/host/wire';
import type { WirelabEvent } from '../../../src/shared/contract';

const bytes = (s: string) => new TextEncoder().encode(s);
const ev = (session: string, n: number): WirelabEvent => ({
  engine: 'tcp',
  type: 'server.data',
  session,
  at: n,
  clientId: 'c',
  data: new Uint8Array([n & 0xff]),
  bytes: 1,
  truncated: false,
});

describe('jsonDepthExceeds', () => {
  it('counts brackets outside strings only and stops at the first one past the limit', () => {
    expect(jsonDepthExceeds(bytes('{"a":[1,{"b":2}]}'), 3)).toBe(false);
    expect(jsonDepthExceeds(bytes('{"a":[1,{"b":2}]}'), 2)).toBe(true);
    expect(jsonDepthExceeds(bytes('{"a":"[[[[[[[[[[\\"[[[["}'), 1)).toBe(false);
    expect(jsonDepthExceeds(bytes('[[[]]][[[]]]'), 3)).toBe(false);
    const deep = new Uint8Array(4_000_000).fill(0x5b);
    expect(jsonDepthExceeds(deep, 256)).toBe(true);
    expect(jsonDepthExceeds(bytes(`${'['.repeat(256)}${']'.repeat(256)}`), 256)).toBe(false);
    expect(jsonDepthExceeds(bytes(`${'['.repeat(257)}${']'.repeat(257)}`), 256)).toBe(true);
  });
});

describe('hostAllowed', () => {
  it('takes the loopback names on the shell port only', () => {
    for (const h of ['127.0.0.1:4000', 'localhost:4000', 'LOCALHOST:4000', '[::1]:4000'])
      expect(hostAllowed(h, 4000)).toBe(true);
    for (const h of [
      undefined,
      '',
      'evil.example:4000',
      '127.0.0.1:4001',
      '127.0.0.1',
      'localhost',
      'attacker.localhost:4000',
    ])
      expect(hostAllowed(h, 4000)).toBe(false);
  });
});

describe('SlowReaderGate', () => {
  it('skips batches above the cap, then reports them per session before the next batch', () => {
    const gate = new SlowReaderGate(1000);
    expect(gate.admit(countBySession([ev('a', 1)]), 10)).toEqual([]);
    expect(gate.admit(countBySession([ev('a', 2), ev('b', 3), ev('a', 4)]), 5000)).toBeUndefined();
    expect(gate.admit(countBySession([ev('a', 5)]), 5000)).toBeUndefined();
    const markers = gate.admit(countBySession([ev('a', 6)]), 0)!;
    expect(markers.map((m) => [m.forEngine, m.session, m.count])).toEqual([
      ['tcp', 'a', 3],
      ['tcp', 'b', 1],
    ]);
    expect(gate.total).toBe(4);
    expect(gate.admit(countBySession([ev('a', 7)]), 0)).toEqual([]);
  });
});

describe('CreditGate', () => {
  it('sends up to maxUnacked batches, drops and counts past that, reports after an ack', () => {
    const gate = new CreditGate({ maxUnacked: 2 });
    expect(gate.offer([ev('a', 1)])).toHaveLength(1);
    expect(gate.offer([ev('a', 2)])).toHaveLength(1);
    expect(gate.offer([ev('a', 3), ev('b', 4)])).toBeUndefined();
    expect(
      gate.offer([{ engine: 'bus', type: 'dropped', forEngine: 'tcp', session: 'a', at: 0, count: 10 }]),
    ).toBeUndefined();
    expect(gate.stats()).toMatchObject({ inFlight: 2, dropped: 12 });
    gate.ack(1);
    const next = gate.offer([ev('a', 5)])!;
    expect(next.slice(0, 2)).toMatchObject([
      { engine: 'bus', type: 'dropped', forEngine: 'tcp', session: 'a', count: 11 },
      { engine: 'bus', type: 'dropped', forEngine: 'tcp', session: 'b', count: 1 },
    ]);
    expect(next[2]).toMatchObject({ session: 'a', at: 5 });
    gate.ack(99);
    gate.ack(-1);
    expect(gate.stats().inFlight).toBe(0);
  });

  it('drops and counts while paused, whatever credit is left, and reports after resume', () => {
    const gate = new CreditGate({ maxUnacked: 32 });
    expect(gate.offer([ev('a', 1)])).toHaveLength(1);
    gate.pause();
    expect(gate.offer([ev('a', 2), ev('a', 3)])).toBeUndefined();
    expect(gate.stats()).toMatchObject({ inFlight: 1, paused: true, dropped: 2 });
    gate.ack(1);
    expect(gate.offer([ev('a', 4)])).toBeUndefined();
    gate.resume();
    expect(gate.offer([ev('a', 5)])).toMatchObject([
      { engine: 'bus', type: 'dropped', session: 'a', count: 3 },
      { session: 'a', at: 5 },
    ]);
  });
});
