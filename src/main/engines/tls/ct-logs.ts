// The CT log list SCTs are named and verified with. Bundled: data/ct-logs.json, compacted from Chrome's
// all_logs_list.json (log list schema v3) by scripts/ct-log-list.mjs, which also says where each
// snapshot came from. A list can be injected instead (tests use their own log), so nothing here is global.
import type { TlsCtLog, TlsCtLogState } from '../../../shared/contract/tls';
import bundled from './data/ct-logs.json' with { type: 'json' };

/** One log as the compact file stores it. */
export interface CtLogEntry {
  /** base64 SHA-256 of `key`. */
  id: string;
  /** base64 DER SubjectPublicKeyInfo. */
  key: string;
  name: string;
  operator: string;
  state?: TlsCtLogState;
  stateAt?: string;
  /** Temporal interval: certificates whose notAfter is in [start, end) are accepted. */
  start?: string;
  end?: string;
  url?: string;
  tiled?: boolean;
  type?: string;
  /** Earlier operators and the last moment each operated the log (Chrome counts the operator at SCT time). */
  previousOperators?: Array<{ name: string; until: string }>;
  /** Index into the file's `sources`. */
  from?: number;
}

export interface CtLogListFile {
  format: number;
  sources: Array<{ url: string; via?: string; snapshot: string; version?: string; logs: number }>;
  logs: CtLogEntry[];
}

export interface CtLogList {
  /** The newest snapshot date the list reflects. */
  snapshot: string;
  /** Where it came from, in words. */
  source: string;
  logs: ReadonlyMap<string, CtLogEntry>;
}

const STATES: readonly string[] = ['pending', 'qualified', 'usable', 'readonly', 'retired', 'rejected'];

/** A list from the compact file format; entries without an id or key are dropped. */
export function ctLogListFrom(file: CtLogListFile): CtLogList {
  const logs = new Map<string, CtLogEntry>();
  for (const l of file.logs) {
    if (typeof l.id !== 'string' || typeof l.key !== 'string') continue;
    logs.set(l.id, { ...l, state: l.state && STATES.includes(l.state) ? l.state : undefined });
  }
  const newest = file.sources[0];
  return {
    snapshot: newest?.snapshot ?? 'unknown',
    source: file.sources
      .map((s) => `${s.url} (snapshot ${s.snapshot}${s.via ? `, via ${s.via}` : ''})`)
      .join('; '),
    logs,
  };
}

/** The list shipped with Wirelab. */
export function bundledCtLogList(): CtLogList {
  return ctLogListFrom(bundled as CtLogListFile);
}

/** The operator of `log` when it issued an SCT at `at` (ms): an earlier one while it still ran the log. */
export function operatorAt(log: CtLogEntry, at: number): string {
  const earlier = (log.previousOperators ?? [])
    .filter((p) => at <= Date.parse(p.until))
    .sort((a, b) => Date.parse(a.until) - Date.parse(b.until))[0];
  return earlier?.name ?? log.operator;
}

/** The contract's view of a log. */
export function describeLog(log: CtLogEntry): TlsCtLog {
  return {
    name: log.name,
    operator: log.operator,
    ...(log.state ? { state: log.state, stateAt: log.stateAt } : {}),
    ...(log.url ? { url: log.url } : {}),
    ...(log.start && log.end ? { interval: { start: log.start, end: log.end } } : {}),
    ...(log.type ? { type: log.type } : {}),
  };
}
