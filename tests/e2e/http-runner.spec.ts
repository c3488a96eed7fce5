// The collection runner in the browser: two saved requests with assertions, a CSV data file giving two
// iterations, a results table with per-request status, time and assertion counts; bail stops early.
import { test, expect } from './fixtures';
import { createServer, type Server } from 'node:http';

let server: Server;
let base = '';
const urls: string[] = [];

test.beforeAll(async () => {
  server = createServer((req, res) => {
    urls.push(req.url ?? '');
    const m = /^\/users\/(\d+)$/.exec(req.url ?? '');
    if (!m) return res.writeHead(404, { 'content-type': 'text/plain' }).end('not here');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: Number(m[1]) }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});
test.afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

test('collection runner: data rows as iterations, a results table, bail', async ({ app }) => {
  await app.getByTestId('nav-http-composer').click();
  await app.getByTestId('http-side-collections').click();
  await app.getByTestId('http-collection-name').fill('Smoke');
  await app.getByTestId('http-collection-create').click();

  // 1: GET /users/{{uid}} with two assertions.
  await app.getByTestId('http-url').fill(`${base}/users/{{uid}}`);
  await app.getByTestId('http-section-checks').click();
  await app.getByTestId('http-assert-add').click();
  await app.getByTestId('http-assert-add').click();
  await app.getByTestId('http-assert-source-1').selectOption('jsonpath');
  await app.getByTestId('http-assert-path-1').fill('$.id');
  await app.getByTestId('http-assert-value-1').fill('{{uid}}');
  await app.getByTestId('http-save-name').fill('1 get user');
  await app.getByTestId('http-save').click();
  await expect(app.getByTestId('http-collections')).toContainText('1 requests');

  // 2: a request whose assertion fails.
  await app.getByTestId('http-url').fill(`${base}/missing`);
  await app.getByTestId('http-assert-source-1').selectOption('status');
  await app.getByTestId('http-assert-value-1').fill('200');
  await app.getByTestId('http-save-name').fill('2 missing');
  await app.getByTestId('http-save').click();
  await expect(app.getByTestId('http-collections')).toContainText('2 requests');

  await app.getByTestId('http-side-runner').click();
  await app.getByTestId('http-run-collection').selectOption({ label: 'Smoke' });
  await app.getByTestId('http-run-data').fill('uid\n3\n4\n');
  await app.getByTestId('http-run-start').click();
  // Per iteration: request 1 passes both assertions, request 2 fails both.
  await expect(app.getByTestId('http-run-summary')).toHaveText(
    /^done · 4 requests · 4 passed · 4 failed · 0 errors\s*$/,
  );
  const rows = app.getByTestId('http-run-row');
  await expect(rows).toHaveCount(4);
  await expect(rows.nth(0)).toHaveAttribute('data-ok', 'true');
  await expect(rows.nth(0)).toContainText('GET 1-get-user');
  await expect(rows.nth(1)).toHaveAttribute('data-ok', 'false');
  await expect(rows.nth(1)).toContainText('404');
  await expect(rows.nth(2)).toContainText('2/2');
  expect(urls).toEqual(['/users/3', '/missing', '/users/4', '/missing']);
  await app.screenshot({ path: 'test-results/http-runner.png', fullPage: true });

  await app.getByTestId('http-run-bail').check();
  await app.getByTestId('http-run-start').click();
  await expect(app.getByTestId('http-run-summary')).toHaveText(/^bailed · 2 requests/);
  await expect(rows).toHaveCount(2);
});
