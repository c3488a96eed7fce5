import { describe, expect, it } from 'vitest';
import { EventParking } from '../../../src/renderer/lib/event-parking';

describe('EventParking', () => {
  it('keeps events per session in order and hands them back once', () => {
    const p = new EventParking<{ session: string; n: number }>();
    p.park({ session: 'a', n: 1 });
    p.park({ session: 'b', n: 2 });
    p.park({ session: 'a', n: 3 });
    expect(p.take('a').map((e) => e.n)).toEqual([1, 3]);
    expect(p.take('a')).toEqual([]);
    expect(p.take('b').map((e) => e.n)).toEqual([2]);
  });
  it('is bounded per session and in sessions (the oldest session goes first)', () => {
    const p = new EventParking<{ session: string; n: number }>(2, 2);
    for (let n = 0; n < 5; n++) p.park({ session: 'a', n });
    p.park({ session: 'b', n: 0 });
    p.park({ session: 'c', n: 0 });
    expect(p.take('a')).toEqual([]);
    expect(p.take('b')).toHaveLength(1);
    expect(p.take('c')).toHaveLength(1);
  });
});
