// "Load earlier messages": older room history served by the server from its log (seeking through a sparse
// per-room index) once it is older than what the server keeps in memory; paging, the scan byte budget,
// compaction, one frame per answer, and the client/service API with its coded errors.
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { AppendLog } from '../../../src/main/engines/common/append-log';
import { chatContract, type ChatMessage } from '../../../src/shared/contract/chat';
import { createDispatcher } from '../../../src/main/dispatcher/dispatcher';
import { ChatService } from '../../../src/main/engines/chat/service';
import type { ChatClient } from '../../../src/main/engines/chat/client';
import type { ChatServerOptions } from '../../../src/main/engines/chat/server';
import { waitFor } from '../../helpers/net';
import { connectClient, makeClient, receivedRaw, startServer, tempDir } from './helpers';

/** Fast posting: the rate limit is not what these tests are about. */
const FAST: Partial<ChatServerOptions> = { rateLimitPerSec: 50_000, rateLimitBurst: 10_000 };
const SMALL: Partial<ChatServerOptions> = { ...FAST, historyKeep: 100, historyIndexStride: 16 };

const text = (room: string, i: number) => `${room} message ${i} ✓`;

/** Posts n messages to each room, interleaved, and waits until the server acked them all. */
async function post(port: number, rooms: string[], n: number, pad = ''): Promise<void> {
  const { client } = await connectClient(port, 'writer', { rooms });
  await waitFor(() => rooms.every((r) => client.membersOf(r).length > 0), 5000, 'joined');
  for (let i = 1; i <= n; i++) for (const r of rooms) client.send({ room: r }, `${text(r, i)}${pad}`);
  await waitFor(() => client.info().pending === 0, 30_000, 'all acked');
  await client.close();
}

/** Pages back with older() from `before` until the server says there is nothing more (bounded). */
async function pageBack(
  client: ChatClient,
  room: string,
  before: number,
  limit: number,
): Promise<{ pages: { messages: ChatMessage[]; more: boolean }[]; all: ChatMessage[] }> {
  const pages: { messages: ChatMessage[]; more: boolean }[] = [];
  let all: ChatMessage[] = [];
  for (let i = 0; i < 1000; i++) {
    const page = await client.older(room, before, limit);
    pages.push(page);
    // Each page ends right before what we have: contiguous, ascending.
    const seqs = page.messages.map((m) => m.seq!);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, k) => before - seqs.length + k));
    all = [...page.messages, ...all];
    if (!page.more) return { pages, all };
    expect(page.messages.length).toBeGreaterThan(0);
    before = page.messages[0]!.seq!;
  }
  throw new Error('paging did not end');
}

