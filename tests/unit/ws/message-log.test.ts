// The bounded log keeps exactly the newest `limit` entries and counts every dropped one, across batches.
import { describe, expect, it } from 'vitest';
import { BoundedLog } from '../../../src/main/engines/ws/message-log';

describe('BoundedLog', () => {
  it('keeps the newest entries and counts the rest, before and after a batch trim', () => {
    const log = new BoundedLog<number>(3);
    for (let i = 0; i < 2; i++) log.push(i);
    expect(log.list()).toEqual([0, 1]);
    expect(log.dropped).toBe(0);
    for (let i = 2; i < 5; i++) log.push(i);
    expect(log.list()).toEqual([2, 3, 4]);
    expect(log.dropped).toBe(2);
    for (let i = 5; i < 20; i++) log.push(i);
    expect(log.list()).toEqual([17, 18, 19]);
    expect(log.dropped).toBe(17);
  });
});
