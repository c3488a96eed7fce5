// One figure of a benchmark section, as written by `npm run bench -- --json FILE`.
export interface BenchRecord {
  section: string;
  name: string;
  value: number;
  unit: string;
  /** What the figure is compared with, measured in the same run (e.g. "plain node:net sink"). */
  reference: string | null;
  referenceValue: number | null;
  /** value / referenceValue (or the inverse where lower is better — stated in `name`). */
  ratio: number | null;
  /** The ratio the figure must reach; null where none. */
  target: number | null;
}

export interface BenchSection {
  name: string;
  description: string;
  run(log: (line: string) => void): Promise<BenchRecord[]>;
}

export function record(
  section: string,
  r: Omit<BenchRecord, 'section' | 'ratio'> & { ratio?: number | null },
): BenchRecord {
  const ratio = r.ratio !== undefined ? r.ratio : r.referenceValue ? r.value / r.referenceValue : null;
  return { section, ...r, ratio };
}
