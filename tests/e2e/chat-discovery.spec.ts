// Discovery end to end: two browser shells with mDNS on find each other's chat server in the page's LAN
// list and chat. Multicast must never leave this machine, so the outer test creates a network namespace
// (loopback with multicast, route 224.0.0.0/4 dev lo), runs this same spec inside it (`ip netns exec`,
// shells and Chromium included), and deletes the namespace afterwards, also on failure. The inner test
// runs only there.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect, RENDERER_DIR } from './fixtures';
import { runInsideNamespace, skipWithoutNetns } from './netns-run';
import { startBrowserShell } from '../../src/server/browser-shell';

const INNER = process.env.WIRELAB_CHAT_NETNS_INNER === '1';

test('discovery: two shells in a network namespace find each other and chat (outer)', () => {
  test.skip(INNER, 'this is the inner run');
  skipWithoutNetns('chat discovery e2e');
  test.setTimeout(180_000);
  runInsideNamespace({
    prefix: 'wlchat-e2e',
    setup: (ns) => [
      ['-n', ns, 'link', 'set', 'lo', 'up'],
      ['-n', ns, 'link', 'set', 'lo', 'multicast', 'on'],
      ['-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', 'lo'],
    ],
    spec: 'tests/e2e/chat-discovery.spec.ts',
    env: { WIRELAB_CHAT_NETNS_INNER: '1', WIRELAB_NO_DISCOVERY: '0', WIRELAB_CHAT_INTERFACE: 'lo' },
    timeoutMs: 150_000,
  });
});

test('discovery: two shells find each other and chat (inner, inside the namespace)', async ({ browser }) => {
  test.skip(!INNER, 'runs only inside the network namespace made by the outer test');
  const dirs = [
    mkdtempSync(join(tmpdir(), 'wirelab-e2e-disc-')),
    mkdtempSync(join(tmpdir(), 'wirelab-e2e-disc-')),
  ];
  const shells = await Promise.all(
    dirs.map((d) =>
      startBrowserShell({
        port: 0,
        dataDir: d,
        rendererDir: RENDERER_DIR,
        version: 'e2e',
        chatDiscovery: true,
      }),
    ),
  );
  const [pa, pb] = [await browser.newPage(), await browser.newPage()];
  try {
    await pa.goto(shells[0]!.url);
    await pb.goto(shells[1]!.url);
    await pa.getByTestId('nav-chat').click();
    await pa.getByTestId('chat-host-name').fill('Found on the LAN');
    await pa.getByTestId('chat-host-tls').check();
    await pa.getByTestId('chat-host-start').click();
    await expect(pa.getByTestId('chat-host-address')).toHaveText(/:\d+$/);
    await pa.getByTestId('chat-join-nick').fill('host-user');
    await pa.getByTestId('chat-join').click();
    await expect(pa.getByTestId('chat-state')).toHaveText('open');

    // The other instance sees the server in its live list and joins it with one click.
    await pb.getByTestId('nav-chat').click();
    const found = pb.getByTestId('chat-found-Found on the LAN');
    await expect(found).toBeVisible({ timeout: 20_000 });
    await found.click();
    await pb.getByTestId('chat-join-nick').fill('visitor');
    await pb.getByTestId('chat-join').click();
    await expect(pb.getByTestId('chat-state')).toHaveText('open');
    await pb.getByTestId('chat-input').fill('found you through mDNS');
    await pb.getByTestId('chat-input').press('Enter');
    await expect(pa.getByTestId('chat-messages')).toContainText('found you through mDNS');

    // Stopping the server (its panel is in "Room servers") withdraws it from the other's list.
    await pa.getByTestId('chat-room-servers').click();
    await pa.getByTestId('chat-host-stop').click();
    await expect(found).toHaveCount(0, { timeout: 15_000 });
  } finally {
    await pa.close();
    await pb.close();
    await Promise.all(shells.map((s) => s.close()));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});
