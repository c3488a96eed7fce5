// The LAN messenger end to end: two browser-shell instances (own data dirs) find each other without any
// room server and chat peer to peer; one restarts and the conversation and its history are back, with
// what was written to it while it was away. Multicast stays off in these shells (fixtures): each adds the
// other by address on 127.0.0.1, the messenger's static-peer option. Screenshots of the messenger layout
// in the light and the dark theme are attached.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect, startShell, type ShellHandle } from './fixtures';
import { goOnLan, addByAddress, write } from './fixtures/messenger';

test('two instances find each other and chat without a host; a restart brings the conversation back', async ({
  app,
  browser,
}, testInfo) => {
  test.setTimeout(240_000);
  const dirB = mkdtempSync(join(tmpdir(), 'wirelab-e2e-messenger-'));
  let b: ShellHandle | undefined = await startShell(dirB);
  const pageB = await browser.newPage();
  try {
    // Before a nickname, LAN chat is off; then nobody is on the LAN yet: the empty state says so.
    await app.getByTestId('nav-chat').click();
    await expect(app.getByTestId('messenger-people-off')).toBeVisible();
    const portA = await goOnLan(app, 'ann');
    await expect(app.getByTestId('messenger-people-empty')).toBeVisible();
    await pageB.goto(b.shell.url);
    const portB = await goOnLan(pageB, 'bob');

    // Each adds the other by address (no multicast here); both then list the other as online.
    await addByAddress(app, portB);
    await addByAddress(pageB, portA);
    await expect(app.getByTestId('messenger-presence-bob')).toHaveText('online', { timeout: 30_000 });
    await expect(pageB.getByTestId('messenger-presence-ann')).toHaveText('online', { timeout: 30_000 });

    // ann writes to bob: bob sees an unread count on ann, opens the conversation, reads it as text.
    await app.getByTestId('messenger-peer-bob').click();
    await expect(app.getByTestId('messenger-conv-title')).toHaveText('bob');
    await write(app, 'hello bob');
    const payload = '<img src=x onerror="window.__dmXss=1"><b>not bold</b>';
    await write(app, payload);
    await expect(pageB.getByTestId('messenger-unread-ann')).toHaveText('2', { timeout: 30_000 });
    await pageB.getByTestId('messenger-peer-ann').click();
    const listB = pageB.getByTestId('messenger-messages');
    await expect(listB).toContainText('hello bob');
    await expect(listB).toContainText(payload);
    await expect(listB.locator('img, b')).toHaveCount(0);
    expect(await pageB.evaluate(() => (globalThis as { __dmXss?: number }).__dmXss)).toBeUndefined();
    await expect(pageB.getByTestId('messenger-unread-ann')).toHaveCount(0);
    await write(pageB, 'hi ann, bob here');
    const listA = app.getByTestId('messenger-messages');
    await expect(listA).toContainText('hi ann, bob here');
    // ann's messages were acknowledged by bob: no "waiting" left.
    await expect(app.getByTestId('messenger-conv-pending')).toHaveCount(0, { timeout: 30_000 });

    // A group without a server: ann creates it with bob; bob finds it in his Groups with its message.
    await app.getByTestId('messenger-new-group').click();
    await app.getByTestId('messenger-group-name').fill('team');
    await app.getByTestId('messenger-group-member-bob').check();
    await app.getByTestId('messenger-group-create').click();
    await expect(app.getByTestId('messenger-conv-title')).toHaveText('team');
    await expect(app.getByTestId('messenger-conv-members')).toHaveText('with bob');
    await write(app, 'hello team');
    await expect(pageB.getByTestId('messenger-group-team')).toBeVisible({ timeout: 30_000 });
    await pageB.getByTestId('messenger-group-team').click();
    await expect(pageB.getByTestId('messenger-messages')).toContainText('hello team');
    await write(pageB, 'team reply');
    await expect(app.getByTestId('messenger-messages')).toContainText('team reply');
    await app.getByTestId('messenger-peer-bob').click();
    await expect(app.getByTestId('messenger-conv-title')).toHaveText('bob');

    await app.screenshot({ path: testInfo.outputPath('messenger-light.png') });
    await app.emulateMedia({ colorScheme: 'dark' });
    await app.screenshot({ path: testInfo.outputPath('messenger-dark.png') });
    await app.emulateMedia({ colorScheme: 'light' });

    // bob's instance goes away: ann sees him offline, and what she writes now waits for him.
    await pageB.close();
    await b.shell.close();
    b = undefined;
    await expect(app.getByTestId('messenger-presence-bob')).toContainText('offline', { timeout: 60_000 });
    await write(app, 'written while you were away');
    await expect(app.getByTestId('messenger-conv-pending')).toBeVisible();
    await app.screenshot({ path: testInfo.outputPath('messenger-peer-offline.png') });

    // bob starts again on the same data dir and opens the app: he is on the LAN by himself, the
    // conversation and its history are back, and the message written meanwhile has arrived.
    b = await startShell(dirB);
    const again = await browser.newPage();
    await again.goto(b.shell.url);
    await again.getByTestId('nav-chat').click();
    await expect(again.getByTestId('messenger-state')).toHaveAttribute('data-state', 'running', {
      timeout: 20_000,
    });
    await expect(again.getByTestId('messenger-presence-ann')).toHaveText('online', { timeout: 60_000 });
    await again.getByTestId('messenger-peer-ann').click();
    const listAgain = again.getByTestId('messenger-messages');
    await expect(listAgain).toContainText('hello bob');
    await expect(listAgain).toContainText('hi ann, bob here');
    await expect(listAgain).toContainText('written while you were away', { timeout: 60_000 });
    await expect(app.getByTestId('messenger-presence-bob')).toHaveText('online', { timeout: 60_000 });
    await expect(app.getByTestId('messenger-conv-pending')).toHaveCount(0, { timeout: 60_000 });
    // In order, each once.
    const texts = await again.getByTestId('messenger-message').allInnerTexts();
    const order = ['hello bob', 'not bold', 'hi ann, bob here', 'written while you were away'].map((t) =>
      texts.findIndex((x) => x.includes(t)),
    );
    expect(order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1]!))).toBe(true);
    expect(texts.filter((x) => x.includes('written while you were away'))).toHaveLength(1);
    await again.close();
  } finally {
    if (!pageB.isClosed()) await pageB.close();
    await b?.shell.close();
    rmSync(dirB, { recursive: true, force: true });
  }
});

