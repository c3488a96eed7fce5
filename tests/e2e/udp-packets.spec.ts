// Packet library end to end: save a UDP packet, send it and resend it (its {{counter}} carries on),
// it and its counter survive a reload, the counter resets; export downloads JSON, an unreadable import is refused with its code.
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { test, expect } from './fixtures';

async function echoServer(): Promise<{ sock: Socket; port: number; got: string[] }> {
  const sock = createSocket('udp4');
  const got: string[] = [];
  sock.on('message', (m, r) => {
    got.push(m.toString());
    sock.send(`echo: ${m.toString()}`, r.port, r.address);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  return { sock, port: sock.address().port, got };
}

test('save a packet, send it, resend it; it is still there after a reload', async ({ app }) => {
  const srv = await echoServer();
  try {
    await app.getByTestId('nav-packets').click();
    await expect(app.getByText('No saved packets')).toBeVisible();
    await app.getByTestId('packets-name').fill('hello udp');
    await app.getByTestId('packets-protocol').selectOption('udp');
    await app.getByTestId('packets-port').fill(String(srv.port));
    await app.getByTestId('packets-payload').fill('Hello #{{counter}}\\21');
    await expect(app.getByTestId('packets-preview')).toContainText('bytes');
    await app.getByTestId('packets-save').click();
    const row = app.locator('[data-testid^="packets-row-"]', { hasText: 'hello udp' });
    await expect(row).toBeVisible();

    await row.getByRole('button', { name: 'Send' }).click();
    const log = app.getByTestId('log');
    await expect(log).toContainText('echo: Hello #1!');
    // A saved packet's {{counter}} carries on from one send to the next.
    await row.getByRole('button', { name: 'Send' }).click();
    await expect(log).toContainText('echo: Hello #2!');
    await expect.poll(() => srv.got).toEqual(['Hello #1!', 'Hello #2!']);
    await expect(log).toContainText(`127.0.0.1:${srv.port}`);
    await expect(row.getByTestId(/^packets-counter-/)).toHaveText('2');
    await app.screenshot({ path: 'test-results/packets-page.png', fullPage: true });

    // ... also across a reload, until it is reset.
    await app.reload();
    await app.getByTestId('nav-packets').click();
    const again = app.locator('[data-testid^="packets-row-"]', { hasText: 'hello udp' });
    await expect(again.getByTestId(/^packets-counter-/)).toHaveText('2');
    await again.getByRole('button', { name: 'Reset the counter of hello udp' }).click();
    await expect(again.getByTestId(/^packets-counter-/)).toHaveText('0');
    await again.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => srv.got).toEqual(['Hello #1!', 'Hello #2!', 'Hello #1!']);
  } finally {
    srv.sock.close();
  }
});

test('repeat with {{counter}}, export downloads the library, a bad import changes nothing', async ({
  app,
}) => {
  const srv = await echoServer();
  try {
    await app.getByTestId('nav-packets').click();
    await app.getByTestId('packets-name').fill('burst');
    await app.getByTestId('packets-port').fill(String(srv.port));
    await app.getByTestId('packets-payload').fill('n={{counter}}');
    await app.getByTestId('packets-repeat').fill('3');
    await app.getByTestId('packets-interval').fill('10');
    await app.getByTestId('packets-save').click();
    await app
      .locator('[data-testid^="packets-row-"]', { hasText: 'burst' })
      .getByRole('button', { name: 'Send' })
      .click();
    await expect.poll(() => srv.got).toEqual(['n=1', 'n=2', 'n=3']);
    await expect(app.getByTestId('log')).toContainText('done: 3/3 sent, 3 answers');

    const download = app.waitForEvent('download');
    await app.getByTestId('packets-export').click();
    const file = await (await download).path();
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { format: string; packets: { name: string }[] };
    expect(doc.format).toBe('wirelab-packets');
    expect(doc.packets.map((p) => p.name)).toEqual(['burst']);

    await app.getByTestId('packets-import').setInputFiles({
      name: 'broken.json',
      mimeType: 'application/json',
      buffer: Buffer.from('{"packets": [ {"name": 1'),
    });
    await expect(app.getByTestId('packets-import-error')).toHaveAttribute('data-code', 'INVALID_IMPORT');
    await app.getByTestId('packets-import').setInputFiles({
      name: 'bin.json',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from([0, 159, 146, 150, 255]),
    });
    await expect(app.getByTestId('packets-import-error')).toHaveAttribute('data-code', 'INVALID_IMPORT');
    await expect(app.locator('[data-testid^="packets-row-"]')).toHaveCount(1);

    // A good import (the export itself, replacing) works.
    await app.getByTestId('packets-import-mode').selectOption('replace');
    await app
      .getByTestId('packets-import')
      .setInputFiles({ name: 'ok.json', mimeType: 'application/json', buffer: readFileSync(file) });
    await expect(app.getByTestId('packets-import-error')).toHaveCount(0);
    await expect(app.locator('[data-testid^="packets-row-"]')).toHaveCount(1);
  } finally {
    srv.sock.close();
  }
});

test('a payload that cannot be sent is refused on save with its code', async ({ app }) => {
  await app.getByTestId('nav-packets').click();
  await app.getByTestId('packets-port').fill('9');
  await app.getByTestId('packets-payload').fill('bad \\zz');
  await expect(app.getByTestId('packets-preview')).toContainText('INVALID_ESCAPE');
  await app.getByTestId('packets-save').click();
  await expect(app.getByTestId('packets-error')).toHaveAttribute('data-code', 'INVALID_ESCAPE');
  await app.getByTestId('packets-payload').fill('ok');
  await app.getByTestId('packets-port').fill('0');
  await app.getByTestId('packets-save').click();
  await expect(app.getByTestId('packets-error')).toHaveAttribute('data-code', 'PORT_OUT_OF_RANGE');
});
