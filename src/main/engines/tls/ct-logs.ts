// The CT log list SCTs are named and verified with. Bundled: data/ct-logs.json, compacted from Chrome's
// all_logs_list.json (log list schema v3) by scripts/ct-log-list.mjs, which also says where each
// snapshot came from. A list can be injected instead (tests use their own log), so nothing here is global.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { TlsCtLog, TlsCtLogState } from '../../../shared/contract/tls';
import { EngineError } from '../common/errors';
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

interface V3Log {
  description?: string;
  log_id?: string;
  key?: string;
  url?: string;
  submission_url?: string;
  log_type?: string;
  state?: Record<string, { timestamp?: string }>;
  temporal_interval?: { start_inclusive?: string; end_exclusive?: string };
  previous_operators?: Array<{ name: string; end_time: string }>;
}
interface V3List {
  log_list_timestamp?: string;
  operators?: Array<{ name?: string; logs?: V3Log[]; tiled_logs?: V3Log[] }>;
}

/** A list in Chrome's own format (log_list.json or all_logs_list.json, schema v3), as a user downloads it. */
export function ctLogListFromV3(json: V3List, source: string, fallbackDate: string): CtLogList {
  const logs: CtLogEntry[] = [];
  for (const op of json.operators ?? [])
    for (const [entries, tiled] of [
      [op.logs ?? [], false],
      [op.tiled_logs ?? [], true],
    ] as const)
      for (const l of entries) {
        if (typeof l.key !== 'string' || typeof l.log_id !== 'string') continue;
        // The id is the key's hash by definition: an entry where it is not is skipped, not trusted.
        if (createHash('sha256').update(Buffer.from(l.key, 'base64')).digest('base64') !== l.log_id) continue;
        const state = Object.keys(l.state ?? {}).find((k) => STATES.includes(k)) as TlsCtLogState | undefined;
        logs.push({
          id: l.log_id,
          key: l.key,
          name: l.description ?? l.log_id,
          operator: op.name ?? 'unknown operator',
          ...(state ? { state, stateAt: l.state?.[state]?.timestamp } : {}),
          start: l.temporal_interval?.start_inclusive,
          end: l.temporal_interval?.end_exclusive,
          url: l.url ?? l.submission_url,
          ...(tiled ? { tiled } : {}),
          ...(l.log_type ? { type: l.log_type } : {}),
          ...(l.previous_operators?.length
            ? { previousOperators: l.previous_operators.map((p) => ({ name: p.name, until: p.end_time })) }
            : {}),
        });
      }
  const snapshot = json.log_list_timestamp ?? fallbackDate;
  return ctLogListFrom({ format: 1, sources: [{ url: source, snapshot, logs: logs.length }], logs });
}

/** A CT log list file: Chrome's v3 format or Wirelab's compact one, at most `maxBytes`. */
export function loadCtLogListFile(path: string, maxBytes: number): CtLogList {
  let json: unknown;
  let mtime: string;
  try {
    const st = statSync(path);
    if (st.size > maxBytes)
      throw new EngineError(
        'INVALID_INPUT',
        `CT log list ${path}: ${st.size} bytes, more than the ${maxBytes}-byte limit`,
      );
    mtime = st.mtime.toISOString();
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    if (err instanceof EngineError) throw err;
    throw new EngineError('INVALID_INPUT', `CT log list ${path}: ${(err as Error).message}`);
  }
  const list =
    typeof json === 'object' && json !== null && Array.isArray((json as CtLogListFile).logs)
      ? ctLogListFrom(json as CtLogListFile)
      : ctLogListFromV3(json as V3List, path, mtime);
  if (list.logs.size === 0)
    throw new EngineError('INVALID_INPUT', `CT log list ${path}: no usable log in it`);
  return list;
}

/** The lists an inspector uses: the default (injected or bundled), and files named per inspection, kept a few at a time. */
export class CtLogLists {
  private fallback: CtLogList | undefined;
  private readonly files = new Map<string, { stamp: string; list: CtLogList }>();

  constructor(
    private readonly injected: CtLogList | undefined,
    private readonly maxBytes: number,
  ) {}

  get(path?: string): CtLogList {
    if (!path) return (this.fallback ??= this.injected ?? bundledCtLogList());
    let stamp = '';
    try {
      const st = statSync(path);
      stamp = `${st.size}:${st.mtimeMs}`;
    } catch {
      // loadCtLogListFile reports it
    }
    const hit = this.files.get(path);
    if (hit && hit.stamp === stamp) return hit.list;
    const list = loadCtLogListFile(path, this.maxBytes);
    if (this.files.size >= 4) this.files.delete(this.files.keys().next().value ?? '');
    this.files.set(path, { stamp, list });
    return list;
  }
}
