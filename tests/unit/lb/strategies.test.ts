import { describe, expect, it } from 'vitest';
import {
  HashRing,
  LeastConnections,
  PowerOfTwo,
  RoundRobin,
  SmoothWeighted,
  SourceHash,
  hash32,
  type Pickable,
} from '../../../src/main/engines/load-balancer/strategies';

function backends(weights: number[]): (Pickable & { active: number })[] {
  return weights.map((weight, i) => ({
    id: String.fromCharCode(97 + i),
    order: i,
    weight,
    active: 0,
    currentWeight: 0,
    ringKey: `10.0.0.${i + 1}:80`,
  }));
}

describe('strategies', () => {
  it('round robin cycles in insertion order and continues correctly when a backend leaves the candidates', () => {
    const b = backends([1, 1, 1]);
    const rr = new RoundRobin();
    expect(Array.from({ length: 6 }, () => rr.pick(b).id).join('')).toBe('abcabc');
    const withoutB = [b[0]!, b[2]!];
    expect(Array.from({ length: 4 }, () => rr.pick(withoutB).id).join('')).toBe('acac');
  });

  it("smooth weighted round robin gives nginx's sequence for 5,1,1 and exact counts per cycle", () => {
    const b = backends([5, 1, 1]);
    const w = new SmoothWeighted();
    expect(Array.from({ length: 7 }, () => w.pick(b).id).join('')).toBe('aabacaa');
    const b2 = backends([1, 2, 3]);
    const w2 = new SmoothWeighted();
    const counts: Record<string, number> = {};
    for (let i = 0; i < 600; i++) {
      const id = w2.pick(b2).id;
      counts[id] = (counts[id] ?? 0) + 1;
    }
    expect(counts).toEqual({ a: 100, b: 200, c: 300 });
  });

  it('least connections picks the lowest active/weight and rotates ties', () => {
    const b = backends([1, 1, 2]);
    const lc = new LeastConnections();
    b[0]!.active = 2;
    b[1]!.active = 1;
    b[2]!.active = 2; // 2/2 = 1 ties with b
    const picks = [lc.pick(b).id, lc.pick(b).id];
    expect(new Set(picks)).toEqual(new Set(['b', 'c']));
    b[1]!.active = 0;
    expect(lc.pick(b).id).toBe('b');
  });

  it('p2c returns the less loaded of its two draws and never the same backend twice in one draw', () => {
    const b = backends([1, 1, 1]);
    b[0]!.active = 10;
    const seq = [0.1, 0.1]; // i = 0 (a), j = 0 → shifted to 1 (b)
    const p = new PowerOfTwo(() => seq.shift() ?? 0);
    expect(p.pick(b).id).toBe('b');
  });

  it('hash32 spreads nearby keys', () => {
    const hs = new Set(Array.from({ length: 1000 }, (_, i) => hash32(`10.0.0.${i}`) >>> 24));
    expect(hs.size).toBeGreaterThan(200);
  });

  it('the consistent ring moves about 1/n of keys when a backend is added, all of them to the new backend', () => {
    const three = backends([1, 1, 1]);
    const four = [...three, ...backends([1, 1, 1, 1]).slice(3)];
    const r3 = new HashRing();
    r3.build(three);
    const r4 = new HashRing();
    r4.build(four);
    const keys = Array.from({ length: 10_000 }, (_, i) => `192.168.${i >> 8}.${i & 255}`);
    let moved = 0;
    const share: Record<string, number> = {};
    for (const k of keys) {
      const before = r3.lookup(k, () => true)!.id;
      const after = r4.lookup(k, () => true)!.id;
      share[after] = (share[after] ?? 0) + 1;
      if (before !== after) {
        moved += 1;
        expect(after).toBe('d');
      }
    }
    expect(moved / keys.length).toBeGreaterThan(0.18);
    expect(moved / keys.length).toBeLessThan(0.32);
    for (const id of ['a', 'b', 'c', 'd'])
      expect(Math.abs(share[id]! / keys.length - 0.25)).toBeLessThan(0.06);
  });

  it('the ring honours weights and walks past unavailable backends', () => {
    const b = backends([1, 3]);
    const ring = new HashRing();
    ring.build(b);
    const keys = Array.from({ length: 4000 }, (_, i) => `k${i}`);
    const onB = keys.filter((k) => ring.lookup(k, () => true)!.id === 'b').length;
    expect(Math.abs(onB / keys.length - 0.75)).toBeLessThan(0.06);
    expect(keys.every((k) => ring.lookup(k, (x) => x.id !== 'b')!.id === 'a')).toBe(true);
    expect(ring.lookup('x', () => false)).toBeUndefined();
  });

  it('source hash falls back to another candidate when its backend is not among them', () => {
    const b = backends([1, 1]);
    const sh = new SourceHash();
    sh.reset(b);
    const first = sh.pick(b, '1.2.3.4');
    const other = b.find((x) => x !== first)!;
    expect(sh.pick(b, '1.2.3.4')).toBe(first);
    expect(sh.pick([other], '1.2.3.4')).toBe(other);
  });
});
