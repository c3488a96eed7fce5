// Reading and writing workspace.json. A file that does not parse or validate, or that a newer Wirelab
// wrote, is never overwritten: it is moved aside (`workspace.json.corrupt-<time>` / `.newer-<time>`), the
// workspace starts from defaults and the notice says where the old file went. Writes are atomic
// (writeFileAtomic: temp file, fsync, rename) and checked against WORKSPACE_LIMITS before any byte is
// written, so a kill mid-save leaves the previous version.
import { readFileSync, renameSync } from 'node:fs';
import {
  WORKSPACE_LIMITS,
  WORKSPACE_VERSION,
  WorkspaceFile,
  type WorkspaceNotice,
} from '../../shared/contract/workspace';
import { EngineError } from '../engines/common/errors';
import { writeFileAtomic } from '../storage/json-file';

export function emptyWorkspace(): WorkspaceFile {
  return WorkspaceFile.parse({ version: WORKSPACE_VERSION });
}

export interface LoadedWorkspace {
  workspace: WorkspaceFile;
  notice?: WorkspaceNotice;
}

function setAside(path: string, kind: WorkspaceNotice['kind'], message: string): LoadedWorkspace {
  const movedTo = `${path}.${kind}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  try {
    renameSync(path, movedTo);
  } catch (err) {
    throw new EngineError('STORAGE_WRITE_FAILED', `${path}: ${(err as Error).message}`, { cause: err });
  }
  return { workspace: emptyWorkspace(), notice: { kind, file: path, movedTo, message } };
}

export function loadWorkspace(path: string): LoadedWorkspace {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { workspace: emptyWorkspace() };
    throw new EngineError('STORAGE_CORRUPT', `${path}: ${(err as Error).message}`, { cause: err });
  }
  if (Buffer.byteLength(text) > WORKSPACE_LIMITS.maxFileBytes)
    return setAside(path, 'corrupt', `larger than ${WORKSPACE_LIMITS.maxFileBytes} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return setAside(path, 'corrupt', (err as Error).message);
  }
  const version = (raw as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version > WORKSPACE_VERSION)
    return setAside(
      path,
      'newer',
      `written by a newer Wirelab (workspace version ${version}; this one reads ${WORKSPACE_VERSION})`,
    );
  const parsed = WorkspaceFile.safeParse(raw);
  if (!parsed.success)
    return setAside(
      path,
      'corrupt',
      parsed.error.issues.map((i) => `${i.path.join('.') || 'root'}: ${i.message}`).join('; '),
    );
  return { workspace: parsed.data };
}

/** Checks one persisted value against maxValueBytes; returns its serialised size. */
export function checkValues(values: Record<string, unknown>): number {
  const keys = Object.keys(values);
  if (keys.length > WORKSPACE_LIMITS.maxValues)
    throw new EngineError(
      'LIMIT_EXCEEDED',
      `${keys.length} saved values; at most ${WORKSPACE_LIMITS.maxValues}`,
    );
  let total = 0;
  for (const key of keys) {
    const bytes = Buffer.byteLength(JSON.stringify(values[key]) ?? '');
    if (bytes > WORKSPACE_LIMITS.maxValueBytes)
      throw new EngineError(
        'LIMIT_EXCEEDED',
        `saved value "${key.slice(0, 80)}" is ${bytes} bytes; at most ${WORKSPACE_LIMITS.maxValueBytes}`,
      );
    total += bytes;
  }
  return total;
}

/** Writes the workspace atomically; refuses (LIMIT_EXCEEDED) what would exceed maxFileBytes. */
export function saveWorkspace(path: string, workspace: WorkspaceFile): number {
  const text = `${JSON.stringify(workspace)}\n`;
  const bytes = Buffer.byteLength(text);
  if (bytes > WORKSPACE_LIMITS.maxFileBytes)
    throw new EngineError(
      'LIMIT_EXCEEDED',
      `the workspace would be ${bytes} bytes; at most ${WORKSPACE_LIMITS.maxFileBytes}`,
    );
  writeFileAtomic(path, text);
  return bytes;
}
