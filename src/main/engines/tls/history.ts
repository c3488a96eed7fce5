// Inspected hosts, newest first, in one JSON file of the data directory (atomic writes; a corrupt file is
// set aside by JsonFile and a fresh history started). Bounded twice: `maxEntries` rows in the list and
// full reports only for the newest `maxReports`, so the file cannot grow without limit.
import { z } from 'zod';
import { TlsHistoryEntry, TlsReport } from '../../../shared/contract/tls';
import { EngineError } from '../common/errors';
import { JsonFile, type StorageProblem } from '../common/json-file';

const HistoryDoc = z.object({
  version: z.literal(1).default(1),
  entries: z.array(TlsHistoryEntry).default([]),
  reports: z.record(z.string(), TlsReport).default({}),
});
type HistoryDoc = z.output<typeof HistoryDoc>;

export class TlsHistory {
  private readonly file: JsonFile<typeof HistoryDoc>;
  private doc: HistoryDoc | undefined;
  readonly problems: StorageProblem[] = [];

  constructor(
    path: string,
    private readonly maxEntries: number,
    private readonly maxReports: number,
  ) {
    this.file = new JsonFile(path, HistoryDoc, (p) => this.problems.push(p));
  }

  private load(): HistoryDoc {
    this.doc ??= this.file.load();
    return this.doc;
  }

  add(report: TlsReport): void {
    const doc = this.load();
    const entry: TlsHistoryEntry = {
      id: report.id,
      host: report.host,
      port: report.port,
      at: report.at,
      grade: report.grade.grade,
      problemCount: report.problemCount,
      protocol: report.handshake.protocol,
      scanned: report.scan !== undefined,
      hasReport: true,
    };
    const entries = [entry, ...doc.entries].slice(0, this.maxEntries);
    const keep = new Set(entries.slice(0, this.maxReports).map((e) => e.id));
    const reports: Record<string, TlsReport> = { [report.id]: report };
    for (const [id, r] of Object.entries(doc.reports)) if (keep.has(id) && id !== report.id) reports[id] = r;
    const next = {
      version: 1 as const,
      entries: entries.map((e) => ({ ...e, hasReport: keep.has(e.id) })),
      reports,
    };
    this.file.save(next);
    this.doc = next;
  }

  list(): TlsHistoryEntry[] {
    return [...this.load().entries];
  }

  report(id: string): TlsReport {
    const r = this.load().reports[id];
    if (!r) throw new EngineError('NOT_FOUND', `no stored report ${id}`);
    return r;
  }

  clear(): number {
    const n = this.load().entries.length;
    const next = { version: 1 as const, entries: [], reports: {} };
    this.file.save(next);
    this.doc = next;
    return n;
  }
}
