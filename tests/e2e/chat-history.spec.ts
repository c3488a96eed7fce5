// "Load earlier messages" end to end: a chat server (engine, in the test process, on 127.0.0.1) with a
// 180-message room whose older part is on its disk log only; the browser shell joins, shows the last 50,
// and pages back with the button until "Beginning of #lobby", keeping the reader's place. The list is
// virtualised: `data-count` says how many messages it holds, rows carry their position (aria-posinset).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatClient } from '../../src/main/engines/chat/client';
import { ChatServer } from '../../src/main/engines/chat/server';
import { readConversation } from './fixtures/chat-list';
import { test, expect } from './fixtures';
import { joinFromPage } from './fixtures/chat-join';

const N = 180;
const line = (i: number) =>
  i === 2 ? '<img src=x onerror="window.__olderXss=1"><b>history line 2</b>' : `history line ${i}`;

test('Load earlier messages pages a room back to its beginning', async ({ app }, testInfo) => {
  const dir = mkdtempSync(join(tmpdir(), 'wirelab-e2e-history-'));
  // historyKeep 60: the pages before seq 121 come from the server's log, not its memory.
  const options = {
    name: 'History',
    host: '127.0.0.1',
    dataDir: dir,
    historyKeep: 60,
    historyIndexStride: 16,
    rateLimitPerSec: 10_000,
    rateLimitBurst: 1_000,
  };
  let server = new ChatServer('e2e-history', { ...options, port: 0 });
  try {
    const { port } = await server.start();
    const poster = new ChatClient('poster', {
      host: '127.0.0.1',
      port,
      nick: 'poster',
      identity: 'poster-identity-e2e',
    });
    await poster.start();
    for (let i = 1; i <= N; i++) poster.send({ room: 'lobby' }, line(i));
    await expect.poll(() => poster.info().pending, { timeout: 20_000 }).toBe(0);
    await poster.close();

    await app.getByTestId('nav-chat').click();
    await joinFromPage(app, port, 'reader');

    const list = app.getByTestId('chat-messages');
    const messages = app.getByTestId('chat-message');
    const row = (n: number) => list.locator(`[aria-posinset="${n}"]`);
    const earlier = app.getByTestId('chat-load-earlier');
    await expect(list).toHaveAttribute('data-count', '50');
    await expect(row(50)).toContainText('history line 180');
    // Joined at the end of the conversation: its last message is in view.
    await list.scrollIntoViewIfNeeded();
    await expect(row(50)).toBeInViewport();
    await expect(earlier).toHaveText('Load earlier messages');
    await expect(app.getByTestId('chat-history-start')).toHaveCount(0);
    await app.getByTestId('chat-messages').screenshot({ path: testInfo.outputPath('1-button.png') });

    // Scrolling to the top loads the previous page by itself.
    await app.getByTestId('chat-messages').evaluate((el) => {
      el.scrollTop = 0;
    });
    await expect(list).toHaveAttribute('data-count', '150');
    // The message that was first (131) is now the 101st and still in view: the page went in above it.
    await expect(row(101)).toContainText('history line 131');
    await expect(app.getByText('history line 131', { exact: true })).toBeInViewport();
    await expect(row(1)).not.toBeInViewport();
    await app.getByTestId('chat-messages').screenshot({ path: testInfo.outputPath('2-after-one-page.png') });

    // Offline: the click shows the coded error; back online, the next click loads and clears it.
    await server.close();
    await expect(app.getByTestId('chat-state')).toHaveText(/reconnecting|connecting/);
    await earlier.click();
    await expect(app.getByTestId('chat-load-earlier-error')).toHaveAttribute('data-code', 'NOT_CONNECTED');
    await expect(list).toHaveAttribute('data-count', '150');
    await app.getByTestId('chat-messages').screenshot({ path: testInfo.outputPath('3-offline-error.png') });
    server = new ChatServer('e2e-history', { ...options, port });
    await server.start();
    await expect(app.getByTestId('chat-state')).toHaveText('open', { timeout: 20_000 });

    await earlier.click();
    await expect(list).toHaveAttribute('data-count', String(N));
    await expect(app.getByTestId('chat-history-start')).toHaveText('Beginning of #lobby');
    await expect(earlier).toHaveCount(0);
    await expect(app.getByTestId('chat-load-earlier-error')).toHaveCount(0);
    await app.getByTestId('chat-history-start').scrollIntoViewIfNeeded();
    await expect(app.getByText('history line 1', { exact: true })).toBeVisible();
    await app.getByTestId('chat-messages').screenshot({ path: testInfo.outputPath('4-beginning.png') });

    // Every message once, in order; an HTML payload among the older ones shows as text.
    const texts = await readConversation(list);
    expect(texts.map((t) => /history line (\d+)/.exec(t)?.[1]).map(Number)).toEqual(
      Array.from({ length: N }, (_, i) => i + 1),
    );
    expect(texts[1]).toContain('<img src=x onerror=');
    // Virtualised: the DOM holds the rows near the viewport, not all 180.
    expect(await messages.count()).toBeLessThan(N);
    await expect(app.getByTestId('chat-messages').locator('img, b')).toHaveCount(0);
    expect(
      await app.evaluate(() => (globalThis as unknown as { __olderXss?: number }).__olderXss),
    ).toBeUndefined();
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
