// Small things users meet: the OSI map draws no TLS phase for a plain-HTTP request, the shortcuts
// dialog lists keys in key order, and TCP text can carry \r\n through the escaped-text mode.
import { test, expect } from './fixtures';
import { createServer, type Socket } from 'node:net';

test('the OSI map and the composer show no TLS handshake for a plain http:// request', async ({ app }) => {
  await app.getByTestId('nav-http-server').click();
  await app.getByTestId('http-server-start').click();
  const url = (await app.getByTestId('http-server-url').textContent())!.trim();
  expect(url).toMatch(/^http:\/\//);
  await app.getByTestId('nav-http-composer').click();
  await app.getByTestId('http-url').fill(`${url}/users/1`);
  await app.getByTestId('http-send').click();
  await expect(app.getByTestId('http-response-status')).toContainText('200');
  // The composer's own waterfall draws no TLS row either.
  await app.getByTestId('http-tab-timing').click();
  const composerWaterfall = app.getByTestId('http-waterfall');
  await expect(composerWaterfall).toHaveAttribute('aria-label', /TCP connect/);
  await expect(composerWaterfall).not.toHaveAttribute('aria-label', /TLS handshake/);
  await app.getByTestId('nav-home').click();
  const waterfall = app.getByTestId('osi-exchange-http');
  await expect(waterfall).toContainText('TCP connect');
  await expect(waterfall).not.toContainText('TLS handshake');
  await expect(app.getByTestId('osi-layer-6-phases')).toHaveCount(0);
});

test('the shortcuts dialog lists Ctrl+0 … Ctrl+9 in key order', async ({ app }) => {
  await app.keyboard.press('?');
  const dialog = app.getByTestId('shortcuts-dialog');
  await expect(dialog).toBeVisible();
  const keys = (await dialog.getByRole('row').allTextContents())
    .map((t) => /Ctrl\s*\+\s*(\d)/.exec(t)?.[1])
    .filter((k): k is string => k !== undefined);
  expect(keys.length).toBeGreaterThanOrEqual(9);
  expect(keys).toEqual([...keys].sort());
});

test('TCP client: escaped text sends \\r\\n as CR LF; a bad escape is refused with INVALID_ESCAPE', async ({
  app,
}) => {
  const received: Buffer[] = [];
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    sockets.push(s);
    s.on('data', (d) => received.push(d));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as { port: number }).port;
    await app.getByTestId('nav-tcp-client').click();
    await app.getByTestId('tcp-client-port').fill(String(port));
    await app.getByTestId('tcp-client-connect').click();
    await expect(app.getByTestId('tcp-client-state')).toHaveText('open');
    await app.getByTestId('tcp-client-enc-escaped').check();
    await app.getByTestId('tcp-client-payload').fill('EHLO x\\r\\n');
    await app.getByTestId('tcp-client-send').click();
    await expect.poll(() => Buffer.concat(received).toString('latin1')).toBe('EHLO x\r\n');
    await app.getByTestId('tcp-client-payload').fill('bad \\q');
    await expect(app.getByTestId('tcp-client-payload-error')).toContainText('Invalid escape');
    await app.getByTestId('tcp-client-send').click();
    await expect(app.getByTestId('tcp-client-send-error')).toHaveAttribute('data-code', 'INVALID_ESCAPE');
    // The mode and the draft are kept when the page is left.
    await app.getByTestId('nav-home').click();
    await app.getByTestId('nav-tcp-client').click();
    await expect(app.getByTestId('tcp-client-enc-escaped')).toBeChecked();
    await expect(app.getByTestId('tcp-client-payload')).toHaveValue('bad \\q');
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
  }
});
