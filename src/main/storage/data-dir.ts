// One data directory per instance. A lock file holding the owner's pid keeps a second instance from
// sharing it (two shells writing the same history would interleave); a lock left by a dead process is
// taken over.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { EngineError } from '../engines/common/errors';

export interface DataDir {
  readonly path: string;
  file(name: string): string;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function defaultBrowserShellDataDir(): string {
  const base = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'wirelab', 'browser-shell');
}

export function openDataDir(dir: string): DataDir {
  const path = resolve(dir);
  mkdirSync(path, { recursive: true });
  const lock = join(path, 'wirelab.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new EngineError('STORAGE_WRITE_FAILED', `${lock}: ${(err as Error).message}`);
      const owner = Number.parseInt(readFileSync(lock, 'utf8'), 10);
      if (Number.isFinite(owner) && alive(owner)) {
        throw new EngineError(
          'DATA_DIR_LOCKED',
          `${path} is in use by process ${owner}; pass another --data-dir`,
        );
      }
      rmSync(lock, { force: true });
    }
  }
  let released = false;
  return {
    path,
    file: (name) => join(path, name),
    release() {
      if (released) return;
      released = true;
      try {
        if (Number.parseInt(readFileSync(lock, 'utf8'), 10) === process.pid) rmSync(lock, { force: true });
      } catch {
        // already gone
      }
    },
  };
}
