import { describe, expect, it } from 'vitest';
import {
  MIN_ROUNDS,
  cpuMicrosOfPid,
  interleaved,
  pairedRatios,
  roundOrder,
  spreadOf,
  verdictOf,
} from '../../../bench/harness';
import { record } from '../../../bench/types';

describe('bench harness', () => {
  it('spread: median, min–max and quartiles of the finite samples', () => {
    expect(spreadOf([5, 1, 3, 2, 4, NaN])).toEqual({ n: 5, median: 3, min: 1, max: 5, q1: 2, q3: 4 });
    expect(spreadOf([]).n).toBe(0);
  });

  it('a verdict needs the quartile range clear of the target; fewer than MIN_ROUNDS is inconclusive', () => {
    expect(verdictOf(spreadOf([1.0, 1.1, 1.2, 1.3, 1.4]), 0.95)).toBe('pass');
    expect(verdictOf(spreadOf([0.5, 0.6, 0.7, 0.8, 0.9]), 0.95)).toBe('fail');
    // median above the target, but the spread is wider than the margin: no verdict either way
    expect(verdictOf(spreadOf([0.3, 0.9, 1.0, 1.2, 3.7]), 0.95)).toBe('inconclusive');
    expect(verdictOf(spreadOf([1.2, 1.3]), 0.95)).toBe('inconclusive');
  });

  it('rounds are interleaved A-B, B-A … and at least MIN_ROUNDS run; ratios are paired per round', async () => {
    expect([0, 1, 2].map((r) => roundOrder(['a', 'b'], r).join(''))).toEqual(['ab', 'ba', 'ab']);
    const order: string[] = [];
    const res = await interleaved(
      ['a', 'b'].map((key) => ({
        key,
        run: async (round: number) => {
          order.push(`${key}${round}`);
          return round;
        },
      })),
      2,
    );
    expect(order.slice(0, 4)).toEqual(['a0', 'b0', 'b1', 'a1']);
    expect(res.get('a')).toHaveLength(MIN_ROUNDS);
    expect(pairedRatios([2, 4], [1, 8])).toEqual([2, 0.5]);
    expect(pairedRatios([2, 4], [1, 8], true)).toEqual([0.5, 2]);
  });

  it('record(): ratio = median of the per-round ratios, verdict from their spread; one sample is never a pass', () => {
    const r = record('x', {
      name: 'n',
      value: 1,
      unit: 'u',
      reference: 'r',
      referenceValue: 1,
      ratioSamples: [0.3, 0.9, 1.0, 1.2, 3.7],
      target: 0.95,
    });
    expect([r.ratio, r.verdict]).toEqual([1.0, 'inconclusive']);
    const single = record('x', {
      name: 'n',
      value: 2,
      unit: 'u',
      reference: 'r',
      referenceValue: 1,
      target: 0.95,
    });
    expect([single.ratio, single.verdict, single.spread]).toEqual([2, 'inconclusive', null]);
  });

  it('reads CPU time of a process from /proc', () => {
    const before = cpuMicrosOfPid(process.pid);
    let x = 0;
    for (let i = 0; i < 3e7; i++) x += i % 7;
    expect(x).toBeGreaterThan(0);
    expect(cpuMicrosOfPid(process.pid)).toBeGreaterThan(before);
  });
});
