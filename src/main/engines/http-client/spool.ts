// Response bodies larger than the preview live in one folder as `<request>-<time>-<hop>.body`. They are
// temporary by nature: deleted when their response is dropped, when they belong to a redirect hop nobody
// will see, when a body failed half-way, and — for whatever a crash left behind — when the engine starts.
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const SPOOL_SUFFIX = '.body';

/** Deletes every spooled body in `dir` (engine start: nothing refers to them any more). */
export function clearSpool(dir: string): number {
  let removed = 0;
  try {
    for (const f of readdirSync(dir)) {
      if (!f.endsWith(SPOOL_SUFFIX)) continue;
      rmSync(join(dir, f), { force: true });
      removed += 1;
    }
  } catch {
    // A missing folder has nothing to clear.
  }
  return removed;
}

/** Keeps the newest `keep` bodies, so a long session's folder stays bounded even if nobody releases. */
export function pruneSpool(dir: string, keep: number): void {
  try {
    const files = readdirSync(dir)
      .filter((f) => f.endsWith(SPOOL_SUFFIX))
      .map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs }))
      .sort((a, b) => b.t - a.t);
    for (const { f } of files.slice(keep)) rmSync(join(dir, f), { force: true });
  } catch {
    // A missing folder has nothing to prune.
  }
}

export function spoolFile(dir: string, keep: number, id: string, hop: number): string {
  mkdirSync(dir, { recursive: true });
  pruneSpool(dir, keep - 1);
  return join(dir, `${id.replace(/[^A-Za-z0-9_-]/g, '_')}-${Date.now()}-${hop}${SPOOL_SUFFIX}`);
}

export function removeSpooled(file: string | undefined): void {
  if (file) rmSync(file, { force: true });
}
