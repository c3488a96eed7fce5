import { describe, expect, it } from 'vitest';
import { Impairment, Link, Prng } from '../../../src/main/engines/lab/impairment';
import { StreamFramer, Tally, makeMessage } from '../../../src/main/engines/lab/tally';
import {
  LAB_EXPLANATIONS,
  LAB_ROWS,
  LAB_TCP_BEHAVIOURS,
  LabRunInput,
} from '../../../src/shared/contract/lab';

describe('seeded impairment model', () => {
  it('the same seed gives the same decisions; another seed does not', () => {
    const s = { lossPct: 10, dupPct: 5, reorderPct: 5, delayMs: 10, jitterMs: 4 };
    const run = (seed: number) => {
      const m = new Impairment(s, seed);
      return Array.from({ length: 1000 }, () => m.decide());
    };
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
  });

  it('rates over 10,000 decisions are within tolerance; delay stays in delay ± jitter', () => {
    const m = new Impairment({ lossPct: 10, dupPct: 5, reorderPct: 2, delayMs: 20, jitterMs: 5 }, 7);
    const n = 10_000;
    let drop = 0;
    let dup = 0;
    let reorder = 0;
    let minD = Infinity;
    let maxD = -Infinity;
    for (let i = 0; i < n; i++) {
      const d = m.decide();
      drop += Number(d.drop);
      dup += Number(d.duplicate);
      reorder += Number(d.reorder);
      minD = Math.min(minD, d.delayMs);
      maxD = Math.max(maxD, d.delayMs);
    }
    // ±4 standard deviations of a binomial(n, p) proportion.
    const tol = (p: number) => 4 * Math.sqrt((p * (1 - p)) / n);
    expect(Math.abs(drop / n - 0.1)).toBeLessThan(tol(0.1));
    expect(Math.abs(dup / n - 0.05)).toBeLessThan(tol(0.05));
    expect(Math.abs(reorder / n - 0.02)).toBeLessThan(tol(0.02));
    expect(minD).toBeGreaterThanOrEqual(15);
    expect(maxD).toBeLessThanOrEqual(25);
    expect(maxD - minD).toBeGreaterThan(9);
  });

  it('0 % never fires and the PRNG stays in [0, 1)', () => {
    const m = new Impairment({ lossPct: 0, dupPct: 0, reorderPct: 0, delayMs: 0, jitterMs: 0 }, 1);
    for (let i = 0; i < 1000; i++)
      expect(m.decide()).toEqual({ drop: false, duplicate: false, reorder: false, delayMs: 0 });
    const p = new Prng(0);
    for (let i = 0; i < 10_000; i++) {
      const v = p.next();
      expect(v >= 0 && v < 1).toBe(true);
    }
  });

  it('a capped link serialises units and refuses beyond its queue', () => {
    const l = new Link(8, 10); // 8 kbit/s = 1 byte per ms; queue of 10 ms
    expect(l.admit(0, 5)).toBe(5);
    expect(l.admit(0, 5)).toBe(10);
    expect(l.admit(0, 1)).toBe(11); // waits exactly the 10 ms the queue allows
    expect(l.admit(0, 1)).toBeUndefined(); // would wait 11 ms
    expect(l.admit(11, 1)).toBe(12);
    expect(new Link(0, 0).admit(3, 1e9)).toBe(3);
  });
});

describe('lab receivers', () => {
  it('Tally counts first deliveries, duplicates and out-of-order arrivals', () => {
    const t = new Tally(5, 16, new Float64Array([0, 1, 2, 3, 4]));
    for (const seq of [0, 2, 1, 2, 4]) t.message(seq, 10);
    expect({ d: t.delivered, dup: t.duplicated, ooo: t.outOfOrder }).toEqual({ d: 4, dup: 1, ooo: 1 });
    const r = t.result(
      'udp',
      5,
      0,
      { units: 5, dropped: 1, duplicated: 1, reordered: 1, queueDropped: 0 },
      10,
      { source: 'measured', sourceText: 'test' },
    );
    expect(r.lost).toBe(1);
    expect(r.latency.max).toBe(10);
    expect(r.latency.min).toBe(6);
  });

  it('StreamFramer reassembles messages and counts merged reads and split messages', () => {
    const t = new Tally(4, 16, new Float64Array(4));
    const f = new StreamFramer(t, 16);
    const all = Buffer.concat([0, 1, 2, 3].map((i) => makeMessage(i, 16)));
    f.read(all.subarray(0, 40), 1); // messages 0,1 whole + 8 bytes of 2 → merged
    f.read(all.subarray(40, 44), 2); // middle of 2
    f.read(all.subarray(44, 64), 3); // end of 2 (split) + all of 3 → merged
    expect(t.delivered).toBe(4);
    expect(t.reads).toBe(3);
    expect(t.mergedReads).toBe(2);
    expect(t.splitMessages).toBe(1);
    expect(t.outOfOrder).toBe(0);
  });
});

describe('lab contract', () => {
  it('defaults parse, bounds are enforced, every metric has an explanation', () => {
    expect(LabRunInput.parse({})).toMatchObject({ count: 3000, size: 512, seed: 1, tcpSource: 'model' });
    expect(LabRunInput.safeParse({ tcpSource: 'other' }).success).toBe(false);
    expect(LabRunInput.safeParse({ rcvBufBytes: 100 }).success).toBe(false);
    expect(LabRunInput.safeParse({ lossPct: 60 }).success).toBe(false);
    expect(LabRunInput.safeParse({ count: 100_001 }).success).toBe(false);
    expect(LabRunInput.safeParse({ size: 8 }).success).toBe(false);
    expect(Object.keys(LAB_EXPLANATIONS)).toHaveLength(10);
    expect(LAB_ROWS.map((r) => r.metric).sort()).toEqual(Object.keys(LAB_EXPLANATIONS).sort());
    // Every TCP behaviour the model claims names its specification.
    for (const b of LAB_TCP_BEHAVIOURS) expect(b.rfc).toMatch(/RFC \d+/);
  });
});
