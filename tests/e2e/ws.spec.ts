// WebSocket and SSE end to end: an echo server started from the page, a client with a subprotocol
// offer and a header, text/binary/JSON messages in the log with filters, a saved message, ping, a close
// with a chosen code, coded errors for bad input; the SSE view against a stream served by the test.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, expect } from './fixtures';

test('echo server from the page, client messages (text, binary, JSON), filters, saved message, ping, close code', async ({
  app,
}) => {
  await app.getByTestId('nav-ws').click();
  await app.getByTestId('ws-server-port').fill('0');
  await app.getByTestId('ws-server-toggle').click();
  await expect(app.getByTestId('ws-server-status')).toContainText('listening on ws://127.0.0.1:');
  await app.getByTestId('ws-use-server').click();
  await app.getByTestId('ws-protocols').fill('chat.v1');
  await app.getByTestId('ws-headers').fill('X-Test: 1');
  await app.getByTestId('ws-connect').click();
  await expect(app.getByTestId('ws-state')).toHaveAttribute('data-state', 'open');
  await expect(app.getByTestId('ws-server-status')).toContainText('1 clients');

  await app.getByTestId('ws-draft').fill('hello <b>ws</b>');
  await app.getByTestId('ws-send').click();
  const log = app.getByTestId('ws-log');
  await expect(log.locator('[data-testid="ws-message"][data-dir="in"]')).toHaveCount(1);
  // Markup in a message stays text.
  await expect(log).toContainText('hello <b>ws</b>');

  await app.getByTestId('ws-send-kind').selectOption('hex');
  await app.getByTestId('ws-draft').fill('de ad be ef');
  await app.getByTestId('ws-send').click();
  await expect(log.locator('[data-testid="ws-message"][data-dir="in"][data-kind="binary"]')).toContainText(
    'deadbeef',
  );

  await app.getByTestId('ws-send-kind').selectOption('json');
  await app.getByTestId('ws-draft').fill('{"broken":');
  await app.getByTestId('ws-send').click();
  await expect(app.getByTestId('ws-send-error')).toHaveAttribute('data-code', 'INVALID_JSON');
  await app.getByTestId('ws-draft').fill('{"n":1}');
  await app.getByTestId('ws-save-name').fill('one');
  await app.getByTestId('ws-save').click();
  await app.getByTestId('ws-saved').getByRole('button', { name: 'one (json)' }).click();
  await expect(log.locator('[data-testid="ws-message"][data-dir="in"]')).toHaveCount(3);

  // Filters: only binary, then only outgoing text.
  await app.getByTestId('ws-filter-text').uncheck();
  await expect(log.locator('[data-testid="ws-message"]')).toHaveCount(2);
  await app.getByTestId('ws-filter-text').check();
  await app.getByTestId('ws-filter-in').uncheck();
  await expect(log.locator('[data-testid="ws-message"][data-dir="in"]')).toHaveCount(0);
  await app.getByTestId('ws-filter-in').check();

  await app.getByTestId('ws-ping').click();
  await expect(log.locator('[data-testid="ws-message"][data-kind="pong"]')).toHaveCount(1);

  await app.getByTestId('ws-close-code').fill('1005');
  await app.getByTestId('ws-close').click();
  await expect(app.getByTestId('ws-close-error')).toHaveAttribute('data-code', 'WS_INVALID_CLOSE_CODE');
  await app.getByTestId('ws-close-code').fill('4000');
  await app.getByTestId('ws-close-reason').fill('bye');
  await app.getByTestId('ws-close').click();
  await expect(app.getByTestId('ws-state')).toHaveAttribute('data-state', 'closed');
  await expect(app.getByTestId('ws-state')).toContainText('closed 4000 bye');

  // The form and saved messages survive leaving the page.
  await app.getByTestId('nav-udp').click();
  await app.getByTestId('nav-ws').click();
  await expect(app.getByTestId('ws-protocols')).toHaveValue('chat.v1');
  await expect(app.getByTestId('ws-saved')).toHaveCount(1);

  await app.getByTestId('ws-url').fill('ftp://nowhere/');
  await app.getByTestId('ws-connect').click();
  await expect(app.getByTestId('ws-connect-error')).toHaveAttribute('data-code', 'WS_INVALID_URL');
  await app.getByTestId('ws-server-toggle').click();
  await expect(app.getByTestId('ws-server-status')).toHaveCount(0);
});

test('SSE view: events with ids, resume with Last-Event-ID, a non-stream refused', async ({ app }) => {
  const seen: string[] = [];
  const srv = http.createServer((req, res) => {
    if (req.url !== '/events') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('no');
      return;
    }
    seen.push(String(req.headers['last-event-id'] ?? ''));
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('id: 7\nevent: greet\ndata: hello <i>sse</i>\n\n');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  try {
    await app.getByTestId('nav-ws').click();
    await app.getByTestId('sse-url').fill(`${base}/events`);
    await app.getByTestId('sse-last-id').fill('6');
    await app.getByTestId('sse-connect').click();
    await expect(app.getByTestId('sse-state')).toHaveAttribute('data-state', 'open');
    await expect(app.getByTestId('sse-event')).toHaveCount(1);
    await expect(app.getByTestId('sse-event')).toContainText('greet');
    await expect(app.getByTestId('sse-event')).toContainText('hello <i>sse</i>');
    await expect(app.getByTestId('sse-state')).toContainText('last id 7');
    expect(seen).toEqual(['6']);
    await app.getByTestId('sse-close').click();
    await expect(app.getByTestId('sse-state')).toHaveAttribute('data-state', 'closed');

    await app.getByTestId('sse-url').fill(`${base}/plain`);
    await app.getByTestId('sse-connect').click();
    await expect(app.getByTestId('sse-error')).toHaveAttribute('data-code', 'SSE_BAD_RESPONSE');
  } finally {
    srv.closeAllConnections();
    await new Promise<void>((r) => srv.close(() => r()));
  }
});
