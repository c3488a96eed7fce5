// Every page with a server flagged "start again on launch" — TCP server, UDP socket, TLS server, mock HTTP
// server (with a static folder chosen in the page), load balancer and chat server — is set up, the browser
// shell is killed (SIGKILL) and started again on the same data dir. The open tab reconnects; each page
// shows its server again on the same address, still flagged, and the chat's file list says what became
// of each transfer (a received file with where it was saved; an offer left open: interrupted).
// Screenshots of each page before and after are kept in the test's output dir.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { freePort, shot, startShellProcess } from './fixtures/shell-restart';
import { joinFromPage } from './fixtures/chat-join';

/** Opens the chat's file list unless it is open already (an incoming offer opens it by itself). */
async function openFiles(page: Page): Promise<void> {
  const box = page.locator('details', { has: page.locator('summary', { hasText: 'Files' }) });
  await expect(box).toBeVisible();
  if (!(await box.evaluate((d) => (d as HTMLDetailsElement).open)))
    await page.locator('summary', { hasText: 'Files' }).click();
}

const flag = async (root: Page | Locator) => {
  const box = root.getByTestId('launch-toggle').getByRole('checkbox');
  await box.check();
  await expect(box).toBeChecked();
};

test('every page with a flagged server shows it again after the shell was killed and started again', async ({
  browser,
}) => {
  // Six servers, two chat members, file transfers, two shell starts: many minutes on a busy 2-core machine.
  test.setTimeout(600_000);
  const info = test.info();
  const dataDir = mkdtempSync(join(tmpdir(), 'wirelab-restart-pages-'));
  const files = mkdtempSync(join(tmpdir(), 'wirelab-restart-files-'));
  const running: ChildProcess[] = [];
  try {
    const site = join(files, 'site');
    mkdirSync(site);
    writeFileSync(join(site, 'hello.txt'), 'served from the picked folder\n');
    const [tcpPort, udpPort, tlsPort, httpPort, lbPort, chatPort] = await Promise.all(
      Array.from({ length: 6 }, () => freePort()),
    );

    const first = await startShellProcess(dataDir);
    running.push(first.child);
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    await page.goto(first.url);
    await expect(page.getByTestId('shell-info')).toContainText('browser shell');

    await page.getByTestId('nav-tcp-server').click();
    await page.getByTestId('tcp-server-port').fill(String(tcpPort));
    await page.getByTestId('tcp-server-start').click();
    await expect(page.getByTestId('tcp-server-address')).toHaveText(`127.0.0.1:${tcpPort}`);
    await flag(page);
    await shot(page, info, 'before-tcp-server');

    await page.getByTestId('nav-udp').click();
    await page.getByTestId('udp-port').fill(String(udpPort));
    await page.getByTestId('udp-bind').click();
    await expect(page.getByTestId('udp-address')).toHaveText(`127.0.0.1:${udpPort}`);
    await flag(page);
    await shot(page, info, 'before-udp');

    await page.getByTestId('nav-tls-sockets').click();
    await page.getByTestId('tlssock-server-port').fill(String(tlsPort));
    await page.getByTestId('tlssock-start').click();
    await expect(page.getByTestId('tlssock-server-address')).toContainText(`:${tlsPort}`);
    await flag(page);
    await shot(page, info, 'before-tls-sockets');

    await page.getByTestId('nav-http-server').click();
    await page.getByTestId('http-server-port').fill(String(httpPort));
    await page.getByTestId('http-server-static-picker-input').setInputFiles(site);
    await expect(page.getByTestId('http-server-static')).toHaveValue(/uploads/, { timeout: 30_000 });
    await page.getByTestId('http-server-start').click();
    await expect(page.getByTestId('http-server-url')).toHaveText(`http://127.0.0.1:${httpPort}`);
    await flag(page);
    await shot(page, info, 'before-http-server');

    await page.getByTestId('nav-lb').click();
    await page.getByTestId('lb-port').fill(String(lbPort));
    await page.getByTestId('lb-add').fill(`127.0.0.1:${tcpPort}`);
    await page.getByTestId('lb-add-submit').click();
    await page.getByTestId('lb-start').click();
    await expect(page.getByTestId('lb-address')).toHaveText(`127.0.0.1:${lbPort}`);
    await flag(page);
    await shot(page, info, 'before-lb');

    // A chat hosted here (flagged), joined as bob and ann; ann sends bob two files: he saves one, the
    // other is still waiting for him when the shell is killed.
    await page.getByTestId('nav-chat').click();
    await page.getByTestId('chat-host-name').fill('Files room');
    await page.getByTestId('chat-host-bind').fill('127.0.0.1');
    await page.getByTestId('chat-host-port').fill(String(chatPort));
    await page.getByTestId('chat-host-start').click();
    await expect(page.getByTestId('chat-host-address')).toHaveText(`127.0.0.1:${chatPort}`);
    await flag(page.getByTestId(/^chat-host-chat-host-/));
    for (const nick of ['bob', 'ann']) {
      // Where the page keeps joining behind a "Room servers" button, open it first.
      const servers = page.getByTestId('chat-room-servers');
      if (await servers.isVisible()) await servers.click();
      await joinFromPage(page, chatPort!, nick);
    }
    await openFiles(page);
    for (const name of ['saved.bin', 'waiting.bin']) {
      await page.getByTestId('chat-file-to').fill('bob');
      await page
        .getByTestId('chat-file-picker-input')
        .setInputFiles({ name, mimeType: 'application/octet-stream', buffer: Buffer.from(`${name} bytes`) });
      await expect(page.getByTestId('chat-file-path')).toHaveValue(new RegExp(`uploads.*${name}$`));
      await page.getByTestId('chat-file-offer').click();
    }
    await page.getByRole('tab', { name: /· bob/ }).click();
    await openFiles(page);
    const saved = page.getByRole('listitem').filter({ hasText: 'saved.bin' });
    const target = join(files, 'saved.bin');
    await saved.getByTestId(/^chat-file-saveas-/).fill(target);
    await saved.getByTestId(/^chat-file-accept-/).click();
    await expect(saved.getByTestId('chat-file-saved-to')).toHaveText(target, { timeout: 30_000 });
    const waiting = page.getByRole('listitem').filter({ hasText: 'waiting.bin' });
    await expect(waiting.getByTestId('chat-file-state')).toHaveText('offered');
    await shot(page, info, 'before-chat');
    // The list has reached workspace.json (the page saves after a short quiet time).
    await expect
      .poll(() => readFileSync(join(dataDir, 'workspace.json'), 'utf8'), { timeout: 20_000 })
      .toContain('waiting.bin');
    await expect
      .poll(() => readFileSync(join(dataDir, 'workspace.json'), 'utf8'), { timeout: 20_000 })
      .toContain(JSON.stringify(target).slice(1, -1));

    first.child.kill('SIGKILL');
    await expect(page.getByTestId('link-state')).toBeVisible({ timeout: 30_000 });
    const t0 = Date.now();
    const second = await startShellProcess(dataDir);
    running.push(second.child);
    await expect(page.getByTestId('link-state')).toBeHidden({ timeout: 60_000 });
    const reconnectMs = Date.now() - t0;

    // Each page shows its server again, on its address, still flagged — read afresh from the engines.
    const flagged = () => expect(page.getByTestId('launch-toggle').getByRole('checkbox')).toBeChecked();
    await page.getByTestId('nav-tcp-server').click();
    await expect(page.getByTestId('tcp-server-address')).toHaveText(`127.0.0.1:${tcpPort}`, {
      timeout: 30_000,
    });
    await flagged();
    await shot(page, info, 'after-tcp-server');

    await page.getByTestId('nav-udp').click();
    await expect(page.getByTestId('udp-address')).toHaveText(`127.0.0.1:${udpPort}`, { timeout: 30_000 });
    await flagged();
    await shot(page, info, 'after-udp');

    await page.getByTestId('nav-tls-sockets').click();
    await expect(page.getByTestId('tlssock-server-address')).toContainText(`:${tlsPort}`, {
      timeout: 30_000,
    });
    await flagged();
    await shot(page, info, 'after-tls-sockets');

    await page.getByTestId('nav-http-server').click();
    await expect(page.getByTestId('http-server-url')).toHaveText(`http://127.0.0.1:${httpPort}`, {
      timeout: 30_000,
    });
    await flagged();
    // The restored server still serves the folder that was uploaded from the page.
    expect(await (await fetch(`http://127.0.0.1:${httpPort}/hello.txt`)).text()).toBe(
      'served from the picked folder\n',
    );
    await shot(page, info, 'after-http-server');

    await page.getByTestId('nav-lb').click();
    await expect(page.getByTestId('lb-address')).toHaveText(`127.0.0.1:${lbPort}`, { timeout: 30_000 });
    await flagged();
    await shot(page, info, 'after-lb');

    await page.getByTestId('nav-chat').click();
    await expect(page.getByRole('tab', { name: /· bob/ })).toBeVisible({ timeout: 30_000 });
    await page.getByRole('tab', { name: /· bob/ }).click();
    await expect(page.getByTestId('chat-nick')).toHaveText('bob');
    await openFiles(page);
    const savedAgain = page.getByRole('listitem').filter({ hasText: 'saved.bin' });
    await expect(savedAgain.getByTestId('chat-file-state')).toHaveText('done');
    await expect(savedAgain.getByTestId('chat-file-saved-to')).toHaveText(target);
    const waitingAgain = page.getByRole('listitem').filter({ hasText: 'waiting.bin' });
    await expect(waitingAgain.getByTestId('chat-file-state')).toHaveText('interrupted');
    await expect(waitingAgain.getByTestId(/^chat-file-accept-/)).toHaveCount(0);
    await shot(page, info, 'after-chat');
    info.annotations.push({ type: 'reconnect-ms', description: String(reconnectMs) });
    await page.close();
  } finally {
    for (const c of running) c.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(files, { recursive: true, force: true });
  }
});
