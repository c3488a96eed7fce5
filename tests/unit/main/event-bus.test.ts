import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventBus } from '../../../src/main/dispatcher/event-bus';
import type { WirelabEvent } from '../../../src/shared/contract';

const data = (session: string, n: number): WirelabEvent => ({
  engine: 'tcp',
  type: 'client.data',
  session,
  at: n,
  data: new Uint8Array([n & 0xff]),
  bytes: 1,
  truncated: false,
});

afterEach(() => {
  vi.useRealTimers();
});

describe('EventBus', () => {
  it('batches events on a timer, in order', () => {
    vi.useFakeTimers();
    const bus = new EventBus({ flushIntervalMs: 50 });
    const batches: WirelabEvent[][] = [];
    bus.subscribe((b) => batches.push(b));
    for (let i = 0; i < 5; i++) bus.publish(data('a', i));
    expect(batches).toHaveLength(0);
    vi.advanceTimersByTime(50);
    expect(batches).toHaveLength(1);
    expect(batches[0]!.map((e) => e.at)).toEqual([0, 1, 2, 3, 4]);
  });

  it('bounds each session and reports what it dropped', () => {
    vi.useFakeTimers();
    const bus = new EventBus({ capacity: 100, flushIntervalMs: 50 });
    const batches: WirelabEvent[][] = [];
    bus.subscribe((b) => batches.push(b));
    for (let i = 0; i < 1000; i++) bus.publish(data('a', i));
    bus.publish(data('b', 1));
    vi.advanceTimersByTime(50);
    const batch = batches[0]!;
    const dropped = batch.filter((e) => e.engine === 'bus');
    expect(dropped).toEqual([
      expect.objectContaining({ type: 'dropped', forEngine: 'tcp', session: 'a', count: 900 }),
    ]);
    expect(batch.filter((e) => e.session === 'a' && e.engine === 'tcp').map((e) => e.at)).toEqual(
      Array.from({ length: 100 }, (_, i) => 900 + i),
    );
    expect(batch.filter((e) => e.session === 'b')).toHaveLength(1);
    expect(bus.stats().dropped).toBe(900);
  });

  it('bounds payload bytes too', () => {
    const bus = new EventBus({ capacity: 10_000, maxBytes: 64 * 1024 });
    const got: WirelabEvent[][] = [];
    bus.subscribe((b) => got.push(b));
    for (let i = 0; i < 100; i++) {
      bus.publish({
        engine: 'tcp',
        type: 'client.data',
        session: 's',
        at: i,
        data: new Uint8Array(4096),
        bytes: 4096,
        truncated: false,
      });
    }
    bus.flush();
    const kept = got[0]!.filter((e) => e.engine === 'tcp');
    expect(kept.length).toBeLessThanOrEqual(16);
    expect(got[0]![0]).toMatchObject({ engine: 'bus', count: 100 - kept.length });
  });

  it('a throwing subscriber does not stop the others', () => {
    const bus = new EventBus();
    const seen: number[] = [];
    bus.subscribe(() => {
      throw new Error('boom');
    });
    bus.subscribe((b) => seen.push(b.length));
    const onErr = vi.fn();
    process.once('uncaughtException', onErr);
    bus.publish(data('a', 1));
    bus.flush();
    expect(seen).toEqual([1]);
  });
});