test('LAN chat off: nobody sees you; a nickname the contract refuses shows its code', async ({ app }) => {
  await app.getByTestId('nav-chat').click();
  await app.getByTestId('messenger-nick').fill('no spaces');
  await app.getByTestId('messenger-nick').press('Enter');
  await expect(app.getByTestId('messenger-error')).toHaveAttribute('data-code', 'CHAT_NICK_INVALID');
  await app.getByTestId('messenger-nick').fill('carol');
  await app.getByTestId('messenger-nick').press('Enter');
  await expect(app.getByTestId('messenger-state')).toHaveAttribute('data-state', 'running', {
    timeout: 20_000,
  });
  await expect(app.getByTestId('messenger-error')).toHaveCount(0);
  await app.getByTestId('messenger-lan').uncheck();
  await expect(app.getByTestId('messenger-state')).toHaveText('off: nobody sees you');
  await expect(app.getByTestId('messenger-people-off')).toContainText('LAN chat is off');
  await app.screenshot({ path: test.info().outputPath('messenger-off.png') });
  // The setting is kept: a reload stays off.
  await app.reload();
  await app.getByTestId('nav-chat').click();
  await expect(app.getByTestId('messenger-lan')).not.toBeChecked();
  await expect(app.getByTestId('messenger-state')).toHaveAttribute('data-state', 'stopped');
  // And back on from the empty state's button.
  await app.getByTestId('messenger-turn-on').click();
  await expect(app.getByTestId('messenger-state')).toHaveAttribute('data-state', 'running', {
    timeout: 20_000,
  });
  await expect(app.getByTestId('messenger-lan')).toBeChecked();
  await expect(app.getByTestId('messenger-people-empty')).toBeVisible();
});
