// One figure of a benchmark section, as written by `npm run bench -- --json FILE`.
import { spreadOf, verdictOf, type Spread, type Verdict } from './harness';

export interface BenchRecord {
  section: string;
  name: string;
  /** The subject's median over the rounds. */
  value: number;
  unit: string;
  /** What the figure is compared with, measured in the same run (e.g. "plain node:net sink"). */
  reference: string | null;
  referenceValue: number | null;
  /** value / referenceValue (or the inverse where lower is better — stated in `name`); the median of the per-round ratios when rounds were measured. */
  ratio: number | null;
  /** The ratio the figure must reach; null where none. */
  target: number | null;
  /** Spread of the per-round ratios (or of the value when there is no reference); null for a single measurement. */
  spread: Spread | null;
  /** 'pass' / 'fail' only when the spread is clear of the target; null when there is no target. */
  verdict: Verdict | null;
  /** What the figure measures: wall-clock time, or CPU time of the measured process per unit of work. */
  basis?: 'wall' | 'cpu' | 'count';
}

export interface BenchOptions {
  /** Shorter rounds (same number of rounds) for a quick look on a busy machine. */
  quick: boolean;
}

export interface BenchSection {
  name: string;
  description: string;
  run(log: (line: string) => void, options: BenchOptions): Promise<BenchRecord[]>;
}

type RecordInput = Omit<BenchRecord, 'section' | 'ratio' | 'spread' | 'verdict'> & {
  ratio?: number | null;
  /** Per-round ratios (paired rounds): the ratio becomes their median and the verdict follows their spread. */
  ratioSamples?: readonly number[];
  /** Per-round values of a figure without a reference. */
  valueSamples?: readonly number[];
};

export function record(section: string, r: RecordInput): BenchRecord {
  const { ratioSamples, valueSamples, ...rest } = r;
  let ratio = r.ratio !== undefined ? r.ratio : r.referenceValue ? r.value / r.referenceValue : null;
  let spread: Spread | null = null;
  if (ratioSamples && ratioSamples.length > 0) {
    spread = spreadOf(ratioSamples);
    ratio = spread.median;
  } else if (valueSamples && valueSamples.length > 0) spread = spreadOf(valueSamples);
  let verdict: Verdict | null = null;
  if (r.target !== null && ratio !== null)
    // A figure from one measurement cannot show its spread: it is never called pass or fail.
    verdict = ratioSamples && spread ? verdictOf(spread, r.target) : 'inconclusive';
  return { section, ...rest, ratio, spread, verdict };
}
