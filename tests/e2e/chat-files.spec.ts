// Files the way people pick them, in the browser shell: a file chosen in the page (or dropped on the
// picker) is uploaded to the engines in chunks and offered in a chat; the receiver is offered the
// Downloads folder to save it, changes it, and gets the same bytes.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect } from './fixtures';
import { joinFromPage } from './fixtures/chat-join';

test('a file chosen in the page, and one dropped, reach the other member byte for byte', async ({
  app,
  shell,
}) => {
  const r = await shell.shell.services.dispatcher.call('chat.hostStart', {
    name: 'Files',
    host: '127.0.0.1',
    port: 0,
    discovery: false,
  });
  if (!r.ok) throw new Error(r.error.message);
  const port = (r.value as { port: number }).port;
  await app.getByTestId('nav-chat').click();
  for (const nick of ['bob', 'ann']) {
    // Joining is in "Room servers"; a joined room takes the right side.
    await app.getByTestId('chat-room-servers').click();
    await joinFromPage(app, port, nick);
  }
  const saveDir = mkdtempSync(join(tmpdir(), 'wirelab-save-'));
  try {
    // 700 KiB: three chunks of upload.
    const content = Buffer.alloc(700 * 1024, 'wirelab-');
    await app.locator('summary', { hasText: 'Files' }).click();
    await app.getByTestId('chat-file-to').fill('bob');
    await app.getByTestId('chat-file-picker-input').setInputFiles({
      name: 'report.bin',
      mimeType: 'application/octet-stream',
      buffer: content,
    });
    await expect(app.getByTestId('chat-file-path')).toHaveValue(/uploads.*report\.bin$/);
    await app.getByTestId('chat-file-offer').click();

    // bob is offered it, with the Downloads folder proposed; he saves it elsewhere.
    await app.getByRole('tab', { name: /· bob/ }).click();
    const saveAs = app.getByTestId(/^chat-file-saveas-/);
    await expect(saveAs).toHaveValue(join(homedir(), 'Downloads', 'report.bin'));
    const target = join(saveDir, 'report.bin');
    await saveAs.fill(target);
    await app.getByTestId(/^chat-file-accept-/).click();
    await expect(app.getByTestId('chat-file-saved-to')).toHaveText(target, { timeout: 20_000 });
    expect(Buffer.compare(readFileSync(target), content)).toBe(0);
    await app.screenshot({ path: test.info().outputPath('chat-file-received.png') });

    // A file dropped on ann's picker is uploaded the same way.
    await app.getByRole('tab', { name: /· ann/ }).click();
    await app.locator('summary', { hasText: 'Files' }).click();
    const dt = await app.evaluateHandle(() => {
      const t = new DataTransfer();
      t.items.add(new File(['dropped bytes'], 'dropped.txt', { type: 'text/plain' }));
      return t;
    });
    await app.getByTestId('chat-file-picker').dispatchEvent('drop', { dataTransfer: dt });
    await expect(app.getByTestId('chat-file-path')).toHaveValue(/uploads.*dropped\.txt$/);
    expect(readFileSync(await app.getByTestId('chat-file-path').inputValue(), 'utf8')).toBe('dropped bytes');
  } finally {
    rmSync(saveDir, { recursive: true, force: true });
  }
});
