// "The app restores itself": a browser shell in its own process is set up (forms, the HTTP composer's
// draft, a hosted chat with a room and private messages, a flagged TCP server), killed with SIGKILL, and
// started again on the same data dir. The open tab reconnects by itself and nothing typed or received is
// lost; a fresh tab shows the same. Screenshots before and after are kept in the test's output dir.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { freePort, shot as shotInto, startShellProcess } from './fixtures/shell-restart';
import { joinFromPage } from './fixtures/chat-join';

const shot = (page: Page, name: string) => shotInto(page, test.info(), name);

async function say(page: Page, text: string): Promise<void> {
  await page.getByTestId('chat-input').fill(text);
  await page.getByTestId('chat-input').press('Enter');
}

test('killed and started again on the same data dir: the tab reconnects and everything is back', async ({
  browser,
}) => {
  // Two shell starts, two chat sessions and a restore: well over a minute on a busy two-core machine.
  test.setTimeout(300_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'wirelab-restart-'));
  const running: ChildProcess[] = [];
  try {
    const first = await startShellProcess(dataDir);
    running.push(first.child);
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    await page.goto(first.url);
    await expect(page.getByTestId('shell-info')).toContainText('browser shell');

    // A TCP server flagged to start again, and a TCP client form filled in but not used.
    const tcpPort = await freePort();
    await page.getByTestId('nav-tcp-server').click();
    await page.getByTestId('tcp-server-host').fill('127.0.0.1');
    await page.getByTestId('tcp-server-port').fill(String(tcpPort));
    await page.getByTestId('tcp-server-start').click();
    await expect(page.getByTestId('tcp-server-address')).toHaveText(`127.0.0.1:${tcpPort}`);
    await page.getByTestId('launch-toggle').getByRole('checkbox').check();
    await expect(page.getByTestId('launch-toggle').getByRole('checkbox')).toBeChecked();
    await shot(page, 'before-tcp-server');
    await page.getByTestId('nav-tcp-client').click();
    await page.getByTestId('tcp-client-host').fill('127.0.0.2');
    await page.getByTestId('tcp-client-port').fill('4242');

    // The HTTP composer's request, typed and not sent.
    await page.getByTestId('nav-http-composer').click();
    await page.getByTestId('http-url').fill('http://127.0.0.1:9/typed-before-the-restart');
    await shot(page, 'before-http-composer');

    // A chat hosted here (flagged), joined twice: room messages and private ones both ways.
    const chatPort = await freePort();
    await page.getByTestId('nav-chat').click();
    await page.getByTestId('chat-host-name').fill('Restart room');
    await page.getByTestId('chat-host-bind').fill('127.0.0.1');
    await page.getByTestId('chat-host-port').fill(String(chatPort));
    await page.getByTestId('chat-host-start').click();
    await expect(page.getByTestId('chat-host-address')).toHaveText(`127.0.0.1:${chatPort}`);
    await page
      .getByTestId(/^chat-host-chat-host-/)
      .getByTestId('launch-toggle')
      .getByRole('checkbox')
      .check();
    for (const nick of ['bob', 'ann']) {
      // Joining is in "Room servers"; a joined room takes the right side.
      await page.getByTestId('chat-room-servers').click();
      await joinFromPage(page, chatPort, nick);
    }
    // ann is shown (the last joined); bob's chat is the other tab.
    const ann = page.getByTestId(/^chat-session-/);
    await say(page, 'room 1 from ann');
    await expect(ann.getByTestId('chat-messages')).toContainText('room 1 from ann');
    await expect(ann.getByTestId('chat-members')).toContainText('bob');
    await ann.getByTestId('chat-pm-bob').click();
    await say(page, 'pm 1 ann to bob');
    await expect(ann.getByTestId('chat-messages')).toContainText('pm 1 ann to bob');
    // bob answers privately from his session (selected through the session tabs).
    await page.getByRole('tab', { name: /· bob/ }).click();
    const bob = page.getByTestId(/^chat-session-/);
    await expect(bob.getByTestId('chat-nick')).toHaveText('bob');
    await bob.getByTestId('chat-conv-@ann').click();
    await say(page, 'pm 2 bob to ann');
    await say(page, 'pm 3 bob to ann');
    await page.getByRole('tab', { name: /· ann/ }).click();
    await expect(ann.getByTestId('chat-nick')).toHaveText('ann');
    await ann.getByTestId('chat-conv-@bob').click();
    await expect(ann.getByTestId('chat-messages')).toContainText('pm 3 bob to ann');
    await ann.getByTestId('chat-input').fill('a draft ann has not sent');
    const pmOrder = ['pm 1 ann to bob', 'pm 2 bob to ann', 'pm 3 bob to ann'];
    await expect(ann.getByTestId('chat-message')).toContainText(pmOrder);
    await shot(page, 'before-chat');

    // Everything typed has reached workspace.json (the page saves after a short quiet time).
    await expect
      .poll(() => readFileSync(join(dataDir, 'workspace.json'), 'utf8'), { timeout: 10_000 })
      .toContain('a draft ann has not sent');
    const saved = readFileSync(join(dataDir, 'workspace.json'), 'utf8');
    expect(saved).toContain('typed-before-the-restart');
    expect(saved).toContain('127.0.0.2');

    // Kill the shell outright; the page notices, then reconnects by itself to the new one.
    first.child.kill('SIGKILL');
    await expect(page.getByTestId('link-state')).toBeVisible();
    const t0 = Date.now();
    const second = await startShellProcess(dataDir);
    running.push(second.child);
    expect(second.url).toBe(first.url);
    await expect(page.getByTestId('link-state')).toBeHidden({ timeout: 30_000 });
    const reconnectMs = Date.now() - t0;

    // The chats came back by themselves, open, with the room and private history in order.
    await expect(page.getByRole('tab', { name: /· bob/ })).toBeVisible({ timeout: 20_000 });
    await page.getByRole('tab', { name: /· ann/ }).click();
    await expect(page.getByTestId('chat-state')).toHaveText('open', { timeout: 20_000 });
    const annAgain = page.getByTestId(/^chat-session-/);
    await expect(annAgain.getByTestId('chat-nick')).toHaveText('ann');
    await annAgain.getByTestId('chat-conv-@bob').click();
    await expect(annAgain.getByTestId('chat-message')).toContainText(pmOrder);
    await expect(annAgain.getByTestId('chat-input')).toHaveValue('a draft ann has not sent');
    await annAgain.getByTestId('chat-conv-#lobby').click();
    await expect(annAgain.getByTestId('chat-messages')).toContainText('room 1 from ann');
    await expect(annAgain.getByTestId('chat-members')).toContainText('bob');
    await shot(page, 'after-chat');

    // The flagged TCP server listens again on its port; the forms are as they were.
    await page.getByTestId('nav-tcp-server').click();
    await expect(page.getByTestId('tcp-server-address')).toHaveText(`127.0.0.1:${tcpPort}`);
    await expect(page.getByTestId('launch-toggle').getByRole('checkbox')).toBeChecked();
    await shot(page, 'after-tcp-server');
    await page.getByTestId('nav-tcp-client').click();
    await expect(page.getByTestId('tcp-client-host')).toHaveValue('127.0.0.2');

    // A fresh tab (nothing in memory) shows the same: everything came from the data dir.
    const fresh = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    await fresh.goto(second.url);
    await fresh.getByTestId('nav-http-composer').click();
    await expect(fresh.getByTestId('http-url')).toHaveValue('http://127.0.0.1:9/typed-before-the-restart');
    await shot(fresh, 'after-http-composer');
    await fresh.getByTestId('nav-tcp-client').click();
    await expect(fresh.getByTestId('tcp-client-port')).toHaveValue('4242');
    await fresh.getByTestId('nav-chat').click();
    await fresh.getByRole('tab', { name: /· ann/ }).click();
    const freshAnn = fresh.getByTestId(/^chat-session-/);
    await freshAnn.getByTestId('chat-conv-@bob').click();
    await expect(freshAnn.getByTestId('chat-message')).toContainText(pmOrder);
    await fresh.getByTestId('chat-room-servers').click();
    await expect(fresh.getByTestId('chat-host-address')).toHaveText(`127.0.0.1:${chatPort}`);
    test.info().annotations.push({ type: 'reconnect-ms', description: String(reconnectMs) });
    await fresh.close();
    await page.close();
  } finally {
    for (const c of running) c.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    rmSync(dataDir, { recursive: true, force: true });
  }
});
