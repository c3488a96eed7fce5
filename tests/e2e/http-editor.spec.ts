// The composer's editor (CodeMirror 6): a JSON body edited with its error marked, search and folding in a
// response, the colours following the app theme, and a 6 MB response that opens with its first 256 KiB and
// loads the rest from the engine's spool file on demand while the page stays usable.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, expect } from './fixtures';

const LINE = 'x'.repeat(99) + '\n';
const BIG = LINE.repeat(60_000) + 'END-OF-BODY\n';

test('CodeMirror editor: JSON body, search, folding, theme, a 6 MB response on demand', async ({ app }) => {
  test.setTimeout(180_000);
  const srv = http.createServer((req, res) => {
    if (req.url === '/big') {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(BIG) });
      res.end(BIG);
      return;
    }
    const body = JSON.stringify(
      {
        items: [
          { id: 1, name: 'alpha' },
          { id: 2, name: 'beta' },
        ],
        total: 2,
      },
      null,
      2,
    );
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  try {
    await app.getByTestId('nav-http-composer').click();
    await app.getByTestId('http-method').fill('POST');
    await app.getByTestId('http-url').fill(`${base}/json`);
    await app.getByTestId('http-section-body').click();
    await app.getByTestId('http-body-type-json').check();
    const body = app.getByTestId('http-body-json');
    await body.fill('{"a": }');
    await expect(app.getByTestId('http-json-problem')).toBeVisible();
    await body.fill('{"a": 1}');
    await expect(app.getByTestId('http-json-problem')).toHaveCount(0);
    await app.getByTestId('http-send').click();
    await expect(app.getByTestId('http-response-status')).toHaveText(/^200/);

    // The raw view: highlighted, searchable, foldable, read-only.
    await app.getByTestId('http-tab-raw').click();
    const raw = app.getByTestId('http-body-raw');
    await expect(raw).toContainText('"alpha"');
    await expect(raw).toHaveAttribute('aria-readonly', 'true');
    await raw.click();
    await app.keyboard.type('zzz');
    await expect(raw).not.toContainText('zzz');
    await app.keyboard.press('Control+f');
    const find = app.getByRole('textbox', { name: 'Find' });
    await expect(find).toBeVisible();
    await find.fill('beta');
    await find.press('Enter');
    await app.keyboard.press('Escape');
    await app.getByTitle('Fold line', { exact: true }).first().click();
    await expect(app.getByLabel('folded code')).toBeVisible();
    await expect(raw).not.toContainText('"alpha"');

    // The editor's colours follow the theme (light, then dark).
    const color = () => raw.evaluate((el) => getComputedStyle(el).color);
    const toggle = app.getByTestId('theme-toggle');
    while (!(await toggle.textContent())?.includes('light')) await toggle.click();
    const light = await color();
    await toggle.click();
    await expect(toggle).toContainText('dark');
    await expect.poll(color).not.toBe(light);
    await toggle.click();

    // A 6 MB body: the first 256 KiB at once, the preview on "Show all", the rest from the file on demand.
    await app.getByTestId('http-method').fill('GET');
    await app.getByTestId('http-url').fill(`${base}/big`);
    await app.getByTestId('http-send').click();
    await expect(app.getByTestId('http-response-truncated')).toBeVisible();
    await app.getByTestId('http-tab-pretty').click();
    await expect(app.getByTestId('http-body-shown')).toContainText('256 KiB');
    await app.getByTestId('http-body-show-all').click();
    await expect(app.getByTestId('http-body-shown')).toContainText('Showing 1.0 MiB of');
    await app.getByTestId('http-body-load-rest').click();
    await expect(app.getByTestId('http-body-text-partial')).toHaveCount(0, { timeout: 60_000 });
    // The end of the body is in the editor.
    const text = app.getByTestId('http-body-text');
    await text.click();
    await app.keyboard.press('Control+End');
    await expect(text).toContainText('END-OF-BODY');
    await app.screenshot({ path: 'test-results/http-editor-large.png', fullPage: true });
  } finally {
    srv.closeAllConnections();
    await new Promise<void>((r) => srv.close(() => r()));
  }
});
