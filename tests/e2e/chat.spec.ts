// LAN chat end to end: two browser shells (two instances, own ports and data dirs) chat through a server
// hosted by one of them; an HTML payload shows literally; the server panel kicks; a chat opens in its own
// tab. Discovery is off in these shells (fixtures): they connect by address on 127.0.0.1.
import type { Page } from '@playwright/test';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import { test, expect, startShell } from './fixtures';
import { joinFromPage } from './fixtures/chat-join';

async function hostServer(app: Page, name: string): Promise<number> {
  await app.getByTestId('nav-chat').click();
  await app.getByTestId('chat-host-name').fill(name);
  await app.getByTestId('chat-host-bind').fill('127.0.0.1');
  await app.getByTestId('chat-host-start').click();
  const address = app.getByTestId('chat-host-address');
  await expect(address).toHaveText(/127\.0\.0\.1:\d+/);
  return Number((await address.textContent())!.split(':')[1]);
}

async function join(page: Page, port: number, nick: string): Promise<void> {
  await page.getByTestId('nav-chat').click();
  await joinFromPage(page, port, nick);
}

/** Runs in the page: it reports itself hidden (in the background) or visible to the app. */
function setHidden(hidden: boolean): void {
  const doc = (globalThis as unknown as { document: object }).document;
  Object.defineProperty(doc, 'hidden', { configurable: true, get: () => hidden });
}

async function say(page: Page, text: string): Promise<void> {
  await page.getByTestId('chat-input').fill(text);
  await page.getByTestId('chat-input').press('Enter');
}

