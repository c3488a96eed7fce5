// The browser shell client's call bookkeeping and token handling, without a socket or a browser.
import { describe, expect, it } from 'vitest';
import { CallTable } from '../../../src/renderer/api/call-table';
import { takeToken, TOKEN_STORAGE_KEY } from '../../../src/renderer/api/token';

function table() {
  const timers = new Map<number, () => void>();
  let n = 0;
  const t = new CallTable({
    timeoutMs: 1000,
    setTimer: (fn) => {
      timers.set(++n, fn);
      return n;
    },
    clearTimer: (h) => timers.delete(h as number),
  });
  return { t, timers };
}

describe('CallTable', () => {
  it('a call answered NOT_CONNECTED is never sent after the socket comes back', async () => {
    const { t } = table();
    const sent: string[] = [];
    // Queued before the first connection, then the connection fails.
    const p = t.call(
      'tcp.list',
      (id) => `frame-${id}`,
      () => false,
      true,
    );
    t.failAll();
    expect(await p).toMatchObject({ ok: false, error: { code: 'NOT_CONNECTED' } });
    t.flush((f) => (sent.push(f), true));
    expect(sent).toEqual([]);
    // While the link is down (no queueing): fails at once, nothing kept.
    expect(
      await t.call(
        'tcp.list',
        (id) => `frame-${id}`,
        () => false,
        false,
      ),
    ).toMatchObject({
      ok: false,
      error: { code: 'NOT_CONNECTED' },
    });
    t.flush((f) => (sent.push(f), true));
    expect(sent).toEqual([]);
    expect(t.size).toBe(0);
  });

  it('queued start-up calls go out once the socket opens and are answered once', async () => {
    const { t, timers } = table();
    const p = t.call(
      'app.info',
      (id) => `f${id}`,
      () => false,
      true,
    );
    const sent: string[] = [];
    t.flush((f) => (sent.push(f), true));
    t.flush((f) => (sent.push(f), true));
    expect(sent).toEqual(['f1']);
    t.settle(1, { ok: true, value: 42 });
    t.settle(1, { ok: true, value: 43 });
    expect(await p).toEqual({ ok: true, value: 42 });
    expect(timers.size).toBe(0);
  });

  it('a call that timed out is forgotten; a late answer is ignored', async () => {
    const { t, timers } = table();
    const p = t.call(
      'tls.inspect',
      (id) => `f${id}`,
      () => true,
      false,
    );
    [...timers.values()][0]!();
    expect(await p).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
    t.settle(1, { ok: true, value: 1 });
    expect(t.size).toBe(0);
  });
});

describe('takeToken', () => {
  it('keeps the token for the tab and removes it from the address bar', () => {
    const store = new Map<string, string>();
    const storage = {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v),
    };
    const replaced: string[] = [];
    const history = {
      state: null,
      replaceState: (_s: unknown, _t: string, url?: string | URL | null) => void replaced.push(String(url)),
    };
    const token = takeToken(
      { search: '?token=abc&x=1', pathname: '/', hash: '#/tcp/server' },
      history,
      storage,
    );
    expect(token).toBe('abc');
    expect(replaced).toEqual(['/?x=1#/tcp/server']);
    expect(store.get(TOKEN_STORAGE_KEY)).toBe('abc');
    // A reload: the address bar has no token any more, the tab's storage has.
    expect(takeToken({ search: '?x=1', pathname: '/', hash: '' }, history, storage)).toBe('abc');
    expect(replaced).toHaveLength(1);
    expect(takeToken({ search: '', pathname: '/', hash: '' }, history, undefined)).toBe('');
  });
});
