// What makes a benchmark figure trustworthy on a shared machine:
//  - every figure comes from at least MIN_ROUNDS rounds, the subject and its reference interleaved
//    (A-B, B-A, A-B … so a noisy neighbour hurts both alike), and the ratio is taken per round (paired);
//  - the figure is the median of those ratios, reported with its spread (min–max and the quartiles);
//  - where wall time is at the mercy of the neighbours, the figure that decides is CPU time per unit of
//    work of the measured process (cpuMicrosOfPid for external processes such as HAProxy, /proc; or
//    process.cpuUsage() inside a child);
//  - a figure whose quartile range straddles its target says "inconclusive" instead of pass or fail.
import { readFileSync } from 'node:fs';

export const MIN_ROUNDS = 5;

export interface Spread {
  n: number;
  median: number;
  min: number;
  max: number;
  /** First and third quartile (linear interpolation between the sorted samples). */
  q1: number;
  q3: number;
}

export type Verdict = 'pass' | 'fail' | 'inconclusive';

function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function spreadOf(samples: readonly number[]): Spread {
  const xs = samples.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (xs.length === 0) return { n: 0, median: NaN, min: NaN, max: NaN, q1: NaN, q3: NaN };
  return {
    n: xs.length,
    median: quantile(xs, 0.5),
    min: xs[0]!,
    max: xs[xs.length - 1]!,
    q1: quantile(xs, 0.25),
    q3: quantile(xs, 0.75),
  };
}

/**
 * Pass when the whole quartile range is at or above the target (ratios are "higher is better"), fail
 * when all of it is below, inconclusive when the range straddles the target — the spread is wider than
 * the median's margin to it — or when fewer than MIN_ROUNDS rounds were measured.
 */
export function verdictOf(s: Spread, target: number): Verdict {
  if (s.n < MIN_ROUNDS || !Number.isFinite(s.median)) return 'inconclusive';
  if (s.q1 >= target) return 'pass';
  if (s.q3 < target) return 'fail';
  return 'inconclusive';
}

/** Round r's running order: forward on even rounds, reversed on odd ones (A-B-B-A-A-B …). */
export function roundOrder<T>(items: readonly T[], round: number): T[] {
  return round % 2 === 0 ? [...items] : [...items].reverse();
}

/**
 * Runs every candidate once per round, interleaved, for `rounds` rounds (at least MIN_ROUNDS); returns
 * each candidate's results in round order, so results[k][r] and results[j][r] are the same round.
 */
export async function interleaved<K extends string, R>(
  candidates: readonly { key: K; run: (round: number) => Promise<R> }[],
  rounds: number,
): Promise<Map<K, R[]>> {
  const n = Math.max(MIN_ROUNDS, rounds);
  const out = new Map<K, R[]>(candidates.map((c) => [c.key, []]));
  for (let r = 0; r < n; r++) for (const c of roundOrder(candidates, r)) out.get(c.key)!.push(await c.run(r));
  return out;
}

/** Per-round ratios subject/reference (or reference/subject when lower is better). */
export function pairedRatios(
  subject: readonly number[],
  reference: readonly number[],
  lowerIsBetter = false,
): number[] {
  const n = Math.min(subject.length, reference.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++)
    out.push(lowerIsBetter ? reference[i]! / subject[i]! : subject[i]! / reference[i]!);
  return out;
}

/** user+system CPU time of any process in µs, from /proc/<pid>/stat (Linux; clock ticks of 10 ms). */
export function cpuMicrosOfPid(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1_000_000) / 100;
}

/** user+system CPU time of this process in µs. */
export function cpuMicrosSelf(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

export function fmtSpread(s: Spread, digits = 3): string {
  const f = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(digits));
  return `${f(s.median)} [${f(s.min)}–${f(s.max)}, IQR ${f(s.q1)}–${f(s.q3)}, n=${s.n}]`;
}
