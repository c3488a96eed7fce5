// scripts/ct-log-list.mjs, which regenerates the bundled CT log list from Chrome's log_list.json (v3):
// run on a small v3 list in a temp dir, its output must load with ctLogListFrom, keep what a verifier
// needs, merge an older snapshot's dropped logs, and refuse a log whose id is not the hash of its key.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ctLogListFrom, type CtLogListFile } from '../../../src/main/engines/tls/ct-logs';
import { createTestLog } from '../../helpers/ct-log';

const dir = mkdtempSync(join(tmpdir(), 'wirelab-ctlist-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const script = join(import.meta.dirname, '..', '..', '..', 'scripts', 'ct-log-list.mjs');

const a = createTestLog('A', 'Op A').entry;
const b = createTestLog('B', 'Op B').entry;
const old = createTestLog('Old', 'Op A').entry;
const v3 = (logs: Array<typeof a>, extra: object = {}) => ({
  version: '1.0',
  log_list_timestamp: '2026-08-01T00:00:00Z',
  operators: [
    {
      name: 'Op A',
      email: ['a@example.com'],
      logs: logs
        .filter((l) => l.operator === 'Op A')
        .map((l) => ({
          description: l.name,
          log_id: l.id,
          key: l.key,
          url: `https://ct.example/${l.name}/`,
          mmd: 86400,
          state: { usable: { timestamp: '2025-01-01T00:00:00Z' } },
          temporal_interval: {
            start_inclusive: '2026-01-01T00:00:00Z',
            end_exclusive: '2027-01-01T00:00:00Z',
          },
          ...extra,
        })),
    },
    {
      name: 'Op B',
      email: ['b@example.com'],
      tiled_logs: logs
        .filter((l) => l.operator === 'Op B')
        .map((l) => ({
          description: l.name,
          log_id: l.id,
          key: l.key,
          submission_url: `https://ct.example/${l.name}/`,
          monitoring_url: `https://mon.example/${l.name}/`,
          mmd: 60,
          state: { retired: { timestamp: '2026-02-01T00:00:00Z' } },
        })),
    },
  ],
});
const run = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });

describe('scripts/ct-log-list.mjs', () => {
  it('compacts a v3 list and keeps an older snapshot’s dropped logs', () => {
    writeFileSync(join(dir, 'new.json'), JSON.stringify(v3([a, b])));
    writeFileSync(join(dir, 'old.json'), JSON.stringify(v3([a, old])));
    const out = join(dir, 'out.json');
    const r = run(
      '--out',
      out,
      '--list',
      join(dir, 'new.json'),
      '--url',
      'https://example/all_logs_list.json',
      '--date',
      '2026-08-01T00:00:00Z',
      '--list',
      join(dir, 'old.json'),
      '--url',
      'https://example/all_logs_list.json',
      '--date',
      '2026-06-01T00:00:00Z',
      '--via',
      'an older copy',
    );
    expect(r.status, r.stderr).toBe(0);
    const file = JSON.parse(readFileSync(out, 'utf8')) as CtLogListFile;
    expect(file.sources.map((s) => [s.snapshot, s.logs])).toEqual([
      ['2026-08-01T00:00:00Z', 2],
      ['2026-08-01T00:00:00Z', 1],
    ]);
    const list = ctLogListFrom(file);
    expect(list.logs.get(a.id)).toMatchObject({
      name: 'A',
      operator: 'Op A',
      key: a.key,
      state: 'usable',
      stateAt: '2025-01-01T00:00:00Z',
      start: '2026-01-01T00:00:00Z',
      end: '2027-01-01T00:00:00Z',
      url: 'https://ct.example/A/',
      from: 0,
    });
    expect(list.logs.get(b.id)).toMatchObject({
      state: 'retired',
      tiled: true,
      url: 'https://ct.example/B/',
    });
    expect(list.logs.get(old.id)).toMatchObject({ name: 'Old', from: 1 });
    expect(list.source).toContain('via an older copy');
  });

  it('refuses a log whose id is not the SHA-256 of its key', () => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(v3([{ ...a, id: b.id }])));
    const r = run(
      '--out',
      join(dir, 'bad-out.json'),
      '--list',
      join(dir, 'bad.json'),
      '--url',
      'u',
      '--date',
      'd',
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/log_id is not SHA-256 of its key/);
  });
});
