// A CT log list given at run time (input ctLogList, CLI --ct-log-list): Chrome's v3 format or the compact
// one, bounded in size, refused with INVALID_INPUT when unreadable, and entries whose id is not their
// key's hash skipped.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCertificate } from '../../../src/main/engines/common/x509-builder';
import { CtLogLists, loadCtLogListFile } from '../../../src/main/engines/tls/ct-logs';
import { verifyScts } from '../../../src/main/engines/tls/ct-verify';
import { parseSctList } from '../../../src/main/engines/tls/sct';
import { createTestLog, sctList, signSct, testLogList, v3LogList } from '../../helpers/ct-log';

const dir = mkdtempSync(join(tmpdir(), 'wirelab-ctfile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const codeOf = (f: () => unknown) => {
  try {
    f();
    return 'no error';
  } catch (err) {
    return (err as { code?: string }).code;
  }
};

describe('CT log list files', () => {
  const log = createTestLog('File Log', 'File Operator');
  const stranger = createTestLog('Stranger', 'Nobody');

  it('a v3 list (as Chrome publishes it) names and verifies; its timestamp is the snapshot', () => {
    const path = join(dir, 'v3.json');
    writeFileSync(path, JSON.stringify(v3LogList([log], '2026-11-30T00:00:00Z')));
    const list = loadCtLogListFile(path, 1 << 20);
    expect(list.snapshot).toBe('2026-11-30T00:00:00Z');
    const leaf = buildCertificate({ commonName: 'x' });
    const sct = signSct(log, { kind: 'x509', certDer: leaf.der }, Date.now() - 1000);
    const [out] = verifyScts(parseSctList(sctList([sct]), 'tls-extension'), {
      leafDer: leaf.der,
      logs: list,
      now: Date.now(),
    });
    expect(out).toMatchObject({
      verification: 'verified',
      log: { name: 'File Log', operator: 'File Operator', state: 'usable' },
    });
  });

  it('an entry whose log id is not its key hash is skipped; a list with none left is refused', () => {
    const forged = { ...log, entry: { ...log.entry, id: stranger.entry.id } };
    const path = join(dir, 'forged.json');
    writeFileSync(path, JSON.stringify(v3LogList([forged, stranger])));
    const list = loadCtLogListFile(path, 1 << 20);
    expect([...list.logs.values()].map((l) => l.name)).toEqual(['Stranger']);
    writeFileSync(path, JSON.stringify(v3LogList([forged])));
    expect(codeOf(() => loadCtLogListFile(path, 1 << 20))).toBe('INVALID_INPUT');
  });

  it('missing, not JSON, or over the size limit: INVALID_INPUT', () => {
    expect(codeOf(() => loadCtLogListFile(join(dir, 'nope.json'), 1 << 20))).toBe('INVALID_INPUT');
    writeFileSync(join(dir, 'bad.json'), '{ not json');
    expect(codeOf(() => loadCtLogListFile(join(dir, 'bad.json'), 1 << 20))).toBe('INVALID_INPUT');
    writeFileSync(join(dir, 'big.json'), JSON.stringify(v3LogList([log])));
    expect(codeOf(() => loadCtLogListFile(join(dir, 'big.json'), 100))).toBe('INVALID_INPUT');
  });

  it('CtLogLists: the injected list by default, a named file instead, re-read when it changes', () => {
    const injected = testLogList([stranger]);
    const lists = new CtLogLists(injected, 1 << 20);
    expect(lists.get()).toBe(injected);
    const path = join(dir, 'changing.json');
    writeFileSync(path, JSON.stringify(v3LogList([log])));
    const first = lists.get(path);
    expect(lists.get(path)).toBe(first);
    writeFileSync(path, JSON.stringify(v3LogList([log, stranger])));
    expect(lists.get(path).logs.size).toBe(2);
    expect(new CtLogLists(undefined, 1 << 20).get().logs.size).toBeGreaterThan(100);
  });
});
