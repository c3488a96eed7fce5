// Backend selection. Each strategy picks one of the candidates the balancer passes in (already
// filtered to backends that are up, enabled, not draining and below their own cap), so a strategy
// knows nothing of health, limits or retries — only its own bookkeeping.
import type { LbStrategy } from '../../../shared/contract/lb';

/** What a strategy may read and keep per backend. */
export interface Pickable {
  readonly id: string;
  /** Insertion order; gives round robin a stable cycle as backends come and go. */
  readonly order: number;
  readonly weight: number;
  /** Connections connecting or established right now. */
  readonly active: number;
  /** Smooth weighted round robin's running weight (nginx's `current_weight`). */
  currentWeight: number;
  /** Key on the hash ring: stable across restarts so the same backend keeps the same clients. */
  readonly ringKey: string;
}

export interface Strategy {
  readonly name: LbStrategy;
  /** `candidates` is never empty and is in insertion order. `clientKey` is the client's address. */
  pick(candidates: readonly Pickable[], clientKey: string): Pickable;
  /** Called when the set of backends or their weights change. */
  reset(all: readonly Pickable[]): void;
}

/** Plain rotation in insertion order, weights ignored (the classic round robin). */
export class RoundRobin implements Strategy {
  readonly name = 'rr' as const;
  private lastOrder = -1;
  pick(candidates: readonly Pickable[]): Pickable {
    let chosen = candidates[0] as Pickable;
    for (const c of candidates) {
      if (c.order > this.lastOrder) {
        chosen = c;
        break;
      }
    }
    this.lastOrder = chosen.order;
    return chosen;
  }
  reset(): void {}
}

/**
 * nginx's smooth weighted round robin: every pick adds each candidate's weight to its current weight,
 * takes the largest, and subtracts the total from the winner. Weights 5,1,1 give a a b a c a a — spread
 * out rather than a a a a a b c — and the counts over any window of sum(weights) picks are exact.
 */
export class SmoothWeighted implements Strategy {
  readonly name = 'wrr' as const;
  pick(candidates: readonly Pickable[]): Pickable {
    let total = 0;
    let best: Pickable | undefined;
    for (const c of candidates) {
      c.currentWeight += c.weight;
      total += c.weight;
      if (!best || c.currentWeight > best.currentWeight) best = c;
    }
    const chosen = best as Pickable;
    chosen.currentWeight -= total;
    return chosen;
  }
  reset(all: readonly Pickable[]): void {
    for (const b of all) b.currentWeight = 0;
  }
}

/** Fewest active connections relative to weight (HAProxy `leastconn`); ties rotate. */
export class LeastConnections implements Strategy {
  readonly name = 'leastconn' as const;
  private readonly tieBreak = new RoundRobin();
  pick(candidates: readonly Pickable[]): Pickable {
    let best = Infinity;
    const ties: Pickable[] = [];
    for (const c of candidates) {
      const load = c.active / c.weight;
      if (load < best) {
        best = load;
        ties.length = 0;
        ties.push(c);
      } else if (load === best) ties.push(c);
    }
    return ties.length === 1 ? (ties[0] as Pickable) : this.tieBreak.pick(ties);
  }
  reset(): void {}
}

/** Two random candidates, the less loaded (by active/weight) wins: near-leastconn without a scan. */
export class PowerOfTwo implements Strategy {
  readonly name = 'p2c' as const;
  constructor(private readonly random: () => number = Math.random) {}
  pick(candidates: readonly Pickable[]): Pickable {
    const n = candidates.length;
    if (n === 1) return candidates[0] as Pickable;
    const i = Math.floor(this.random() * n);
    let j = Math.floor(this.random() * (n - 1));
    if (j >= i) j += 1;
    const a = candidates[i] as Pickable;
    const b = candidates[j] as Pickable;
    return b.active / b.weight < a.active / a.weight ? b : a;
  }
  reset(): void {}
}

/** 32-bit FNV-1a followed by murmur3's finaliser, so nearby keys land far apart on the ring. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Points per unit of weight: ketama's 160 keeps the spread between backends within a few percent. */
export const RING_POINTS_PER_WEIGHT = 160;

/**
 * A consistent-hash ring (ketama style): each backend owns `weight × 160` points; a client goes to the
 * owner of the first point at or after its hash. Adding or removing one backend only moves the clients
 * whose points it gains or loses — about 1/n of them — instead of reshuffling everyone as `hash % n` would.
 */
export class HashRing {
  private points = new Uint32Array(0);
  private owners: Pickable[] = [];
  private distinct = 0;

  build(backends: readonly Pickable[]): void {
    const entries: { p: number; b: Pickable }[] = [];
    for (const b of backends) {
      const n = b.weight * RING_POINTS_PER_WEIGHT;
      for (let i = 0; i < n; i++) entries.push({ p: hash32(`${b.ringKey}-${i}`), b });
    }
    // Ties (rare) are ordered by ring key so the ring does not depend on insertion order.
    entries.sort((x, y) => x.p - y.p || (x.b.ringKey < y.b.ringKey ? -1 : x.b.ringKey > y.b.ringKey ? 1 : 0));
    this.points = Uint32Array.from(entries, (e) => e.p);
    this.owners = entries.map((e) => e.b);
    this.distinct = new Set(this.owners).size;
  }

  get size(): number {
    return this.points.length;
  }

  /** The first owner clockwise from the key's hash that `accept` allows, or undefined. */
  lookup(key: string, accept: (b: Pickable) => boolean): Pickable | undefined {
    const n = this.points.length;
    if (n === 0) return undefined;
    const h = hash32(key);
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.points[mid] as number) < h) lo = mid + 1;
      else hi = mid;
    }
    // Usually the first owner is accepted; walking on is for a backend that is down or full.
    let rejected: Set<Pickable> | undefined;
    for (let k = 0; k < n; k++) {
      const owner = this.owners[(lo + k) % n] as Pickable;
      if (rejected?.has(owner)) continue;
      if (accept(owner)) return owner;
      rejected ??= new Set();
      rejected.add(owner);
      if (rejected.size === this.distinct) break;
    }
    return undefined;
  }
}

/** Source-address hash over the consistent ring; a client whose backend is unavailable moves to the next. */
export class SourceHash implements Strategy {
  readonly name = 'hash' as const;
  private readonly ring = new HashRing();
  pick(candidates: readonly Pickable[], clientKey: string): Pickable {
    const allowed = new Set(candidates);
    return this.ring.lookup(clientKey, (b) => allowed.has(b)) ?? (candidates[0] as Pickable);
  }
  reset(all: readonly Pickable[]): void {
    this.ring.build(all);
  }
}

export function createStrategy(name: LbStrategy): Strategy {
  switch (name) {
    case 'rr':
      return new RoundRobin();
    case 'wrr':
      return new SmoothWeighted();
    case 'leastconn':
      return new LeastConnections();
    case 'p2c':
      return new PowerOfTwo();
    case 'hash':
      return new SourceHash();
  }
}
