// The TCP workbench end to end: the form starts a real server, the app's client talks to it, a raw
// net socket from the test talks to it too, and the bad-input errors appear with their sentences.
import { connect, createServer, type Socket } from 'node:net';
import { test, expect } from './fixtures';
import type { Page } from '@playwright/test';
import { startBlackhole } from '../helpers/blackhole';

async function startServer(app: Page, opts: { welcome?: string; port?: string } = {}): Promise<number> {
  await app.getByTestId('nav-tcp-server').click();
  await app.getByTestId('tcp-server-port').fill(opts.port ?? '0');
  await app.getByTestId('tcp-server-welcome').fill(opts.welcome ?? 'Welcome to the server!');
  await app.getByTestId('tcp-server-start').click();
  const address = app.getByTestId('tcp-server-address');
  await expect(address).toHaveText(/127\.0\.0\.1:\d+/);
  return Number((await address.textContent())!.split(':')[1]);
}

test('server from the form, app client, raw socket, send to all, stop closes clients', async ({ app }) => {
  const port = await startServer(app);
  await expect(app.getByTestId('tcp-server-state')).toHaveText('listening');

  // Connect the app's own client.
  await app.getByTestId('nav-tcp-client').click();
  await app.getByTestId('tcp-client-port').fill(String(port));
  await app.getByTestId('tcp-client-connect').click();
  await expect(app.getByTestId('tcp-client-state')).toHaveText('open');
  await expect(app.getByTestId('log')).toContainText('Welcome to the server!');
  await app.getByTestId('tcp-client-payload').fill('Hello, TCP Server!');
  await app.getByTestId('tcp-client-payload').press('Control+Enter');
  await expect(app.getByTestId('log')).toContainText('Hello, TCP Server!');

  // A raw socket from the test joins too.
  const raw: Socket = await new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
  });
  let rawText = '';
  raw.on('data', (d) => (rawText += d.toString()));
  const rawClosed = new Promise((r) => raw.on('close', r));
  raw.write('hi from raw socket');

  await app.getByTestId('nav-tcp-server').click();
  await expect(app.getByTestId('tcp-server-clients').getByRole('row')).toHaveCount(3); // header + 2
  await expect(app.getByTestId('log')).toContainText('Hello, TCP Server!');
  await expect(app.getByTestId('log')).toContainText('hi from raw socket');

  // Send to all: both clients get it.
  await app.getByTestId('tcp-server-payload').fill('to everyone');
  await app.getByTestId('tcp-server-send').click();
  await expect.poll(() => rawText).toContain('to everyone');
  await app.getByTestId('nav-tcp-client').click();
  await expect(app.getByTestId('log')).toContainText('to everyone');

  // Reply to one client only (the raw one) in hex.
  await app.getByTestId('nav-tcp-server').click();
  const rawRow = app.locator('[data-testid^="tcp-client-row-"]', { hasText: `:${raw.localPort}` });
  await rawRow.getByRole('button', { name: 'Send to' }).click();
  await app.getByTestId('tcp-server-enc-hex').check();
  await app.getByTestId('tcp-server-payload').fill('4d 65 73 73 61 67 65 20 72 65 63 65 69 76 65 64');
  await app.getByTestId('tcp-server-send').click();
  await expect.poll(() => rawText).toContain('Message received');

  // Stop: every client is closed.
  await app.getByTestId('tcp-server-stop').click();
  await expect(app.getByTestId('tcp-server-state')).toHaveText('stopped');
  await rawClosed;
  await app.getByTestId('nav-tcp-client').click();
  await expect(app.getByTestId('tcp-client-state')).toHaveText('closed');
});

test('bad input shows clear errors and the app keeps working', async ({ app }) => {
  await app.getByTestId('nav-tcp-server').click();
  await app.getByTestId('tcp-server-port').fill('70000');
  await app.getByTestId('tcp-server-start').click();
  await expect(app.getByTestId('tcp-server-error')).toHaveAttribute('data-code', 'PORT_OUT_OF_RANGE');
  await expect(app.getByTestId('tcp-server-error')).toContainText('0 to 65535');

  // Address in use: occupy a port from the test.
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const busy = (blocker.address() as { port: number }).port;
  await app.getByTestId('tcp-server-port').fill(String(busy));
  await app.getByTestId('tcp-server-start').click();
  await expect(app.getByTestId('tcp-server-error')).toHaveAttribute('data-code', 'ADDRESS_IN_USE');
  await expect(app.getByTestId('tcp-server-error')).toContainText('already in use');

  // Connection refused: a port that was just closed.
  await new Promise<void>((r) => blocker.close(() => r()));
  await app.getByTestId('nav-tcp-client').click();
  await app.getByTestId('tcp-client-port').fill(String(busy));
  await app.getByTestId('tcp-client-connect').click();
  await expect(app.getByTestId('tcp-client-error')).toHaveAttribute('data-code', 'CONNECTION_REFUSED');

  // Host not found.
  await app.getByTestId('tcp-client-host').fill('no-such-host.invalid');
  await app.getByTestId('tcp-client-port').fill('80');
  await app.getByTestId('tcp-client-connect').click();
  await expect(app.getByTestId('tcp-client-error')).toHaveAttribute('data-code', 'HOST_NOT_FOUND');

  // Port out of range on the client.
  await app.getByTestId('tcp-client-host').fill('127.0.0.1');
  await app.getByTestId('tcp-client-port').fill('0');
  await app.getByTestId('tcp-client-connect').click();
  await expect(app.getByTestId('tcp-client-error')).toHaveAttribute('data-code', 'PORT_OUT_OF_RANGE');

  // Invalid hex: flagged while typing, and refused by the engine if sent anyway.
  const port = await startServer(app);
  await app.getByTestId('nav-tcp-client').click();
  await app.getByTestId('tcp-client-port').fill(String(port));
  await app.getByTestId('tcp-client-connect').click();
  await expect(app.getByTestId('tcp-client-state')).toHaveText('open');
  await app.getByTestId('tcp-client-enc-hex').check();
  await app.getByTestId('tcp-client-payload').fill('zz 12 3');
  await expect(app.getByTestId('tcp-client-payload-error')).toBeVisible();
  await app.getByTestId('tcp-client-send').click();
  await expect(app.getByTestId('tcp-client-send-error')).toHaveAttribute('data-code', 'INVALID_HEX');

  // Still working: a valid send goes through.
  await app.getByTestId('tcp-client-payload').fill('6f 6b');
  await app.getByTestId('tcp-client-send').click();
  await expect(app.getByTestId('log')).toContainText('ok');
});

