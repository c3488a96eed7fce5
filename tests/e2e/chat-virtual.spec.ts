// A 20,000-message room in the browser: a chat server (engine, in the test process, on 127.0.0.1) starts
// on a data dir whose history already holds 19,997 messages — written through the server's own store, as
// a user's older history on disk is — and a protocol client posts three more while the browser shell
// reads, which joins and scrolls back to the room's first message. The conversation is a virtualised
// list: the DOM keeps a bounded number of rows however much is loaded, new messages follow the end only
// while the reader is there ("N new messages" otherwise), and the keyboard scrolls it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatClient } from '../../src/main/engines/chat/client';
import { ChatServer } from '../../src/main/engines/chat/server';
import { CHAT_SERVER_DEFAULTS } from '../../src/main/engines/chat/server-options';
import { ServerState } from '../../src/main/engines/chat/server-state';
import { test, expect } from './fixtures';
import { joinFromPage } from './fixtures/chat-join';
import { scrollBackToBeginning } from './fixtures/chat-list';

/** On disk before the server starts; three more arrive while the reader reads: 20,000 in all. */
const N = 19_997;
const TOTAL = N + 3;
/** What the brief of a virtualised list promises: far fewer rows in the DOM than messages loaded. */
const MAX_ROWS = 200;

test('a 20,000-message room scrolls to its first message with a bounded DOM', async ({ app }) => {
  test.setTimeout(420_000);
  const dir = mkdtempSync(join(tmpdir(), 'wirelab-e2e-virtual-'));
  // The room's history, written by the store the server keeps its log with (posting 19,997 messages one
  // by one over the protocol took most of this test's time and tested nothing the scroll-back needs).
  await writeHistory(dir);
  const server = new ChatServer('e2e-virtual', {
    name: 'Big room',
    host: '127.0.0.1',
    port: 0,
    dataDir: dir,
    rateLimitPerSec: 100_000,
    rateLimitBurst: 100_000,
  });
  const posters: ChatClient[] = [];
  try {
    const { port } = await server.start();
    const poster = new ChatClient('poster', {
      host: '127.0.0.1',
      port,
      nick: 'poster',
      identity: 'poster-e2e',
    });
    posters.push(poster);
    await poster.start();

    await app.getByTestId('nav-chat').click();
    await joinFromPage(app, port, 'reader');

    const list = app.getByTestId('chat-messages');
    const rows = app.getByTestId('chat-message');
    const row = (n: number) => list.locator(`[aria-posinset="${n}"]`);
    await expect(list).toHaveAttribute('data-count', '50');
    await list.scrollIntoViewIfNeeded();
    await expect(row(50)).toContainText(`msg ${N}`);
    await expect(row(50)).toBeInViewport();

    // At the end, a new message is followed into view.
    poster.send({ room: 'lobby' }, 'live one');
    await expect(row(51)).toContainText('live one');
    await expect(row(51)).toBeInViewport();

    // Keyboard: Home goes to the top, which loads the previous page above, keeping the place.
    await list.focus();
    await list.press('Home');
    await expect(list).toHaveAttribute('data-count', '151');
    await expect(row(101)).toBeInViewport();
    await expect(row(101)).toContainText(`msg ${N - 49}`);
    // PageDown moves down a page: the row that was at the top leaves the view.
    await list.press('PageDown');
    await expect(row(101)).not.toBeInViewport();

    // Scrolled up, new messages do not move the view; a button counts them and jumps to them.
    poster.send({ room: 'lobby' }, 'while you read 1');
    poster.send({ room: 'lobby' }, 'while you read 2');
    const jump = app.getByTestId('vlist-new');
    await expect(jump).toHaveText(/2 new messages/);
    await expect(row(153)).not.toBeInViewport();
    await jump.click();
    await expect(row(153)).toContainText('while you read 2');
    await expect(row(153)).toBeInViewport();
    await expect(jump).toHaveCount(0);

    await scrollBackToBeginning(list, TOTAL);
    await expect(app.getByTestId('chat-history-start')).toHaveText('Beginning of #lobby');
    await expect(row(1)).toContainText('msg 1');
    await expect(row(1)).toBeInViewport();
    expect(await rows.count()).toBeLessThan(MAX_ROWS);
    // URLs are links in the rows that render (and only there): one near the top.
    await list.evaluate((el) => {
      el.scrollTop = 0;
    });
    await expect(row(7).getByRole('button', { name: 'https://example.test/7' })).toBeVisible();

    // The middle of the conversation: the rows there, still a bounded DOM.
    await list.evaluate((el) => {
      el.scrollTop = el.scrollHeight / 2;
    });
    await expect(list.locator('[aria-posinset="10000"]')).toBeAttached();
    expect(await rows.count()).toBeLessThan(MAX_ROWS);
    await list.press('End');
    await expect(row(TOTAL)).toBeInViewport();
    expect(await rows.count()).toBeLessThan(MAX_ROWS);
  } finally {
    for (const p of posters) await p.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** 19,997 messages from "poster" in #lobby, in the server's history file under `dir`. */
async function writeHistory(dir: string): Promise<void> {
  const o = CHAT_SERVER_DEFAULTS;
  const state = new ServerState({
    logPath: join(dir, 'history.jsonl'),
    fsync: o.fsync,
    fsyncIntervalMs: o.fsyncIntervalMs,
    historyKeep: o.historyKeep,
    inboxKeep: o.inboxKeep,
    dedupeKeep: Math.max(1000, o.historyKeep),
    compactAboveBytes: o.compactAboveBytes,
  });
  try {
    state.load();
    const poster = state.registerMember('poster', 'poster-e2e', false);
    const lobby = state.createRoom(o.defaultRoom);
    for (let i = 1; i <= N; i++)
      state.addRoomMessage(
        lobby,
        poster,
        `seed-${i}`,
        i % 1000 === 7 ? `msg ${i} https://example.test/${i}` : `msg ${i}`,
        () => undefined,
      );
    await new Promise<void>((resolve) => state.afterWrites(resolve));
  } finally {
    state.close();
  }
}
