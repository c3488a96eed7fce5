import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { z } from 'zod';
import { JsonFile, writeFileAtomic, type StorageProblem } from '../../../src/main/storage/json-file';
import { openDataDir } from '../../../src/main/storage/data-dir';
import { Settings } from '../../../src/shared/contract';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'wirelab-unit-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('JsonFile', () => {
  it('missing file → defaults; save then load round-trips; no temp files left', () => {
    const dir = tmp();
    const f = new JsonFile(join(dir, 'settings.json'), Settings, () => undefined);
    expect(f.load()).toEqual({ theme: 'system', logLimit: 10_000, textView: 'utf8', lanDiscovery: true });
    f.save({ theme: 'dark', logLimit: 500, textView: 'hex', lanDiscovery: false });
    expect(f.load()).toEqual({ theme: 'dark', logLimit: 500, textView: 'hex', lanDiscovery: false });
    expect(readdirSync(dir)).toEqual(['settings.json']);
  });

  it.each([
    ['not json', '{"theme": "dark",'],
    ['wrong shape', '{"theme": "purple"}'],
  ])('a corrupt file (%s) is set aside and reported, never overwritten silently', (_name, text) => {
    const dir = tmp();
    const path = join(dir, 'settings.json');
    writeFileSync(path, text);
    const problems: StorageProblem[] = [];
    const f = new JsonFile(path, Settings, (p) => problems.push(p));
    expect(f.load().theme).toBe('system');
    expect(problems).toHaveLength(1);
    expect(existsSync(path)).toBe(false);
    expect(readFileSync(problems[0]!.movedTo, 'utf8')).toBe(text);
  });

  it('writeFileAtomic replaces the whole file', () => {
    const dir = tmp();
    const p = join(dir, 'x.json');
    writeFileAtomic(p, 'a'.repeat(10_000));
    writeFileAtomic(p, 'b');
    expect(readFileSync(p, 'utf8')).toBe('b');
  });

  it('load tolerates extra schema defaults', () => {
    const dir = tmp();
    const f = new JsonFile(join(dir, 'a.json'), z.object({ n: z.number().default(3) }), () => undefined);
    expect(f.load()).toEqual({ n: 3 });
  });
});

describe('data dir lock', () => {
  it('a second instance on the same dir is DATA_DIR_LOCKED; release frees it', () => {
    const dir = tmp();
    const first = openDataDir(dir);
    expect(() => openDataDir(dir)).toThrow(expect.objectContaining({ code: 'DATA_DIR_LOCKED' }));
    first.release();
    openDataDir(dir).release();
  });

  it('a lock held by another live process is respected', () => {
    const dir = tmp();
    const child = spawn('sleep', ['30']);
    try {
      writeFileSync(join(dir, 'wirelab.lock'), String(child.pid));
      expect(() => openDataDir(dir)).toThrow(expect.objectContaining({ code: 'DATA_DIR_LOCKED' }));
    } finally {
      child.kill();
    }
  });

  it('a stale lock from a dead process is taken over', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'wirelab.lock'), '999999');
    const d = openDataDir(dir);
    expect(readFileSync(join(dir, 'wirelab.lock'), 'utf8')).toBe(String(process.pid));
    d.release();
    expect(existsSync(join(dir, 'wirelab.lock'))).toBe(false);
  });
});
