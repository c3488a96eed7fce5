// A 20,000-message room in the browser: a chat server (engine, in the test process, on 127.0.0.1) gets
// 20,000 messages from a protocol client; the browser shell joins and scrolls back to the room's first
// message. The conversation is a virtualised list: the DOM keeps a bounded number of rows however much is
// loaded, new messages follow the end only while the reader is there ("N new messages" otherwise), and
// the keyboard scrolls it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatClient } from '../../src/main/engines/chat/client';
import { ChatServer } from '../../src/main/engines/chat/server';
import { test, expect } from './fixtures';
import { joinFromPage } from './fixtures/chat-join';

/** Posted before the reader joins; three more arrive while it reads: 20,000 in all. */
const N = 19_997;
const TOTAL = N + 3;
/** What the brief of a virtualised list promises: far fewer rows in the DOM than messages loaded. */
const MAX_ROWS = 200;

test('a 20,000-message room scrolls to its first message with a bounded DOM', async ({ app }) => {
  test.setTimeout(420_000);
  const dir = mkdtempSync(join(tmpdir(), 'wirelab-e2e-virtual-'));
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
    for (let i = 1; i <= N; i++)
      poster.send({ room: 'lobby' }, i % 1000 === 7 ? `msg ${i} https://example.test/${i}` : `msg ${i}`);
    await expect.poll(() => poster.info().pending, { timeout: 180_000 }).toBe(0);

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

    // Scroll to the top again and again: each time the page before goes in above, until the beginning.
    const started = Date.now();
    await expect
      .poll(
        async () => {
          await list.evaluate((el) => {
            el.scrollTop = 0;
          });
          return list.getAttribute('data-count');
        },
        { timeout: 300_000, intervals: [100] },
      )
      .toBe(String(TOTAL));
    await list.evaluate((el) => {
      el.scrollTop = 0;
    });
    await expect(app.getByTestId('chat-history-start')).toHaveText('Beginning of #lobby');
    test.info().annotations.push({
      type: 'scroll-back',
      description: `${TOTAL} messages loaded by scrolling to the top in ${Date.now() - started} ms`,
    });
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
