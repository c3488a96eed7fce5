// LAN messenger groups end to end, browser-shell instances on 127.0.0.1 (people added by address: no
// multicast here): a member adds someone to an existing group from the Members panel and the new member
// gets the group with its history and an unread count; a group message raises a notification naming the
// group; a member removed can no longer write; one who leaves is gone from everyone's list. And the text
// being typed in a conversation is a draft kept in the workspace: it survives going to another page and a
// restart of the instance. A screenshot of a group conversation with its Members panel is attached.
import type { Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect, startShell, type ShellHandle } from './fixtures';
import { goOnLan, addByAddress, write } from './fixtures/messenger';

/** The page's Notification becomes a recorder (headless Chromium shows none); the page says it is hidden. */
async function recordNotifications(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = globalThis as unknown as { __notes: { title: string; body: string }[]; Notification: unknown };
    w.__notes = [];
    w.Notification = class {
      static permission = 'granted';
      static requestPermission = () => Promise.resolve('granted');
      constructor(title: string, opts: { body: string }) {
        w.__notes.push({ title, body: opts.body });
      }
    };
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
  });
}

test('groups: add a member from the Members panel, notifications, remove, leave', async ({
  app,
  browser,
}, testInfo) => {
  test.setTimeout(300_000);
  const dirs = [0, 1].map(() => mkdtempSync(join(tmpdir(), 'wirelab-e2e-groups-')));
  const shells: (ShellHandle | undefined)[] = [await startShell(dirs[0]), await startShell(dirs[1])];
  const bob = await browser.newPage();
  const carol = await browser.newPage();
  try {
    const portAnn = await goOnLan(app, 'ann');
    await bob.goto(shells[0]!.shell.url);
    const portBob = await goOnLan(bob, 'bob');
    await carol.goto(shells[1]!.shell.url);
    const portCarol = await goOnLan(carol, 'carol');
    await addByAddress(app, portBob);
    await addByAddress(app, portCarol);
    await addByAddress(bob, portCarol);
    await expect(app.getByTestId('messenger-presence-bob')).toHaveText('online', { timeout: 30_000 });
    await expect(app.getByTestId('messenger-presence-carol')).toHaveText('online', { timeout: 30_000 });
    await expect(bob.getByTestId('messenger-presence-carol')).toHaveText('online', { timeout: 30_000 });
    await expect(carol.getByTestId('messenger-presence-ann')).toHaveText('online', { timeout: 30_000 });
    expect(portAnn).toBeGreaterThan(0);

    // ann and bob have a group; carol is not in it.
    await app.getByTestId('messenger-new-group').click();
    await app.getByTestId('messenger-group-name').fill('team');
    await app.getByTestId('messenger-group-member-bob').check();
    await app.getByTestId('messenger-group-create').click();
    await write(app, 'before carol');
    await expect(bob.getByTestId('messenger-group-team')).toBeVisible({ timeout: 30_000 });
    await expect(carol.getByTestId('messenger-group-team')).toHaveCount(0);

    // ann adds carol from the group's Members panel (a picker over the people she knows).
    await app.getByTestId('messenger-members').click();
    const panel = app.getByRole('dialog', { name: 'Members of team' });
    await expect(panel.getByTestId('messenger-member-bob')).toBeVisible();
    await expect(panel.getByTestId('messenger-add-member-bob')).toHaveCount(0);
    await panel.getByTestId('messenger-add-member-carol').check();
    await panel.getByTestId('messenger-add-members').click();
    await expect(app.getByTestId('messenger-members')).toHaveText('Members (3)');
    await expect(panel.getByTestId('messenger-member-carol')).toBeVisible();
    await expect(panel.getByTestId('messenger-add-none')).toBeVisible();
    await app.screenshot({ path: testInfo.outputPath('messenger-group-members.png') });
    await app.keyboard.press('Escape');
    await expect(panel).toHaveCount(0);
    await expect(app.getByTestId('messenger-messages')).toContainText('You added carol');

    // carol gets the group, with an unread count and the history from before she was added.
    await expect(carol.getByTestId('messenger-group-unread-team')).toBeVisible({ timeout: 30_000 });
    await carol.getByTestId('messenger-group-team').click();
    const carolList = carol.getByTestId('messenger-messages');
    await expect(carolList).toContainText('before carol');
    await expect(carolList).toContainText('ann added you');
    // History from before she joined is not marked as arriving late.
    await expect(carol.getByTestId('messenger-late')).toHaveCount(0);
    await expect(carol.getByTestId('messenger-group-unread-team')).toHaveCount(0);

    // A group message while ann's page is in the background: a notification naming the group.
    await app.getByTestId('chat-notify').click();
    await recordNotifications(app);
    await bob.getByTestId('messenger-group-team').click();
    await write(bob, 'hello all three');
    await expect
      .poll(() => app.evaluate(() => (globalThis as unknown as { __notes: unknown[] }).__notes))
      .toContainEqual({ title: 'bob in team', body: 'hello all three' });
    await expect(carolList).toContainText('hello all three');
    await app.screenshot({ path: testInfo.outputPath('messenger-group.png') });

    // The group alone in a tab of its own (Electron: a window): its history, and writing from there.
    const [tab] = await Promise.all([
      app.context().waitForEvent('page'),
      app.getByTestId('messenger-open-window').click(),
    ]);
    await tab.waitForLoadState();
    await expect(tab.getByTestId('messenger-conv-title')).toHaveText('team');
    await expect(tab.getByTestId('messenger-messages')).toContainText('hello all three');
    await expect(tab.getByTestId('messenger-open-window')).toHaveCount(0);
    await write(tab, 'from a window of its own');
    await expect(carolList).toContainText('from a window of its own');
    await tab.close();

    // ann removes bob: he can no longer write to the group; the others see two members.
    await app.getByTestId('messenger-group-team').click();
    await app.getByTestId('messenger-members').click();
    await app.getByTestId('messenger-remove-member-bob').click();
    await expect(app.getByTestId('messenger-members')).toHaveText('Members (2)');
    await expect(bob.getByTestId('messenger-input')).toBeDisabled({ timeout: 30_000 });
    await expect(bob.getByTestId('messenger-messages')).toContainText('ann removed you');
    await expect(carol.getByTestId('messenger-members')).toHaveText('Members (2)', { timeout: 30_000 });

    // carol leaves: ann's group is down to herself, and carol's composer is off.
    await carol.getByTestId('messenger-leave-group').click();
    await expect(carol.getByTestId('messenger-input')).toBeDisabled();
    await expect(app.getByTestId('messenger-members')).toHaveText('Members (1)', { timeout: 30_000 });
    await expect(app.getByTestId('messenger-messages')).toContainText('carol left');
  } finally {
    await bob.close();
    await carol.close();
    await Promise.all(shells.map((s) => s?.shell.close()));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});

test('drafts: the text being typed is kept per conversation across pages and a restart', async ({
  app,
  browser,
}) => {
  test.setTimeout(240_000);
  const dir = mkdtempSync(join(tmpdir(), 'wirelab-e2e-drafts-'));
  let ann: ShellHandle | undefined = await startShell(dir);
  let page = await browser.newPage();
  try {
    const portBob = await goOnLan(app, 'bob');
    await page.goto(ann.shell.url);
    await goOnLan(page, 'ann');
    await addByAddress(page, portBob);
    await expect(page.getByTestId('messenger-presence-bob')).toHaveText('online', { timeout: 30_000 });
    await page.getByTestId('messenger-peer-bob').click();
    await page.getByTestId('messenger-input').fill('half a thought');
    // Another page and back: still there.
    await page.getByTestId('nav-udp').click();
    await page.getByTestId('nav-chat').click();
    await page.getByTestId('messenger-peer-bob').click();
    await expect(page.getByTestId('messenger-input')).toHaveValue('half a thought');
    // ann's instance restarts (the workspace is on disk in her data dir): still there.
    await page.close();
    await ann.shell.close();
    ann = undefined;
    ann = await startShell(dir);
    page = await browser.newPage();
    await page.goto(ann.shell.url);
    await page.getByTestId('nav-chat').click();
    await expect(page.getByTestId('messenger-state')).toHaveAttribute('data-state', 'running', {
      timeout: 30_000,
    });
    await page.getByTestId('messenger-peer-bob').click();
    await expect(page.getByTestId('messenger-input')).toHaveValue('half a thought');
    // Sent, the draft is gone (also from the workspace: a reload shows an empty box).
    await page.getByTestId('messenger-input').press('Enter');
    await expect(app.getByTestId('messenger-unread-ann')).toHaveText('1', { timeout: 30_000 });
    await expect(page.getByTestId('messenger-input')).toHaveValue('');
    await page.reload();
    await page.getByTestId('nav-chat').click();
    await page.getByTestId('messenger-peer-bob').click();
    await expect(page.getByTestId('messenger-input')).toHaveValue('');
  } finally {
    if (!page.isClosed()) await page.close();
    await ann?.shell.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
