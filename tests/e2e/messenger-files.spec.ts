// Files in a direct messenger conversation end to end: two browser-shell instances (own data dirs) add
// each other by address; ann attaches a file in her conversation with bob (the browser's chooser, the
// file uploaded to her engines, then offered peer to peer); bob sees the offer card, accepts it into a
// folder, sees the progress bar and "saved to …"; the file on disk has the content sent. Screenshots of
// both conversations with the transfer are attached.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect, startShell, type ShellHandle } from './fixtures';
import { goOnLan, addByAddress } from './fixtures/messenger';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('ann sends a file to bob peer to peer: offer, accept, progress, saved, content on disk', async ({
  app,
  browser,
}, testInfo) => {
  test.setTimeout(240_000);
  const dirB = mkdtempSync(join(tmpdir(), 'wirelab-e2e-messenger-files-'));
  const saveDir = mkdtempSync(join(tmpdir(), 'wirelab-e2e-messenger-save-'));
  const b: ShellHandle = await startShell(dirB);
  const pageB = await browser.newPage();
  try {
    const portA = await goOnLan(app, 'ann');
    await pageB.goto(b.shell.url);
    const portB = await goOnLan(pageB, 'bob');
    await addByAddress(app, portB);
    await addByAddress(pageB, portA);
    await expect(app.getByTestId('messenger-presence-bob')).toHaveText('online', { timeout: 30_000 });
    await expect(pageB.getByTestId('messenger-presence-ann')).toHaveText('online', { timeout: 30_000 });

    // ann attaches a 2 MB file in her conversation with bob.
    await app.getByTestId('messenger-peer-bob').click();
    await expect(app.getByTestId('messenger-conv-title')).toHaveText('bob');
    const data = randomBytes(2 * 1024 * 1024);
    await app
      .getByTestId('messenger-file-attach-input')
      .setInputFiles({ name: 'capture.pcap', mimeType: 'application/octet-stream', buffer: data });
    const cardA = app.getByTestId('messenger-file-card');
    await expect(cardA).toHaveCount(1, { timeout: 60_000 });
    await expect(cardA.getByTestId('messenger-file-name')).toHaveText('capture.pcap');
    await expect(cardA.getByTestId('messenger-file-state')).toHaveText('waiting for bob to accept', {
      timeout: 30_000,
    });

    // bob opens ann's conversation: the offer card, Downloads proposed; he saves into a folder of his own.
    await pageB.getByTestId('messenger-peer-ann').click();
    const cardB = pageB.getByTestId('messenger-file-card');
    await expect(cardB.getByTestId('messenger-file-state')).toHaveText('ann offers a file', {
      timeout: 30_000,
    });
    await expect(cardB.getByTestId('messenger-file-saveas')).toHaveValue(/capture\.pcap$/);
    const target = join(saveDir, 'capture.pcap');
    await cardB.getByTestId('messenger-file-saveas').fill(target);
    // Whether the progress bar showed at some point (the transfer may be quick on loopback).
    await pageB.evaluate(() => {
      const w = globalThis as unknown as { __sawProgress?: boolean };
      new MutationObserver(() => {
        if (document.querySelector('[data-testid="messenger-file-progress"]')) w.__sawProgress = true;
      }).observe(document.body, { subtree: true, childList: true });
    });
    await cardB.getByTestId('messenger-file-accept').click();
    await expect(cardB.getByTestId('messenger-file-state')).toHaveText('saved', { timeout: 120_000 });
    await expect(cardB.getByTestId('messenger-file-saved')).toHaveText(target);
    expect(
      await pageB.evaluate(() => (globalThis as unknown as { __sawProgress?: boolean }).__sawProgress),
    ).toBe(true);
    await expect(cardA.getByTestId('messenger-file-state')).toHaveText('delivered, checksum confirmed', {
      timeout: 30_000,
    });
    expect(sha(readFileSync(target))).toBe(sha(data));
    await pageB.screenshot({ path: testInfo.outputPath('messenger-files-bob.png') });
    await app.screenshot({ path: testInfo.outputPath('messenger-files-ann.png') });

    // A reload brings the list back from the engines (the transfers are kept in the data dir).
    await pageB.reload();
    await pageB.getByTestId('nav-chat').click();
    await pageB.getByTestId('messenger-peer-ann').click();
    await expect(pageB.getByTestId('messenger-file-saved')).toHaveText(target, { timeout: 30_000 });
  } finally {
    if (!pageB.isClosed()) await pageB.close();
    await b.shell.close();
    rmSync(dirB, { recursive: true, force: true });
    rmSync(saveDir, { recursive: true, force: true });
  }
});
