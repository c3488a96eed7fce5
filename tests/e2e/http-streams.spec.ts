// WebSocket and SSE routes of the mock HTTP server, end to end: both defined in the server page's routes
// editor, then used from the WebSocket & SSE page (a scripted greeting and reply; a stream of numbered
// events that ends with 204), and seen in the server's inspector with their message counts.
import { test, expect } from './fixtures';

test('WebSocket and SSE routes from the server page answer the WebSocket & SSE page; the inspector counts messages', async ({
  app,
}) => {
  await app.getByTestId('nav-http-server').click();
  await app.getByTestId('http-server-port').fill('0');

  await app.getByTestId('http-route-add').click();
  await app.getByTestId('http-route-kind-0').selectOption('ws');
  await expect(app.getByTestId('http-route-method-0')).toBeDisabled();
  await app.getByTestId('http-route-path-0').fill('/chat/:room');
  await app.getByTestId('http-route-ws-mode-0').selectOption('script');
  await app.getByTestId('http-route-ws-greeting-0').fill('welcome to {{params.room}}');
  await app.getByTestId('http-route-ws-rule-add-0').click();
  await app.getByTestId('http-route-ws-rule-pattern-0-0').fill('ping');
  await app.getByTestId('http-route-ws-rule-reply-0-0').fill('pong <b>{{seq}}</b>');

  await app.getByTestId('http-route-add').click();
  await app.getByTestId('http-route-kind-1').selectOption('sse');
  await app.getByTestId('http-route-path-1').fill('/ticks');
  await app.getByTestId('http-route-sse-repeat-1').fill('3');
  await app.getByTestId('http-route-sse-event-delay-1-0').fill('20');
  await app.getByTestId('http-route-sse-event-name-1-0').fill('tick');
  await app.getByTestId('http-route-sse-event-data-1-0').fill('tick {{seq}}');
  await app.getByTestId('http-server-start').click();
  const url = app.getByTestId('http-server-url');
  await expect(url).toHaveText(/^http:\/\/127\.0\.0\.1:\d+$/);
  const base = (await url.textContent())!.trim();
  await app.screenshot({ path: 'test-results/http-stream-routes.png', fullPage: true });

  await app.getByTestId('nav-ws').click();
  await app.getByTestId('ws-url').fill(`${base.replace('http:', 'ws:')}/chat/lobby`);
  await app.getByTestId('ws-connect').click();
  await expect(app.getByTestId('ws-state')).toHaveAttribute('data-state', 'open');
  const log = app.getByTestId('ws-log');
  await expect(log.locator('[data-testid="ws-message"][data-dir="in"]')).toContainText('welcome to lobby');
  await app.getByTestId('ws-draft').fill('ping');
  await app.getByTestId('ws-send').click();
  await expect(log.locator('[data-testid="ws-message"][data-dir="in"]')).toHaveCount(2);
  await expect(log).toContainText('pong <b>1</b>');
  await app.getByTestId('ws-close').click();
  await expect(app.getByTestId('ws-state')).toHaveAttribute('data-state', 'closed');

  await app.getByTestId('sse-url').fill(`${base}/ticks`);
  await app.getByTestId('sse-connect').click();
  await expect(app.getByTestId('sse-event')).toHaveCount(3, { timeout: 20_000 });
  await expect(app.getByTestId('sse-event').nth(2)).toContainText('tick 3');
  // After the last event the client reconnects with Last-Event-ID 3 and the route answers 204: done.
  await expect(app.getByTestId('sse-state')).toHaveAttribute('data-state', 'closed', { timeout: 20_000 });

  await app.getByTestId('nav-http-server').click();
  const rows = app.getByTestId('http-inspector-row');
  await expect(rows.filter({ hasText: '/chat/lobby' }).getByTestId('http-inspector-handler')).toContainText(
    'ws',
  );
  await expect(rows.filter({ hasText: '/chat/lobby' }).getByTestId('http-inspector-messages')).toContainText(
    '1↓ 2↑',
  );
  await expect(
    rows.filter({ hasText: '/ticks' }).filter({ hasText: '200' }).getByTestId('http-inspector-messages'),
  ).toContainText('0↓ 3↑');
  await expect(rows.filter({ hasText: '/ticks' }).filter({ hasText: '204' })).toHaveCount(1);

  // A bad rule is refused with its code, and the running server keeps its routes.
  await app.getByTestId('http-route-ws-rule-match-0-0').selectOption('regex');
  await app.getByTestId('http-route-ws-rule-pattern-0-0').fill('(');
  await app.getByTestId('http-routes-apply').click();
  await expect(app.getByTestId('http-routes-error')).toHaveAttribute('data-code', 'INVALID_INPUT');
});
