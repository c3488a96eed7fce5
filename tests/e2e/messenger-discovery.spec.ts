// The LAN messenger found by DNS-SD end to end: two browser shells (own data dirs, discovery on) list
// each other on "People on the LAN" without anyone adding an address, chat, and when one restarts the
// other sees it go offline and come back, with the conversation's history on both sides. Multicast must
// never leave this machine: the outer test makes a network namespace with a LAN interface of its own
// (a veth pair, 10.88.0.1 on lan0, multicast routed there — the messenger's default "every non-loopback
// interface"), runs this spec again inside it, and deletes it afterwards (tests/e2e/netns-run.ts).
import type { Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect, RENDERER_DIR } from './fixtures';
import { runInsideNamespace, skipWithoutNetns } from './netns-run';
import { startBrowserShell, type BrowserShell } from '../../src/server/browser-shell';

const INNER = process.env.WIRELAB_MESSENGER_NETNS_INNER === '1';
const LAN_ADDRESS = '10.88.0.1';

test('messenger discovery: two shells in a network namespace find each other by DNS-SD (outer)', () => {
  test.skip(INNER, 'this is the inner run');
  skipWithoutNetns('messenger discovery e2e');
  test.setTimeout(300_000);
  runInsideNamespace({
    prefix: 'wlmsg-e2e',
    setup: (ns) => [
      ['-n', ns, 'link', 'set', 'lo', 'up'],
      ['-n', ns, 'link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', 'lan1'],
      ['-n', ns, 'addr', 'add', `${LAN_ADDRESS}/24`, 'dev', 'lan0'],
      ['-n', ns, 'link', 'set', 'lan0', 'up'],
      ['-n', ns, 'link', 'set', 'lan1', 'up'],
      ['-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', 'lan0'],
    ],
    spec: 'tests/e2e/messenger-discovery.spec.ts',
    env: { WIRELAB_MESSENGER_NETNS_INNER: '1', WIRELAB_NO_DISCOVERY: '0' },
    timeoutMs: 280_000,
  });
});

function startShell(dataDir: string): Promise<BrowserShell> {
  return startBrowserShell({
    port: 0,
    dataDir,
    rendererDir: RENDERER_DIR,
    version: 'e2e',
    chatDiscovery: true,
    reusePort: true,
  });
}

async function goOnLan(page: Page, url: string, nick: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId('nav-chat').click();
  await page.getByTestId('messenger-nick').fill(nick);
  await page.getByTestId('messenger-nick').press('Enter');
  await expect(page.getByTestId('messenger-state')).toHaveAttribute('data-state', 'running', {
    timeout: 30_000,
  });
}

async function write(page: Page, text: string): Promise<void> {
  await page.getByTestId('messenger-input').fill(text);
  await page.getByTestId('messenger-input').press('Enter');
}

test('messenger discovery: People on the LAN by DNS-SD, chat, restart (inner, in the namespace)', async ({
  browser,
}) => {
  test.skip(!INNER, 'runs only inside the network namespace made by the outer test');
  test.setTimeout(240_000);
  const dirs = [0, 1].map(() => mkdtempSync(join(tmpdir(), 'wirelab-e2e-msgdisc-')));
  const shells: (BrowserShell | undefined)[] = [await startShell(dirs[0]!), await startShell(dirs[1]!)];
  const pa = await browser.newPage();
  let pb = await browser.newPage();
  try {
    await goOnLan(pa, shells[0]!.url, 'ann');
    await goOnLan(pb, shells[1]!.url, 'bob');
    // Announced on the namespace's LAN interface (the default: every non-loopback one).
    await pa.getByText('LAN settings').click();
    await expect(pa.getByTestId('messenger-announced-on')).toHaveText(LAN_ADDRESS);
    await pa.getByText('LAN settings').click();

    // Nobody added anybody: each appears in the other's People list from its announcement, with the
    // address it was heard from.
    await expect(pa.getByTestId('messenger-presence-bob')).toHaveText('online', { timeout: 60_000 });
    await expect(pb.getByTestId('messenger-presence-ann')).toHaveText('online', { timeout: 60_000 });
    await expect(pa.getByTestId('messenger-peer-bob')).toContainText(LAN_ADDRESS);

    await pa.getByTestId('messenger-peer-bob').click();
    await write(pa, 'found you on the LAN');
    await expect(pb.getByTestId('messenger-unread-ann')).toHaveText('1', { timeout: 30_000 });
    await pb.getByTestId('messenger-peer-ann').click();
    await expect(pb.getByTestId('messenger-messages')).toContainText('found you on the LAN');
    await write(pb, 'and I found you');
    await expect(pa.getByTestId('messenger-messages')).toContainText('and I found you');
    await expect(pa.getByTestId('messenger-conv-pending')).toHaveCount(0, { timeout: 30_000 });

    // bob quits: his goodbye makes him offline on ann's list; what ann writes now waits for him.
    await pb.close();
    await shells[1]!.close();
    shells[1] = undefined;
    await expect(pa.getByTestId('messenger-presence-bob')).toContainText('offline', { timeout: 60_000 });
    await write(pa, 'written while you were away');
    await expect(pa.getByTestId('messenger-conv-pending')).toBeVisible();

    // bob starts again on the same data dir: back on ann's list, his history back, the waiting message in.
    shells[1] = await startShell(dirs[1]!);
    pb = await browser.newPage();
    await pb.goto(shells[1].url);
    await pb.getByTestId('nav-chat').click();
    await expect(pb.getByTestId('messenger-state')).toHaveAttribute('data-state', 'running', {
      timeout: 30_000,
    });
    await expect(pa.getByTestId('messenger-presence-bob')).toHaveText('online', { timeout: 60_000 });
    await expect(pb.getByTestId('messenger-presence-ann')).toHaveText('online', { timeout: 60_000 });
    await pb.getByTestId('messenger-peer-ann').click();
    const list = pb.getByTestId('messenger-messages');
    await expect(list).toContainText('found you on the LAN');
    await expect(list).toContainText('and I found you');
    await expect(list).toContainText('written while you were away', { timeout: 60_000 });
    await expect(pa.getByTestId('messenger-conv-pending')).toHaveCount(0, { timeout: 60_000 });
    const texts = await pb.getByTestId('messenger-message').allInnerTexts();
    expect(texts.filter((x) => x.includes('written while you were away'))).toHaveLength(1);
  } finally {
    await pa.close();
    if (!pb.isClosed()) await pb.close();
    await Promise.all(shells.map((s) => s?.close()));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});
