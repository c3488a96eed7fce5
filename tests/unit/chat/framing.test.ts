import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { LineFramer } from '../../../src/main/engines/common/framing';
import { parseClientFrame, CLIENT_FRAME_TYPES } from '../../../src/main/engines/chat/protocol';
import { TokenBucket } from '../../../src/main/engines/chat/token-bucket';
import { AppendLog } from '../../../src/main/engines/common/append-log';

function lines(framer: LineFramer, ...chunks: string[]): { out: string[]; ok: boolean } {
  const out: string[] = [];
  let ok = true;
  for (const c of chunks) ok = framer.push(Buffer.from(c), (l) => out.push(l)) && ok;
  return { out, ok };
}

describe('LineFramer', () => {
  it('splits on newlines across chunk boundaries, strips CR, keeps multi-byte characters whole', () => {
    const f = new LineFramer(100);
    const euro = Buffer.from('€'); // 3 bytes, split across chunks below
    const out: string[] = [];
    f.push(Buffer.from('ab\r\ncd'), (l) => out.push(l));
    f.push(euro.subarray(0, 1), (l) => out.push(l));
    f.push(Buffer.concat([euro.subarray(1), Buffer.from('\n\nxy')]), (l) => out.push(l));
    expect(out).toEqual(['ab', 'cd€', '']);
    expect(f.pendingBytes).toBe(2);
    expect(f.flush()).toBe('xy');
  });

  it('refuses a line longer than the limit before storing it, newline included', () => {
    expect(lines(new LineFramer(4), 'abc\n').ok).toBe(true);
    expect(lines(new LineFramer(4), 'abcd\n').ok).toBe(false);
    const f = new LineFramer(10);
    const r = lines(f, 'ok\n', '123456', '789012');
    expect(r.out).toEqual(['ok']);
    expect(r.ok).toBe(false);
    // After overflow nothing more is accepted or kept.
    expect(f.push(Buffer.from('\nfine\n'), () => undefined)).toBe(false);
    expect(f.flush()).toBeUndefined();
  });
});

describe('protocol frames', () => {
  it('knows every documented client frame type', () => {
    expect([...CLIENT_FRAME_TYPES].sort()).toEqual(
      [
        'file.accept',
        'file.ack',
        'file.cancel',
        'file.chunk',
        'file.done',
        'file.offer',
        'hello',
        'history',
        'inbox',
        'join',
        'leave',
        'msg',
        'ping',
        'rooms',
        'typing',
        'who',
      ].sort(),
    );
  });

  it.each([
    ['not json', 'CHAT_BAD_FRAME'],
    ['[]', 'CHAT_BAD_FRAME'],
    ['{"x":1}', 'CHAT_BAD_FRAME'],
    ['{"t":"warp"}', 'CHAT_UNKNOWN_FRAME'],
    ['{"t":"msg","id":"a","room":"lobby"}', 'CHAT_BAD_FRAME'],
    ['{"t":"join","room":"has space"}', 'CHAT_ROOM_INVALID'],
    ['{"t":"hello","v":1,"nick":"a b","identity":"12345678"}', 'CHAT_NICK_INVALID'],
  ])('%s → %s', (line, code) => {
    const r = parseClientFrame(line);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.code).toBe(code);
  });

  it('accepts a valid message and ignores unknown extra fields', () => {
    const r = parseClientFrame('{"t":"msg","id":"m1","room":"lobby","text":"<img src=x>","future":true}');
    expect(r).toMatchObject({ ok: true, frame: { t: 'msg', id: 'm1', room: 'lobby', text: '<img src=x>' } });
  });
});

describe('TokenBucket', () => {
  it('allows a burst, then refills at the rate', async () => {
    const b = new TokenBucket(100, 3);
    expect([b.take(), b.take(), b.take(), b.take()]).toEqual([true, true, true, false]);
    expect(b.msUntilToken()).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 30));
    expect(b.take()).toBe(true);
  });
});

describe('AppendLog', () => {
  function dir(): string {
    const d = mkdtempSync(join(tmpdir(), 'wirelab-log-'));
    onTestFinished(() => rmSync(d, { recursive: true, force: true }));
    return d;
  }

  it('writes records before calling back, reloads them, cuts a torn tail and skips a damaged middle line', async () => {
    const path = join(dir(), 'h.jsonl');
    const log = new AppendLog(path, { fsync: 'batch', fsyncIntervalMs: 10 });
    log.load(() => undefined);
    await new Promise<void>((r) => log.append({ n: 1 }, r));
    expect(readFileSync(path, 'utf8')).toBe('{"n":1}\n');
    log.append({ n: 2 });
    log.close();
    appendFileSync(path, 'garbage\n{"n":3}\n{"n":4,"tor');
    const got: unknown[] = [];
    const again = new AppendLog(path, { fsync: 'always', fsyncIntervalMs: 10 });
    const report = again.load((r) => got.push(r));
    expect(got).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(report).toMatchObject({ records: 3, skipped: 1, tornBytes: '{"n":4,"tor'.length });
    await new Promise<void>((r) => again.append({ n: 5 }, r));
    again.close();
    expect(readFileSync(path, 'utf8').split('\n').filter(Boolean).at(-1)).toBe('{"n":5}');
  });

  it('a missing file is an empty history', () => {
    const path = join(dir(), 'sub', 'new.jsonl');
    const log = new AppendLog(path, { fsync: 'never', fsyncIntervalMs: 10 });
    expect(log.load(() => undefined)).toEqual({ records: 0, skipped: 0, tornBytes: 0 });
    log.close();
    writeFileSync(path, '');
  });
});
