// A client's history log is compacted at load once it is too large: the rewritten log must replay to
// the same state (messages per conversation with their status, resume points, the outbox) and be smaller.
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientStore, type ClientRecord } from '../../../src/main/engines/chat/client-store';

const dir = mkdtempSync(join(tmpdir(), 'wirelab-client-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function open(path: string, compactAboveBytes = Number.MAX_SAFE_INTEGER): ClientStore {
  const s = new ClientStore({
    path,
    nick: 'me',
    fsync: 'never',
    fsyncIntervalMs: 200,
    keep: 4,
    compactAboveBytes,
  });
  s.load();
  return s;
}

function state(s: ClientStore) {
  return {
    lobby: s.messages({ room: 'lobby' }, 100),
    dev: s.messages({ room: 'dev' }, 100),
    bob: s.messages({ peer: 'bob' }, 100),
    lastSeq: [...s.lastSeq].sort(),
    inboxSeq: s.inboxSeq,
    outbox: [...s.outbox.keys()].sort(),
  };
}

describe('client log compaction', () => {
  it('replays to the same state, and the log shrinks', async () => {
    const path = join(dir, 'me.jsonl');
    const w = open(path);
    const at = 1_700_000_000_000;
    const rec = (r: ClientRecord) => w.record(r);
    for (let seq = 1; seq <= 30; seq++)
      rec({
        k: 'msg',
        room: 'lobby',
        seq,
        id: `l${seq}`,
        from: 'ann',
        text: `lobby ${seq} ${'x'.repeat(200)}`,
        at: at + seq,
      });
    rec({ k: 'out', id: 'mine-1', room: 'lobby', text: 'my own', at: at + 40 });
    rec({ k: 'ack', id: 'mine-1', room: 'lobby', seq: 31, at: at + 41 });
    rec({ k: 'msg', room: 'dev', seq: 7, id: 'd7', from: 'ann', text: 'dev seven', at: at + 50 });
    for (let pseq = 1; pseq <= 6; pseq++)
      rec({ k: 'pm', pseq, id: `p${pseq}`, from: 'bob', to: 'me', text: `pm ${pseq}`, at: at + 60 + pseq });
    rec({ k: 'out', id: 'to-bob', to: 'bob', text: 'hi bob', at: at + 70 });
    rec({ k: 'ack', id: 'to-bob', to: 'bob', pseq: 3, at: at + 71 });
    rec({ k: 'out', id: 'waiting', room: 'dev', text: 'not acked yet', at: at + 80 });
    rec({ k: 'out', id: 'refused', room: 'dev', text: 'too long', at: at + 81 });
    rec({ k: 'fail', id: 'refused', code: 'CHAT_MESSAGE_TOO_LONG' });
    await new Promise((r) => setImmediate(r));
    w.close();

    const reference = join(dir, 'reference.jsonl');
    copyFileSync(path, reference);
    const expected = state(open(reference));
    expect(expected.lobby.map((m) => m.id)).toEqual(['l28', 'l29', 'l30', 'mine-1']);
    expect(expected.outbox).toEqual(['waiting']);

    const sizeBefore = statSync(path).size;
    const c = open(path, 1);
    expect(c.compacted?.before).toBe(sizeBefore);
    expect(state(c)).toEqual(expected);
    c.close();
    expect(statSync(path).size).toBeLessThan(sizeBefore / 3);
    // The compacted log replays to the same state on its own.
    expect(state(open(path))).toEqual(expected);
  });
});
