// A JSON document in the data directory, validated by a schema. Writes are atomic (temp file, fsync,
// rename), so a crash leaves the old or the new version, never half of one. A file that does not parse
// or validate is moved aside as `<name>.corrupt-<time>` and reported — never silently overwritten.
import { mkdirSync, readFileSync, renameSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { z } from 'zod';
import { EngineError } from './errors';

export interface StorageProblem {
  file: string;
  movedTo: string;
  message: string;
}

export function writeFileAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeFileSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    throw new EngineError('STORAGE_WRITE_FAILED', `${path}: ${(err as Error).message}`, { cause: err });
  }
}

export class JsonFile<S extends z.ZodType> {
  constructor(
    readonly path: string,
    private readonly schema: S,
    private readonly onProblem: (p: StorageProblem) => void,
  ) {}

  /** Reads the file; missing → the schema's default for `{}`; corrupt → set aside, reported, default. */
  load(): z.output<S> {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return this.schema.parse({});
      throw new EngineError('STORAGE_CORRUPT', `${this.path}: ${(err as Error).message}`, { cause: err });
    }
    let problem: string;
    try {
      const parsed = this.schema.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data;
      problem = parsed.error.issues.map((i) => `${i.path.join('.') || 'root'}: ${i.message}`).join('; ');
    } catch (err) {
      problem = (err as Error).message;
    }
    const movedTo = `${this.path}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    renameSync(this.path, movedTo);
    this.onProblem({ file: this.path, movedTo, message: problem });
    return this.schema.parse({});
  }

  save(value: z.output<S>): void {
    writeFileAtomic(this.path, `${JSON.stringify(value, null, 2)}\n`);
  }
}
