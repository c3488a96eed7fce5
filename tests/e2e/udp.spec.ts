// UDP end to end: the app's UDP client sends the classic datagram to the app's UDP server, the server
// shows it with its source and answers, a reply goes back to a chosen sender, bad input is coded.
import { createSocket } from 'node:dgram';
import { test, expect } from './fixtures';
import type { Page } from '@playwright/test';

async function bind(
  app: Page,
  opts: { host?: string; responder?: 'off' | 'echo' | 'reply' } = {},
): Promise<number> {
  await app.getByTestId('udp-host').fill(opts.host ?? '127.0.0.1');
  await app.getByTestId('udp-port').fill('0');
  await app.getByTestId('udp-responder').selectOption(opts.responder ?? 'off');
  const before = await app.locator('[data-testid^="udp-tab-"]').count();
  await app.getByTestId('udp-bind').click();
  await expect(app.locator('[data-testid^="udp-tab-"]')).toHaveCount(before + 1);
  const text = (await app.getByTestId('udp-address').textContent()) ?? '';
  return Number(/:(\d+)$/.exec(text)![1]);
}

test('the app client sends "Hello, UDP Server!" to the app server; the server shows its source and answers', async ({
  app,
}) => {
  await app.getByTestId('nav-udp').click();
  await expect(app.getByText('No UDP socket')).toBeVisible();
  const serverPort = await bind(app, { responder: 'reply' });
  const clientPort = await bind(app);
  await expect(app.getByTestId('udp-state')).toHaveText('bound');

  // The client socket (selected after binding) sends to the server.
  await app.getByTestId('udp-dest-port').fill(String(serverPort));
  await app.getByTestId('udp-payload').fill('Hello, UDP Server!');
  await app.getByTestId('udp-payload').press('Control+Enter');
  const clientLog = app.getByTestId('log');
  await expect(clientLog).toContainText('Message received');
  await expect(clientLog).toContainText(`127.0.0.1:${serverPort}`);

  // The server shows the datagram with its source address and port.
  await app
    .getByTestId(/^udp-tab-/)
    .first()
    .click();
  await expect(app.getByTestId('udp-address')).toHaveText(`127.0.0.1:${serverPort}`);
  const row = app.getByTestId('log-row').filter({ hasText: 'Hello, UDP Server!' });
  await expect(row).toContainText(`127.0.0.1:${clientPort}`);
  await expect(app.getByTestId('udp-counters')).toContainText('in 1');

  // Reply to that sender from the datagram's detail.
  await row.click();
  await app.getByTestId('udp-reply-body').fill('Reply \\41\\42');
  await app.getByTestId('udp-reply-send').click();
  await app
    .getByTestId(/^udp-tab-/)
    .nth(1)
    .click();
  await expect(app.getByTestId('log')).toContainText('Reply AB');
  await app.screenshot({ path: 'test-results/udp-page.png', fullPage: true });
});

test('a datagram from outside the app over IPv6 appears with its source; echo answers it', async ({
  app,
}) => {
  await app.getByTestId('nav-udp').click();
  const port = await bind(app, { host: '::1', responder: 'echo' });
  await expect(app.getByTestId('udp-address')).toHaveText(`[::1]:${port}`);
  const peer = createSocket('udp6');
  await new Promise<void>((r) => peer.bind(0, '::1', () => r()));
  const echoed = new Promise<string>((r) => peer.once('message', (m) => r(m.toString())));
  peer.send('ping over v6', port, '::1');
  expect(await echoed).toBe('ping over v6');
  await expect(app.getByTestId('log-row').filter({ hasText: 'ping over v6' }).first()).toContainText(
    `[::1]:${peer.address().port}`,
  );
  peer.close();
});

test('bad input: port out of range, malformed hex, invalid group, oversized datagram — coded, the socket keeps working', async ({
  app,
}) => {
  await app.getByTestId('nav-udp').click();
  await app.getByTestId('udp-port').fill('70000');
  await app.getByTestId('udp-bind').click();
  await expect(app.getByTestId('udp-bind-error')).toHaveAttribute('data-code', 'PORT_OUT_OF_RANGE');
  const port = await bind(app, { responder: 'echo' });

  await app.getByTestId('udp-dest-port').fill(String(port));
  await app.getByTestId('udp-enc-hex').check();
  await app.getByTestId('udp-payload').fill('zz 12');
  await app.getByTestId('udp-send').click();
  await expect(app.getByTestId('udp-send-error')).toHaveAttribute('data-code', 'INVALID_HEX');

  await app.getByTestId('udp-enc-text').check();
  await app.getByTestId('udp-payload').fill('x'.repeat(65_508));
  await app.getByTestId('udp-send').click();
  await expect(app.getByTestId('udp-send-error')).toHaveAttribute('data-code', 'DATAGRAM_TOO_LARGE');
  await expect(app.getByTestId('udp-send-error')).toContainText('path MTU');

  await app.getByText('Multicast and broadcast').click();
  await app.getByTestId('udp-group').fill('10.1.2.3');
  await app.getByTestId('udp-join').click();
  await expect(app.getByTestId('udp-group-error')).toHaveAttribute('data-code', 'INVALID_MULTICAST_GROUP');

  // The TTL is a live setting: a value out of range is refused and the old one stays; a good one sticks.
  const ttl = app.getByTestId('udp-mttl');
  await ttl.fill('300');
  await ttl.press('Enter');
  await expect(app.getByTestId('toast').last()).toContainText(/255|TTL|ttl/);
  await expect(ttl).toHaveValue('1');
  await ttl.fill('9');
  await ttl.press('Enter');
  await expect(ttl).toHaveValue('9');

  await app.getByTestId('udp-payload').fill('still works');
  await app.getByTestId('udp-send').click();
  // Sent to itself: one row out, one row in, and no echo (a socket never answers its own datagrams).
  await expect(app.getByTestId('log-row').filter({ hasText: 'still works' })).toHaveCount(2);
});

test('auto-reply rules: a matching datagram gets the rule reply; a bad rule is refused and nothing changes', async ({
  app,
}) => {
  await app.getByTestId('nav-udp').click();
  const port = await bind(app, { responder: 'reply' });
  await app.getByText(/Auto-reply rules/).click();
  await app.getByTestId('udp-rule-match').selectOption('contains');
  await app.getByTestId('udp-rule-pattern').fill('ping');
  await app.getByTestId('udp-rule-reply').fill('pong\\0A');
  await app.getByTestId('udp-rule-add').click();
  await expect(app.getByTestId('udp-rules-table').getByRole('row')).toHaveCount(2);

  await app.getByTestId('udp-rule-match').selectOption('regex');
  await app.getByTestId('udp-rule-pattern').fill('(unclosed');
  await app.getByTestId('udp-rule-reply').fill('x');
  await app.getByTestId('udp-rule-add').click();
  await expect(app.getByTestId('udp-rules-error')).toHaveAttribute('data-code', 'INVALID_INPUT');
  await expect(app.getByTestId('udp-rules-table').getByRole('row')).toHaveCount(2);

  const peer = createSocket('udp4');
  await new Promise<void>((r) => peer.bind(0, '127.0.0.1', () => r()));
  const answers: string[] = [];
  peer.on('message', (m) => answers.push(m.toString()));
  peer.send('a ping please', port, '127.0.0.1');
  await expect.poll(() => answers).toEqual(['pong\n']);
  peer.send('something else', port, '127.0.0.1');
  await expect.poll(() => answers).toEqual(['pong\n', 'Message received']);
  peer.close();
});