test('connect timeout is reported as TIMEOUT', async ({ app }) => {
  // A loopback port that never answers SYNs (tests/helpers/blackhole.ts): no traffic leaves the machine.
  const hole = await startBlackhole();
  try {
    await app.getByTestId('nav-tcp-client').click();
    await app.getByTestId('tcp-client-port').fill(String(hole.port));
    await app.getByTestId('tcp-client-timeout').fill('500');
    await app.getByTestId('tcp-client-connect').click();
    await expect(app.getByTestId('tcp-client-error')).toHaveAttribute('data-code', 'TIMEOUT');
    await expect(app.getByTestId('tcp-client-error')).toContainText('timed out');
  } finally {
    await hole.close();
  }
});

test('the log stays bounded and responsive with 100,000 entries received, showing "N dropped"', async ({
  app,
  shell,
}) => {
  const port = await startServer(app, { welcome: '' });
  const raw: Socket = await new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
  });
  await expect(app.getByTestId('tcp-server-clients').getByRole('row')).toHaveCount(2);
  const session = (await shell.shell.services.dispatcher.call('tcp.list', {})) as {
    ok: true;
    value: { servers: { session: string; clients: { clientId: string }[] }[] };
  };
  const srv = session.value.servers[0]!;
  // 100,000 data events through the real bus and socket, as fast as the engine could emit them.
  const bus = shell.shell.services.bus;
  for (let i = 0; i < 100_000; i++) {
    bus.publish({
      engine: 'tcp',
      type: 'server.data',
      session: srv.session,
      at: Date.now(),
      clientId: srv.clients[0]!.clientId,
      data: new TextEncoder().encode(`line ${i}`),
      bytes: 6 + String(i).length,
      truncated: false,
    });
  }
  await expect(app.getByTestId('log')).toContainText('line 99999');
  await expect(app.getByTestId('log-dropped')).toContainText('dropped');
  const count = Number((await app.getByTestId('log-count').textContent())!.split(' ')[0]);
  expect(count).toBeLessThanOrEqual(10_000);
  // Virtualised: only the visible rows are in the DOM.
  expect(await app.getByTestId('log-row').count()).toBeLessThan(60);
  // Still responsive: scroll to the top, select a row, see its layer breakdown.
  await app.getByTestId('log').evaluate((el) => (el.scrollTop = 0));
  await app.getByTestId('log-row').first().click();
  await expect(app.getByTestId('log-detail')).toContainText('Received');
  await expect(app.getByTestId('layer-breakdown')).toContainText('L4 Transport');
  await expect(app.getByTestId('layer-breakdown')).toContainText('loopback');
  raw.destroy();
});

test('theme toggle and keyboard shortcuts', async ({ app }) => {
  await app.keyboard.press('Control+2');
  await expect(app).toHaveURL(/#\/tcp\/client/);
  await app.keyboard.press('Control+1');
  await expect(app).toHaveURL(/#\/tcp\/server/);
  await app.getByTestId('theme-toggle').click();
  await expect(app.locator('html')).toHaveAttribute('data-theme', 'light');
  await app.keyboard.press('Control+Shift+L');
  await expect(app.locator('html')).toHaveAttribute('data-theme', 'dark');
  await app.getByRole('heading', { name: 'TCP server' }).click();
  await app.keyboard.press('?');
  await expect(app.getByTestId('shortcuts-dialog')).toBeVisible();
  await app.keyboard.press('Escape');
  await expect(app.getByTestId('shortcuts-dialog')).toHaveCount(0);
  await app.getByTestId('layer-badge').click();
  await expect(app.getByTestId('layer-text')).toContainText('three-way handshake');
});
