import { afterEach, describe, expect, it, vi } from 'vitest';
import { DataCoalescer, type CoalescedData } from '../../../src/main/engines/common/coalescer';

afterEach(() => {
  vi.useRealTimers();
});

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (d: CoalescedData) => new TextDecoder().decode(d.data);

describe('DataCoalescer', () => {
  it('merges reads of one peer within the window, keeping the first maxBytes and the true total', () => {
    vi.useFakeTimers();
    const out: CoalescedData[] = [];
    const c = new DataCoalescer({ windowMs: 15, maxBytes: 8 }, (d) => out.push(d));
    c.push('in', 'c1', bytes('hello'));
    c.push('in', 'c1', bytes(' world'));
    expect(out).toHaveLength(0);
    vi.advanceTimersByTime(15);
    expect(out).toHaveLength(1);
    expect(text(out[0]!)).toBe('hello wo');
    expect(out[0]).toMatchObject({ dir: 'in', peer: 'c1', bytes: 11, truncated: true, reads: 2 });
  });

  it('keeps order across directions and peers: only the newest pending event of a peer grows', () => {
    const out: CoalescedData[] = [];
    const c = new DataCoalescer({ windowMs: 15, maxBytes: 100 }, (d) => out.push(d));
    c.push('in', 'a', bytes('1'));
    c.push('out', 'a', bytes('2'));
    c.push('in', 'a', bytes('3'));
    c.push('in', 'b', bytes('x'));
    c.push('in', 'a', bytes('4'));
    c.flush();
    expect(out.map((d) => `${d.peer}:${d.dir}:${text(d)}`)).toEqual([
      'a:in:1',
      'a:out:2',
      'a:in:34',
      'b:in:x',
    ]);
  });

  it('window 0 emits every read at once', () => {
    const out: CoalescedData[] = [];
    const c = new DataCoalescer({ windowMs: 0, maxBytes: 4 }, (d) => out.push(d));
    c.push('in', 'a', bytes('abcdef'));
    c.push('in', 'a', bytes('g'));
    expect(out.map((d) => [text(d), d.bytes, d.truncated])).toEqual([
      ['abcd', 6, true],
      ['g', 1, false],
    ]);
  });
});
