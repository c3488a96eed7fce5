// The composer's checks and connection reuse in the browser: assertions pass and fail next to the
// response, a capture feeds the next request's URL, the second request reuses the connection (the waterfall
// drops DNS/TCP/TLS), and the reuse toggle and "Close connections" act on a server that counts connections.
import { test, expect } from './fixtures';
import { createServer, type Server } from 'node:http';

let server: Server;
let base = '';
const seen = { connections: 0, urls: [] as string[] };

test.beforeAll(async () => {
  server = createServer((req, res) => {
    seen.urls.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'application/json', 'x-trace': 'abc-123' });
    res.end(JSON.stringify({ id: 7, name: 'Ada', tags: ['math'] }));
  });
  server.on('connection', () => (seen.connections += 1));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});
test.afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

test('assertions pass/fail next to the response, a capture feeds the next URL, the connection is reused', async ({
  app,
}) => {
  await app.getByTestId('nav-http-composer').click();
  await app.getByTestId('http-url').fill(`${base}/users/7`);
  await app.getByTestId('http-section-checks').click();
  await app.getByTestId('http-assert-add').click(); // status = 200
  await app.getByTestId('http-assert-add').click();
  await app.getByTestId('http-assert-source-1').selectOption('jsonpath');
  await app.getByTestId('http-assert-path-1').fill('$.name');
  await app.getByTestId('http-assert-value-1').fill('Ada');
  await app.getByTestId('http-assert-add').click();
  await app.getByTestId('http-assert-source-2').selectOption('header');
  await app.getByTestId('http-assert-path-2').fill('X-Trace');
  await app.getByTestId('http-assert-op-2').selectOption('matches');
  await app.getByTestId('http-assert-value-2').fill('^xyz');
  await app.getByTestId('http-capture-add').click();
  await app.getByTestId('http-capture-var-0').fill('userId');
  await app.getByTestId('http-capture-path-0').fill('$.id');
  await app.getByTestId('http-send').click();

  await expect(app.getByTestId('http-response-status')).toHaveText(/^200/);
  await expect(app.getByTestId('http-check-summary')).toHaveText('2 passed · 1 failed');
  await expect(app.getByTestId('http-assert-result-0')).toHaveAttribute('data-pass', 'true');
  await expect(app.getByTestId('http-assert-result-1')).toHaveAttribute('data-pass', 'true');
  await expect(app.getByTestId('http-assert-result-2')).toHaveAttribute('data-pass', 'false');
  await expect(app.getByTestId('http-assert-result-2')).toContainText('header X-Trace matches ^xyz');
  await expect(app.getByTestId('http-capture-result-userId')).toContainText('= 7');
  await expect(app.getByTestId('http-response-connection')).toHaveText(/^new connection #\d+$/);
  await app.screenshot({ path: 'test-results/http-checks.png', fullPage: true });

  // The capture is a variable now; the second request reuses the kept connection.
  await app.getByTestId('http-url').fill(`${base}/orders/{{userId}}`);
  await app.getByTestId('http-send').click();
  await expect(app.getByTestId('http-response-connection')).toHaveText(/^connection reused #\d+$/);
  expect(seen.urls.at(-1)).toBe('/orders/7');
  expect(seen.connections).toBe(1);
  await app.getByTestId('http-tab-timing').click();
  const waterfall = app.getByTestId('http-waterfall');
  await expect(waterfall).toHaveAttribute('aria-label', /Waiting \(TTFB\)/);
  await expect(waterfall).not.toHaveAttribute('aria-label', /TCP connect/);

  // "Close connections": the next request connects afresh.
  await app.getByTestId('http-section-options').click();
  await app.getByTestId('http-close-connections').click();
  await expect(app.getByRole('status').filter({ hasText: 'closed' })).toHaveText('1 connection closed');
  await app.getByTestId('http-send').click();
  await expect(app.getByTestId('http-response-connection')).toHaveText(/^new connection/);
  await expect.poll(() => seen.connections).toBe(2);

  // Reuse off: every request gets its own connection.
  await app.getByTestId('http-opt-reuse').uncheck();
  for (const n of [3, 4]) {
    await app.getByTestId('http-send').click();
    await expect.poll(() => seen.connections).toBe(n);
    await expect(app.getByTestId('http-response-connection')).toHaveText(/^new connection/);
  }
  await expect.poll(() => seen.connections).toBe(4);
});