describe('chat: older history from the server log', () => {
  it('after a restart a client pages back to seq 1 in two interleaved rooms: every message once, in order', async () => {
    const dataDir = tempDir();
    const N = 600;
    const first = await startServer({ ...SMALL, dataDir });
    await post(first.port, ['lobby', 'dev'], N);
    await first.server.close();

    // A new server on the same log: memory holds the last 100 per room, the rest is on disk only.
    const { port } = await startServer({ ...SMALL, dataDir });
    const { client, events } = await connectClient(port, 'reader', { rooms: ['lobby', 'dev'] });
    await waitFor(() => client.messages({ room: 'lobby' }).length === 50, 5000, 'history on join');
    await waitFor(() => client.messages({ room: 'dev' }).length === 50, 5000, 'history on join');
    const liveBefore = receivedRaw(events).length;

    for (const room of ['lobby', 'dev']) {
      const oldestShown = client.messages({ room })[0]!.seq!;
      expect(oldestShown).toBe(N - 49);
      const { pages, all } = await pageBack(client, room, oldestShown, 77);
      expect(all.map((m) => m.seq)).toEqual(Array.from({ length: N - 50 }, (_, i) => i + 1));
      expect(all.map((m) => m.text)).toEqual(Array.from({ length: N - 50 }, (_, i) => text(room, i + 1)));
      expect(new Set(all.map((m) => m.id)).size).toBe(N - 50);
      expect(all.every((m) => m.room === room && m.status === 'received' && m.from === 'writer')).toBe(true);
      expect(pages.at(-1)).toMatchObject({ more: false });
      expect(pages.at(-1)!.messages[0]!.seq).toBe(1);
      // Nothing before the first message.
      expect(await client.older(room, 1, 10)).toEqual({ messages: [], more: false });
    }
    // Older pages are handed to the caller only: not ingested into the live, in-order conversation.
    expect(receivedRaw(events).length).toBe(liveBefore);
    expect(client.messages({ room: 'lobby' }, 1000)).toHaveLength(50);
    expect(client.seqOf('lobby')).toBe(N);
    expect(client.info().reconnects).toBe(0);
  }, 180_000);

  it('the scan byte budget: the answer is the contiguous part right before `before`, with more=true', async () => {
    const dataDir = tempDir();
    const N = 400;
    const first = await startServer({ ...SMALL, dataDir });
    await post(first.port, ['lobby', 'dev'], N);
    await first.server.close();

    // A budget below two index stretches (16 lobby + 16 dev messages each): one stretch per request.
    const { port } = await startServer({ ...SMALL, dataDir, historyScanBytes: 2048 });
    const { client } = await connectClient(port, 'reader', { rooms: ['lobby'] });
    await waitFor(() => client.messages({ room: 'lobby' }).length === 50, 5000, 'history on join');
    const before = N - 100; // the oldest one in memory is N-99: everything asked for is on disk
    const page = await client.older('lobby', before, 200);
    expect(page.more).toBe(true);
    expect(page.messages.length).toBeGreaterThan(0);
    expect(page.messages.length).toBeLessThanOrEqual(16);
    expect(page.messages.at(-1)!.seq).toBe(before - 1);
    // Paging on still gets everything, exactly once, in order.
    const { pages, all } = await pageBack(client, 'lobby', before, 200);
    expect(pages.length).toBeGreaterThan(10);
    expect(all.map((m) => m.text)).toEqual(
      Array.from({ length: before - 1 }, (_, i) => text('lobby', i + 1)),
    );
  }, 180_000);

  it('after compaction: older than kept answers what is kept and more=false; the rebuilt index still serves', async () => {
    const dataDir = tempDir();
    const N = 300;
    const first = await startServer({ ...SMALL, dataDir });
    await post(first.port, ['lobby', 'dev'], N);
    await first.server.close();

    const second = await startServer({ ...SMALL, dataDir, compactAboveBytes: 1000 });
    expect(second.server.loadReport.compacted).toBeDefined();
    const { client } = await connectClient(second.port, 'reader', { rooms: ['lobby'] });
    await waitFor(() => client.messages({ room: 'lobby' }).length === 50, 5000, 'history on join');
    // The log now starts at N-99 for each room.
    expect(await client.older('lobby', N - 99, 50)).toEqual({ messages: [], more: false });
    const kept = await client.older('lobby', N - 20, 500);
    expect(kept.more).toBe(false);
    expect(kept.messages.map((m) => m.seq)).toEqual(Array.from({ length: 79 }, (_, i) => N - 99 + i));
    await client.close();

    // 150 more: the kept ones leave memory and must be found in the compacted file through the index
    // rebuilt with the new offsets.
    await post(second.port, ['lobby'], 150);
    const { client: late } = await connectClient(second.port, 'late', { rooms: ['lobby'] });
    await waitFor(() => late.messages({ room: 'lobby' }).length === 50, 5000, 'history on join');
    const { all } = await pageBack(late, 'lobby', N + 150 - 49, 60);
    expect(all.map((m) => m.seq)).toEqual(Array.from({ length: 200 }, (_, i) => N - 99 + i));
    expect(all.slice(0, 100).map((m) => m.text)).toEqual(
      Array.from({ length: 100 }, (_, i) => text('lobby', N - 99 + i)),
    );
    expect(all.slice(100).map((m) => m.text)).toEqual(
      Array.from({ length: 100 }, (_, i) => text('lobby', i + 1)),
    );
  }, 180_000);

  it('answers and catch-up never exceed one frame: a long page is cut to fit and says more', async () => {
    const dataDir = tempDir();
    const { port } = await startServer({ ...FAST, dataDir, historyKeep: 1000 });
    const pad = ` ${'x'.repeat(400)}`;
    // A member who is away while 600 long messages arrive catches up when it comes back (join after).
    const storeDir = tempDir();
    const before = await connectClient(port, 'away', { rooms: ['lobby'], storeDir });
    await post(port, ['lobby'], 1, pad);
    await waitFor(() => before.client.seqOf('lobby') === 1, 5000, 'first message');
    await before.client.close();
    await post(port, ['lobby'], 600, pad);
    const { client: back } = await connectClient(port, 'away', { rooms: ['lobby'], storeDir });
    await waitFor(() => back.seqOf('lobby') === 601, 90_000, 'catch-up');
    expect(back.messages({ room: 'lobby' }, 1000).map((m) => m.seq)).toEqual(
      Array.from({ length: 601 }, (_, i) => i + 1),
    );
    expect(back.info().reconnects).toBe(0);

    const { client } = await connectClient(port, 'reader', { rooms: ['lobby'] });
    await waitFor(() => client.messages({ room: 'lobby' }).length === 50, 5000, 'history on join');
    const page = await client.older('lobby', 552, 500);
    expect(page.more).toBe(true);
    expect(page.messages.length).toBeGreaterThan(50);
    expect(page.messages.length).toBeLessThan(200);
    expect(page.messages.at(-1)!.seq).toBe(551);
    expect(client.info().reconnects).toBe(0);
  }, 180_000);

  it('a server with no log serves older history from memory', async () => {
    const { port } = await startServer({ ...FAST, historyKeep: 80 });
    await post(port, ['lobby'], 120);
    const { client } = await connectClient(port, 'reader', { rooms: ['lobby'] });
    await waitFor(() => client.messages({ room: 'lobby' }).length === 50, 5000, 'history on join');
    const { all } = await pageBack(client, 'lobby', 71, 20);
    expect(all.map((m) => m.seq)).toEqual(Array.from({ length: 30 }, (_, i) => 41 + i));
    expect(await client.older('nowhere', 10, 10)).toEqual({ messages: [], more: false });
  });
});

