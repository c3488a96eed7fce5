// The HTTP tools end to end: a mock route defined in the server UI is called from the composer; the JSON
// tree, the extraction panel and the timing waterfall show the answer; the inspector saw the request;
// history survives a restart of the browser shell on the same data directory; bad input is coded; an HTTPS
// mock started with HTTP/2 answers an h2 client and its inspector shows the version.
import { test, expect, startShell } from './fixtures';
import type { Page } from '@playwright/test';
import { connect as h2connect, type ClientHttp2Session } from 'node:http2';

async function startMockServer(app: Page): Promise<string> {
  await app.getByTestId('nav-http-server').click();
  await app.getByTestId('http-server-port').fill('0');
  await app.getByTestId('http-route-add').click();
  await app.getByTestId('http-route-path-0').fill('/api/people/:id');
  await app.getByTestId('http-route-headers-0').fill('Content-Type: application/json\nX-Mock: yes');
  await app
    .getByTestId('http-route-body-0')
    .fill(
      '{"id": "{{params.id}}", "name": "Ada Lovelace", "email": "ada@example.test", "company": {"name": "Analytical Engines", "city": "{{query.city}}"}}',
    );
  await app.getByTestId('http-server-start').click();
  const url = app.getByTestId('http-server-url');
  await expect(url).toHaveText(/^http:\/\/127\.0\.0\.1:\d+$/);
  return (await url.textContent())!.trim();
}

test('mock route from the server UI, called from the composer: JSON tree, extraction, waterfall, inspector', async ({
  app,
}) => {
  const base = await startMockServer(app);

  await app.getByTestId('nav-http-composer').click();
  await app.getByTestId('http-url').fill(`${base}/api/people/7?city=London`);
  // The query editor follows the URL.
  await expect(app.getByTestId('http-query-name-0')).toHaveValue('city');
  await expect(app.getByTestId('http-query-value-0')).toHaveValue('London');
  await app.getByTestId('http-send').click();
  await expect(app.getByTestId('http-response-status')).toHaveText(/^200/);
  await expect(app.getByTestId('http-response-version')).toHaveText('HTTP/1.1');

  // The collapsible JSON tree.
  const tree = app.getByTestId('http-json-tree');
  await expect(tree).toBeVisible();
  await expect(app.getByTestId('json-value-$.name')).toHaveText('"Ada Lovelace"');
  await expect(app.getByTestId('json-value-$.company.name')).toHaveText('"Analytical Engines"');
  await app.getByTestId('json-toggle-$.company').click();
  await expect(app.getByTestId('json-value-$.company.name')).toBeHidden();
  await app.getByTestId('json-toggle-$.company').click();
  await expect(app.getByTestId('json-value-$.company.city')).toHaveText('"London"');

  // Extraction: company.name, then the email.
  await expect(app.getByTestId('http-extract-value')).toHaveText('Analytical Engines');
  await app.getByTestId('http-extract-input').fill('$.email');
  await expect(app.getByTestId('http-extract-value')).toHaveText('ada@example.test');
  await app.getByTestId('http-extract-input').fill('$.id');
  await expect(app.getByTestId('http-extract-value')).toHaveText('7');
  await app.screenshot({ path: 'test-results/http-composer-json.png', fullPage: true });

  // The timing waterfall.
  await app.getByTestId('http-tab-timing').click();
  const waterfall = app.getByTestId('http-waterfall');
  await expect(waterfall).toBeVisible();
  await expect(waterfall).toHaveAttribute('aria-label', /TCP connect [\d.]+ ms.*Waiting \(TTFB\) [\d.]+ ms/);
  await app.screenshot({ path: 'test-results/http-composer-timing.png', fullPage: true });

  // The headers view shows the route's header.
  await app.getByTestId('http-tab-headers').click();
  await expect(app.getByTestId('http-response-headers')).toContainText('X-Mock');

  // The server's inspector saw it.
  await app.getByTestId('nav-http-server').click();
  const row = app.getByTestId('http-inspector-row').first();
  await expect(row).toContainText('/api/people/7?city=London');
  await expect(row).toContainText('route');
  await row.click();
  await expect(app.getByTestId('http-inspector-detail')).toContainText('User-Agent');
  await app.screenshot({ path: 'test-results/http-server-inspector.png', fullPage: true });

  // A load run against the same route: progress ends in "done" with status counts and a histogram.
  await app.getByTestId('nav-http-composer').click();
  await app.getByTestId('http-side-tools').click();
  await app.getByTestId('http-load-n').fill('100');
  await app.getByTestId('http-load-c').fill('5');
  await app.getByTestId('http-load-start').click();
  await expect(app.getByTestId('http-load-state')).toHaveText('done');
  await expect(app.getByTestId('http-load-summary')).toContainText('200: 100');
  await expect(app.getByTestId('http-load-histogram')).toHaveAttribute('aria-label', /p50 [\d.]+/);
  await app.getByTestId('http-code-generate').click();
  await expect(app.getByTestId('http-code')).toContainText(`curl '${base}/api/people/7?city=London'`);
  await app.screenshot({ path: 'test-results/http-composer-load.png', fullPage: true });
});

/** One GET over HTTP/2; the app certificate is self-signed, so its fingerprint is checked instead. */
function h2Get(url: string, path: string): Promise<{ status: number; body: string; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    const c: ClientHttp2Session = h2connect(url, { rejectUnauthorized: false, ALPNProtocols: ['h2'] });
    c.once('error', reject);
    const req = c.request({ ':path': path, 'x-from': 'e2e' });
    let status = 0;
    let body = '';
    req.on('response', (h) => (status = Number(h[':status'])));
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const fingerprint =
        c.socket && 'getPeerCertificate' in c.socket ? c.socket.getPeerCertificate().fingerprint256 : '';
      c.close();
      resolve({ status, body, fingerprint });
    });
    req.on('error', (err) => {
      c.destroy();
      reject(err);
    });
  });
}

