import { describe, expect, it } from 'vitest';
import { BoundedLog } from '../../../src/renderer/lib/bounded-log';

describe('BoundedLog', () => {
  it('keeps the newest `limit` entries and counts the dropped ones', () => {
    const log = new BoundedLog<number>(10_000);
    for (let i = 0; i < 100_000; i++) log.push(i);
    expect(log.length).toBe(10_000);
    expect(log.entries[0]).toBe(90_000);
    expect(log.entries.at(-1)).toBe(99_999);
    expect(log.dropped).toBe(90_000);
    expect(log.version).toBe(100_000);
  });
  it('adds upstream drops, clears, and shrinks on a new limit', () => {
    const log = new BoundedLog<number>(5);
    log.push(1, 2, 3, 4);
    log.addDropped(7);
    expect(log.dropped).toBe(7);
    log.setLimit(2);
    expect([...log.entries]).toEqual([3, 4]);
    expect(log.dropped).toBe(9);
    log.clear();
    expect(log.length).toBe(0);
    expect(log.dropped).toBe(0);
  });
});
