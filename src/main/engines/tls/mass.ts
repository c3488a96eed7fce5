// Mass scans: many targets, a fixed number inspected at once, each target's summary row handed out as
// soon as it is known (the caller streams it), in finishing order; the final list is in input order.
// A failing target is a row with its error code, never the end of the scan.
import type { TlsMassRow, TlsReport } from '../../../shared/contract/tls';
import { toEngineError } from '../common/errors';

/** The facts a summary table needs from a full report. */
export function massRow(index: number, target: string, r: TlsReport, durationMs: number): TlsMassRow {
  const leaf = r.certificates[0];
  return {
    index,
    target,
    ok: true,
    host: r.host,
    port: r.port,
    grade: r.grade.grade,
    ignoringTrust: r.grade.ignoringTrust,
    trusted: r.validation.trusted,
    problemCount: r.problemCount,
    problems: [
      ...r.validation.problems.filter((p) => p.severity !== 'info').map((p) => p.code),
      ...(r.scan?.weaknesses.filter((w) => w.status === 'vulnerable').map((w) => w.id) ?? []),
    ],
    protocol: r.handshake.protocol,
    notAfter: leaf?.notAfter,
    daysLeft: leaf?.daysLeft,
    subject: leaf?.subject,
    issuer: leaf?.issuer,
    clientsReached: r.clients?.filter((c) => c.ok).length,
    clientsTotal: r.clients?.length,
    durationMs,
  };
}

export interface MassOptions {
  concurrency: number;
  signal: AbortSignal;
  inspect(target: string, index: number): Promise<TlsReport>;
  onRow(row: TlsMassRow, done: number): void;
}

/** Runs the pool; resolves with every row in input order (targets not started when cancelled are left out). */
export async function runMass(targets: readonly string[], o: MassOptions): Promise<TlsMassRow[]> {
  const rows: TlsMassRow[] = [];
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (!o.signal.aborted) {
      const index = next++;
      const target = targets[index];
      if (target === undefined) return;
      const t0 = performance.now();
      let row: TlsMassRow;
      try {
        row = massRow(index, target, await o.inspect(target, index), performance.now() - t0);
      } catch (err) {
        if (o.signal.aborted) return;
        const e = toEngineError(err);
        row = {
          index,
          target,
          ok: false,
          code: e.code,
          message: e.message,
          durationMs: performance.now() - t0,
        };
      }
      rows.push(row);
      o.onRow(row, ++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency, targets.length) }, worker));
  return rows.sort((a, b) => a.index - b.index);
}