test('HTTPS mock with HTTP/2 from the UI: an h2 client gets its answer; the inspector shows version 2.0', async ({
  app,
}) => {
  await app.getByTestId('nav-http-server').click();
  const h2 = app.getByTestId('http-server-h2');
  // HTTP/2 is only offered over TLS.
  await expect(h2).toBeDisabled();
  await app.getByTestId('http-server-tls').check();
  await expect(h2).toBeEnabled();
  await expect(h2).toBeChecked();
  await app.getByTestId('http-server-port').fill('0');
  await app.getByTestId('http-route-add').click();
  await app.getByTestId('http-route-path-0').fill('/h2/:name');
  await app.getByTestId('http-route-headers-0').fill('X-Mock: yes\nConnection: close');
  await app.getByTestId('http-route-body-0').fill('{"hello": "{{params.name}}"}');
  await app.screenshot({ path: 'test-results/http-server-h2-option.png', fullPage: true });
  await app.getByTestId('http-server-start').click();
  const urlEl = app.getByTestId('http-server-url');
  await expect(urlEl).toHaveText(/^https:\/\/127\.0\.0\.1:\d+$/);
  await expect(app.getByTestId('http-server-protocols')).toHaveText('h2 + http/1.1');
  const url = (await urlEl.textContent())!.trim();
  const shown = (await app.getByTestId('http-server-fingerprint').textContent())!;

  const r = await h2Get(url, '/h2/ada');
  expect(r.status).toBe(200);
  expect(JSON.parse(r.body)).toEqual({ hello: 'ada' });
  expect(shown).toContain(r.fingerprint);

  const row = app.getByTestId('http-inspector-row').first();
  await expect(row).toContainText('/h2/ada');
  await expect(row.getByTestId('http-inspector-version')).toHaveText('2.0');
  await row.click();
  const detail = app.getByTestId('http-inspector-detail');
  await expect(detail).toContainText('GET /h2/ada HTTP/2.0');
  await expect(detail).toContainText(':authority');
  await expect(detail).toContainText('x-from');
  await expect(app.getByTestId('http-inspector-dropped')).toContainText('Connection');
  await app.screenshot({ path: 'test-results/http-server-h2.png', fullPage: true });
});

test('history is still there after the browser shell restarts on the same data directory', async ({
  app,
  shell,
  page,
}) => {
  const base = await startMockServer(app);
  await app.getByTestId('nav-http-composer').click();
  await app.getByTestId('http-url').fill(`${base}/users/3`);
  await app.getByTestId('http-send').click();
  await expect(app.getByTestId('http-response-status')).toHaveText(/^200/);
  await expect(app.getByTestId('http-extract-value')).not.toHaveText('');
  await expect(app.getByTestId('http-history-item').first()).toContainText('/users/3');

  await shell.shell.close();
  const again = await startShell(shell.dataDir);
  try {
    await page.goto(again.shell.url);
    await expect(page.getByTestId('shell-info')).toContainText('browser shell');
    await page.getByTestId('nav-http-composer').click();
    const item = page.getByTestId('http-history-item').first();
    await expect(item).toContainText('/users/3');
    await page.getByTestId('http-history-search').fill('users/3');
    await expect(page.getByTestId('http-history-item')).toHaveCount(1);
    // Reopening it puts it back into the editor.
    await item.getByRole('button').first().click();
    await expect(page.getByTestId('http-url')).toHaveValue(`${base}/users/3`);
  } finally {
    await again.shell.close();
  }
});

test('bad input is shown with its code: invalid JSON body, malformed URL, a cURL text that is not curl, a bad route', async ({
  app,
}) => {
  await app.getByTestId('nav-http-composer').click();
  await app.getByTestId('http-url').fill('http://127.0.0.1:9/x');
  await app.getByTestId('http-method').fill('POST');
  await app.getByTestId('http-section-body').click();
  await app.getByTestId('http-body-type-json').check();
  await app.getByTestId('http-body-json').fill('{"a": }');
  await expect(app.getByTestId('http-json-problem')).toBeVisible();
  await app.getByTestId('http-send').click();
  await expect(app.getByTestId('http-send-error')).toHaveAttribute('data-code', 'INVALID_JSON');

  await app.getByTestId('http-body-type-none').check();
  await app.getByTestId('http-url').fill('http://exa mple.test/');
  await app.getByTestId('http-send').click();
  await expect(app.getByTestId('http-send-error')).toHaveAttribute('data-code', 'INVALID_URL');

  await app.getByTestId('http-side-tools').click();
  await app.getByTestId('http-curl-text').fill('wget http://example.test');
  await app.getByTestId('http-curl-import').click();
  await expect(app.getByTestId('http-curl-error')).toHaveAttribute('data-code', 'IMPORT_FAILED');
  await app
    .getByTestId('http-curl-text')
    .fill(`curl -X PUT 'http://127.0.0.1:1/items?x=1' -H 'X-Trace: 42' --data-raw '{"ok":true}'`);
  await app.getByTestId('http-curl-import').click();
  await expect(app.getByTestId('http-url')).toHaveValue('http://127.0.0.1:1/items?x=1');
  await expect(app.getByTestId('http-method')).toHaveValue('PUT');

  await app.getByTestId('nav-http-server').click();
  await app.getByTestId('http-route-add').click();
  await app.getByTestId('http-route-path-0').fill('no-leading-slash');
  await app.getByTestId('http-server-start').click();
  await expect(app.getByTestId('http-server-error')).toHaveAttribute('data-code', 'INVALID_INPUT');
});