test('two instances chat both ways; HTML shows as text; unread, typing, a file, kick and stop from the server panel', async ({
  app,
  browser,
}) => {
  // Two shells, a file transfer and a dozen round trips: on a busy 2-core machine this takes minutes.
  test.setTimeout(180_000);
  const port = await hostServer(app, 'E2E room');
  await join(app, port, 'alice');

  const other = await startShell();
  const page2 = await browser.newPage();
  try {
    await page2.goto(other.shell.url);
    await join(page2, port, 'bob');

    await expect(app.getByTestId('chat-members')).toContainText('bob');
    await say(app, 'Hello from alice');
    await expect(page2.getByTestId('chat-messages')).toContainText('Hello from alice');
    await say(page2, 'Hi alice, bob here');
    await expect(app.getByTestId('chat-messages')).toContainText('Hi alice, bob here');

    // Typing indicator.
    await page2.getByTestId('chat-input').pressSequentially('typ');
    await expect(app.getByTestId('chat-typing')).toContainText('bob is typing');
    await page2.getByTestId('chat-input').fill('');

    // Message text is always text: an HTML payload shows literally and never runs.
    const payload = '<img src=x onerror="window.__chatXss=1"><b>bold?</b>';
    await say(page2, payload);
    const last = app.getByTestId('chat-message').last();
    await expect(last).toContainText(payload);
    await expect(app.getByTestId('chat-messages').locator('img, b')).toHaveCount(0);
    expect(
      await app.evaluate(() => (globalThis as unknown as { __chatXss?: number }).__chatXss),
    ).toBeUndefined();

    // Unread count on a conversation that is not shown: bob writes privately.
    await page2.getByTestId('chat-pm-alice').click();
    await say(page2, 'a private word');
    await expect(app.getByTestId('chat-unread-@bob')).toHaveText('1');
    await app.getByTestId('chat-conv-@bob').click();
    await expect(app.getByTestId('chat-messages')).toContainText('a private word');
    await expect(app.getByTestId('chat-unread-@bob')).toHaveCount(0);

    // And on a room that is not shown: alice reads @bob, bob writes in #lobby.
    await page2.getByTestId('chat-conv-#lobby').click();
    await say(page2, 'back in the lobby');
    await expect(app.getByTestId('chat-unread-#lobby')).toHaveText('1');
    await say(page2, 'still here');
    await expect(app.getByTestId('chat-unread-#lobby')).toHaveText('2');
    await app.getByTestId('chat-conv-#lobby').click();
    await expect(app.getByTestId('chat-messages')).toContainText('still here');
    await expect(app.getByTestId('chat-unread-#lobby')).toHaveCount(0);

    // Notifications: with the app in the background, a message raises one, as plain text. The page's
    // Notification is a recorder (headless Chromium shows none) and the page reports itself hidden.
    await app.evaluate(() => {
      const w = globalThis as unknown as {
        __notes: { title: string; body: string }[];
        Notification: unknown;
      };
      w.__notes = [];
      w.Notification = class {
        static permission = 'granted';
        static requestPermission = () => Promise.resolve('granted');
        constructor(title: string, opts: { body: string }) {
          w.__notes.push({ title, body: opts.body });
        }
      };
    });
    await app.getByTestId('chat-notify').click();
    await app.evaluate(setHidden, true);
    await say(page2, '<i>ping</i> while you are away');
    await expect
      .poll(() => app.evaluate(() => (globalThis as unknown as { __notes: unknown[] }).__notes))
      .toEqual([{ title: 'bob in #lobby — E2E room', body: '<i>ping</i> while you are away' }]);
    await app.evaluate(setHidden, false);

    // File transfer: bob offers a file, alice chooses where to save it, SHA-256 checked, same bytes.
    const src = joinPath(other.dataDir, 'notes.bin');
    const data = Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 251));
    writeFileSync(src, data);
    await page2.locator('summary', { hasText: 'Files' }).click();
    await page2.getByTestId('chat-file-to').fill('alice');
    await page2.getByTestId('chat-file-path').fill(src);
    await page2.getByTestId('chat-file-offer').click();
    const saveAs = app.locator('[data-testid^="chat-file-saveas-"]');
    await expect(saveAs).toBeVisible();
    const dest = joinPath(other.dataDir, 'saved-by-alice.bin');
    await saveAs.fill(dest);
    await app.getByRole('button', { name: 'Accept' }).click();
    await expect(app.locator('[data-testid^="chat-file-f-"]')).toContainText('done');
    await expect(page2.locator('[data-testid^="chat-file-f-"]')).toContainText('done');
    expect(readFileSync(dest).equals(data)).toBe(true);

    // Server panel (in "Room servers"): both clients listed, history counted, kick bob.
    await app.getByTestId('chat-room-servers').click();
    await expect(app.getByTestId('chat-host-clients')).toContainText('alice');
    await expect(app.getByTestId('chat-host-clients')).toContainText('bob');
    await expect(app.getByTestId('chat-host-history')).toContainText(/history [1-9]\d* messages/);
    await app.getByTestId('chat-kick-bob').click();
    await expect(page2.getByTestId('chat-state')).toHaveText('closed');
    await expect(page2.getByTestId('chat-last-error')).toContainText('CHAT_KICKED');

    await app.getByTestId('chat-host-stop').click();
    await app.getByRole('tab', { name: /· alice/ }).click();
    await expect(app.getByTestId('chat-state')).toHaveText(/reconnecting|closed/);
  } finally {
    await page2.close();
    await other.shell.close();
    rmSync(other.dataDir, { recursive: true, force: true });
  }
});

test('a chat opens in its own tab; bad input shows its coded error', async ({ app, context }) => {
  await app.getByTestId('nav-chat').click();
  // Bad input: an invalid nickname and port are refused with their codes, the page keeps working.
  await app.getByTestId('chat-join-port').fill('1');
  await app.getByTestId('chat-join-nick').fill('no spaces please');
  await app.getByTestId('chat-join').click();
  await expect(app.getByTestId('chat-join-error')).toHaveAttribute('data-code', 'CHAT_NICK_INVALID');
  await app.getByTestId('chat-host-port').fill('70000');
  await app.getByTestId('chat-host-start').click();
  await expect(app.getByTestId('chat-host-error')).toHaveAttribute('data-code', 'PORT_OUT_OF_RANGE');

  await app.getByTestId('chat-host-port').fill('0');
  const port = await hostServer(app, 'Tabbed');
  await join(app, port, 'carol');
  await say(app, 'visible in the other tab');
  await expect(app.getByTestId('chat-message')).toContainText('visible in the other tab');
  const [tab] = await Promise.all([context.waitForEvent('page'), app.getByTestId('chat-open-tab').click()]);
  await tab.waitForLoadState();
  await expect(tab.getByTestId('chat-messages')).toContainText('visible in the other tab');
  await say(tab, 'sent from the tab');
  await expect(app.getByTestId('chat-messages')).toContainText('sent from the tab');
  await tab.close();
});
