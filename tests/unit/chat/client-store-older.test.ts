// Older pages of a conversation from the client's own store: from memory while it keeps them, then from
// the log (scanned, bounded) — oldest first, contiguous, own messages included, `more` while there are.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientStore } from '../../../src/main/engines/chat/client-store';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function store(path: string, keep: number): ClientStore {
  return new ClientStore({ path, nick: 'ann', fsync: 'never', fsyncIntervalMs: 100, keep });
}

describe('ClientStore older pages', () => {
  it('pages back through a private conversation past what memory keeps, in time order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wirelab-cs-'));
    dirs.push(dir);
    const path = join(dir, 'ann.jsonl');
    const w = store(path, 1000);
    w.load();
    // 10 exchanges with bob, a room message in between (another conversation, must not leak in).
    for (let i = 1; i <= 10; i++) {
      w.record({ k: 'pm', pseq: i, id: `b${i}`, from: 'bob', to: 'ann', text: `b${i}`, at: i * 10 });
      w.record({ k: 'out', id: `a${i}`, to: 'bob', text: `a${i}`, at: i * 10 + 1 });
      w.record({ k: 'ack', id: `a${i}`, to: 'bob', pseq: i, at: i * 10 + 2 });
      w.record({ k: 'msg', room: 'lobby', seq: i, id: `r${i}`, from: 'cy', text: `r${i}`, at: i * 10 + 3 });
    }
    w.record({ k: 'out', id: 'a11', to: 'bob', text: 'a11', at: 200 });
    w.record({ k: 'fail', id: 'a11', code: 'CHAT_NO_SUCH_USER' });
    w.close();

    // Reopened keeping only 4 per conversation: the rest is in the log only.
    const r = store(path, 4);
    r.load();
    const shown = r.messages({ peer: 'bob' }, 100);
    expect(shown.map((m) => m.text)).toEqual(['a9', 'b10', 'a10', 'a11']);
    expect(r.peers()).toEqual(['bob']);
    const texts: string[] = [];
    let before = shown[0]!.id;
    let more = true;
    let pages = 0;
    while (more && pages++ < 20) {
      const page = await r.older({ peer: 'bob' }, before, 5, 1024 * 1024);
      texts.unshift(...page.messages.map((m) => m.text));
      more = page.more;
      if (page.messages.length === 0) break;
      before = page.messages[0]!.id;
    }
    const expected: string[] = [];
    for (let i = 1; i <= 8; i++) expected.push(`b${i}`, `a${i}`);
    expected.push('b9');
    expect(texts).toEqual(expected);
    expect(more).toBe(false);
    // Own messages come back as sent, received as received; memory pages work too.
    const first = await r.older({ peer: 'bob' }, 'a2', 5, 1024 * 1024);
    expect(first.messages.map((m) => [m.text, m.status, m.from])).toEqual([
      ['b1', 'received', 'bob'],
      ['a1', 'sent', 'ann'],
      ['b2', 'received', 'bob'],
    ]);
    const inMemory = await r.older({ peer: 'bob' }, 'a10', 2, 1024 * 1024);
    expect(inMemory.messages.map((m) => m.text)).toEqual(['a9', 'b10']);
    expect(inMemory.more).toBe(true);
    r.close();
  });
});