describe('chat: older history, client and service', () => {
  it('through the dispatcher: own messages come back as sent; bad input and offline get coded errors', async () => {
    const chat = new ChatService({ dataDir: tempDir(), discovery: false });
    onTestFinished(() => chat.close());
    const d = createDispatcher({ chat: chatContract }, { chat });
    const call = (m: string, input: unknown) => d.call(`chat.${m}`, input);
    const host = (await call('hostStart', { name: 'older', host: '127.0.0.1', port: 0 })) as {
      value: { port: number; session: string };
    };
    const a = (await call('connect', { host: '127.0.0.1', port: host.value.port, nick: 'alice' })) as {
      value: { session: string };
    };
    const session = a.value.session;
    for (let i = 1; i <= 5; i++) await call('send', { session, room: 'lobby', text: `mine ${i}` });
    await waitFor(
      () => (chat.list().clients[0]?.pending ?? 1) === 0 && chat.list().hosts[0]?.rooms[0]?.lastSeq === 5,
      10_000,
      'acked',
    );
    expect(await call('olderMessages', { session, room: 'lobby', before: 4 })).toEqual({
      ok: true,
      value: {
        more: false,
        messages: [1, 2, 3].map((seq) =>
          expect.objectContaining({ seq, room: 'lobby', from: 'alice', text: `mine ${seq}`, status: 'sent' }),
        ),
      },
    });
    expect(await call('olderMessages', { session, room: 'lobby', before: 6, limit: 2 })).toMatchObject({
      ok: true,
      value: { more: true, messages: [{ seq: 4 }, { seq: 5 }] },
    });

    const bad = [
      [{ session, room: 'lobby', before: -1 }, 'INVALID_INPUT'],
      [{ session, room: 'lobby', before: 0 }, 'INVALID_INPUT'],
      [{ session, room: 'lobby', before: 1.5 }, 'INVALID_INPUT'],
      [{ session, room: 'lobby', before: 5, limit: 0 }, 'INVALID_INPUT'],
      [{ session, room: 'lobby', before: 5, limit: 501 }, 'LIMIT_EXCEEDED'],
      [{ session, room: 'no spaces', before: 5 }, 'CHAT_ROOM_INVALID'],
      [{ session, room: 'lobby', before: 5, extra: 1 }, 'INVALID_INPUT'],
      [{ session: 'chat-99', room: 'lobby', before: 5 }, 'NOT_FOUND'],
    ] as const;
    for (const [input, code] of bad)
      expect(await call('olderMessages', input), JSON.stringify(input)).toMatchObject({
        ok: false,
        error: { code },
      });

    // Offline (the server stopped; the client is reconnecting): refused at once, not queued.
    await call('hostStop', { session: host.value.session });
    await waitFor(() => chat.list().clients[0]?.state !== 'open', 5000, 'offline');
    expect(await call('olderMessages', { session, room: 'lobby', before: 4 })).toMatchObject({
      ok: false,
      error: { code: 'NOT_CONNECTED' },
    });
  });

  it('a server that never answers: TIMEOUT; a request pending at close is rejected, not leaked', async () => {
    // A hand-written server that welcomes and then ignores history requests.
    const seen: Record<string, unknown>[] = [];
    const sockets = new Set<Socket>();
    const srv = createServer((sock) => {
      sockets.add(sock);
      let buf = '';
      sock.on('data', (d) => {
        buf += d.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const f = JSON.parse(buf.slice(0, nl)) as Record<string, unknown>;
          buf = buf.slice(nl + 1);
          seen.push(f);
          if (f.t === 'hello')
            sock.write(
              `${JSON.stringify({
                t: 'welcome',
                v: 1,
                nick: f.nick,
                server: { name: 'silent', tls: false },
                limits: {
                  maxFrameBytes: 65536,
                  maxMessageChars: 100,
                  rateLimitPerSec: 100,
                  rateLimitBurst: 100,
                  maxFileBytes: 1,
                  fileChunkBytes: 1,
                },
                inboxSeq: 0,
                rooms: [],
              })}\n`,
            );
        }
      });
      sock.on('error', () => undefined);
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    onTestFinished(async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => srv.close(r));
    });
    const port = (srv.address() as { port: number }).port;
    const { client } = makeClient(port, 'waiter', { requestTimeoutMs: 150 });
    await client.start();
    await expect(client.older('lobby', 10, 5)).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(seen.find((f) => f.t === 'history')).toMatchObject({
      room: 'lobby',
      before: 10,
      limit: 5,
      ref: expect.any(String),
    });
    expect(seen.find((f) => f.t === 'history')).not.toHaveProperty('after');

    const { client: other } = makeClient(port, 'closer', { requestTimeoutMs: 60_000 });
    await other.start();
    const pending = other.older('lobby', 10, 5);
    const settled = pending.then(
      () => 'resolved',
      (e: { code?: string }) => e.code,
    );
    await other.close();
    expect(await settled).toBe('NOT_CONNECTED');
    await expect(other.older('lobby', 10, 5)).rejects.toMatchObject({ code: 'NOT_CONNECTED' });
  });

  it('an answer with a ref is matched to its request, never taken as live history; refusals carry the ref', async () => {
    const { port } = await startServer({ ...FAST, historyQueuedRequests: 1 });
    await post(port, ['lobby', 'dev'], 30);
    const { client, events } = await connectClient(port, 'reader', { rooms: ['lobby'] });
    await waitFor(() => client.messages({ room: 'lobby' }).length === 30, 5000, 'history on join');
    const live = receivedRaw(events).length;
    // Several at once: each answer goes to its own request (two may be refused: only one may wait).
    const results = await Promise.allSettled([
      client.older('lobby', 11, 5),
      client.older('lobby', 21, 3),
      client.older('lobby', 31, 2),
    ]);
    const ok = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as { code: string }] : []));
    expect(ok.length).toBeGreaterThan(0);
    for (const r of refused) expect(r.code).toBe('CHAT_RATE_LIMITED');
    if (results[0]!.status === 'fulfilled')
      expect(results[0]!.value.messages.map((m) => m.seq)).toEqual([6, 7, 8, 9, 10]);
    if (results[1]!.status === 'fulfilled')
      expect(results[1]!.value.messages.map((m) => m.seq)).toEqual([18, 19, 20]);
    if (results[2]!.status === 'fulfilled')
      expect(results[2]!.value.messages.map((m) => m.seq)).toEqual([29, 30]);
    expect(receivedRaw(events).length).toBe(live);
    // A room this client is not in: the page is the caller's, nothing enters the client's conversations.
    expect((await client.older('dev', 11, 5)).messages.map((m) => m.text)).toEqual(
      [6, 7, 8, 9, 10].map((i) => text('dev', i)),
    );
    await new Promise((r) => setTimeout(r, 50));
    expect(client.messages({ room: 'dev' })).toEqual([]);
    expect(client.seqOf('dev')).toBeUndefined();
    expect(receivedRaw(events).length).toBe(live);
    expect(client.info().state).toBe('open');
  });
});

describe('AppendLog offsets and readFrom', () => {
  it('offsets from load/append/rewrite point at their lines; chunked reads split lines right and stop where told', async () => {
    const path = join(tempDir(), 'log.jsonl');
    const log = new AppendLog(path, { fsync: 'never', fsyncIntervalMs: 10 });
    onTestFinished(() => log.close());
    log.load(() => undefined);
    const records = Array.from({ length: 50 }, (_, i) => ({
      k: i % 3 === 0 ? 'a' : 'b',
      i,
      t: 'é✓'.repeat(i),
    }));
    // The log writes queued records on setImmediate: held back here, queued bytes stay unwritten
    // while the reader awaits, to show it never reads them.
    vi.useFakeTimers({ toFake: ['setImmediate'] });
    let offsets: number[];
    try {
      offsets = records.slice(0, 25).map((r) => log.append(r));
      log.flush();
      const written = log.writtenBytes;
      offsets.push(...records.slice(25).map((r) => log.append(r)));
      expect(log.writtenBytes).toBe(written);
      const early: unknown[] = [];
      expect(await log.readFrom(0, { maxBytes: 1 << 20, chunkBytes: 64 }, (r) => void early.push(r))).toEqual(
        { bytesRead: written, reason: 'end' },
      );
      expect(early).toEqual(records.slice(0, 25));
      log.flush();
    } finally {
      vi.useRealTimers();
    }
    const file = readFileSync(path);
    for (const [i, off] of offsets.entries())
      expect(JSON.parse(file.toString('utf8', off, file.indexOf(0x0a, off)))).toEqual(records[i]);

    // Tiny chunks: every line crosses chunk boundaries; offsets are still those of append().
    const seen: { r: unknown; off: number }[] = [];
    const all = await log.readFrom(offsets[7]!, { maxBytes: 1 << 20, chunkBytes: 7 }, (r, off) => {
      seen.push({ r, off });
    });
    expect(all.reason).toBe('end');
    expect(seen.map((x) => x.r)).toEqual(records.slice(7));
    expect(seen.map((x) => x.off)).toEqual(offsets.slice(7));

    // A byte filter, and the callback stopping the read.
    const filtered: unknown[] = [];
    const stopped = await log.readFrom(
      0,
      { maxBytes: 1 << 20, chunkBytes: 100, contains: Buffer.from('"k":"a"') },
      (r) => filtered.push(r) < 5,
    );
    expect(stopped.reason).toBe('stopped');
    expect(filtered).toEqual(records.filter((r) => r.k === 'a').slice(0, 5));

    // The budget: stops after maxBytes, delivering only the lines complete within them.
    const budgeted: unknown[] = [];
    const b = await log.readFrom(
      0,
      { maxBytes: offsets[10]! + 3, chunkBytes: 64 },
      (r) => void budgeted.push(r),
    );
    expect(b.reason).toBe('budget');
    expect(b.bytesRead).toBe(offsets[10]! + 3);
    expect(budgeted).toEqual(records.slice(0, 10));

    // load() reports the same offsets; rewrite() returns those of the new file.
    log.close();
    const again = new AppendLog(path, { fsync: 'never', fsyncIntervalMs: 10 });
    onTestFinished(() => again.close());
    const loaded: number[] = [];
    again.load((_r, off) => loaded.push(off));
    expect(loaded).toEqual(offsets);
    const kept = records.slice(40);
    const newOffsets = again.rewrite(kept);
    const compacted = readFileSync(path);
    for (const [i, off] of newOffsets.entries())
      expect(JSON.parse(compacted.toString('utf8', off, compacted.indexOf(0x0a, off)))).toEqual(kept[i]);
    expect(again.append({ k: 'after' })).toBe(compacted.length);
  });
});
