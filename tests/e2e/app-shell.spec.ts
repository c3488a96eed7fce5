// App shell flows: OSI map navigation, a corrupt settings file reported (and set aside) at start-up,
// settings persisted across a restart of the browser shell on the same data dir.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { test, expect, startShell } from './fixtures';
import { createTestPki } from '../helpers/pki';
import { SHELL_TOKEN_FILE } from '../../src/server/shell-token';

test('OSI map lists tools by layer and opens them', async ({ app }) => {
  await expect(app.getByTestId('osi-layer-4')).toContainText('Transport');
  await app.getByTestId('osi-tool-tcp-server').click();
  await expect(app.getByRole('heading', { name: 'TCP server' })).toBeVisible();
  await expect(app.getByTestId('layer-badge')).toContainText('OSI layer 4');
  await app.getByTestId('nav-home').click();
  await expect(app.getByRole('heading', { name: 'OSI map' })).toBeVisible();
});

test('a corrupt settings file is reported and set aside; settings survive a restart', async ({ page }) => {
  const dir = mkdtempSync(join(tmpdir(), 'wirelab-e2e-corrupt-'));
  writeFileSync(join(dir, 'settings.json'), '{"theme": "dark",');
  let h = await startShell(dir);
  try {
    await page.goto(h.shell.url);
    await expect(page.getByTestId('toast').first()).toContainText('set aside');
    const files = readdirSync(dir);
    expect(files.some((f) => f.startsWith('settings.json.corrupt-'))).toBe(true);
    // Choose dark, restart the shell on the same data dir: still dark.
    await page.getByTestId('theme-toggle').click(); // system → light
    await page.getByTestId('theme-toggle').click(); // light → dark
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    await h.shell.close();
    h = await startShell(dir);
    await page.goto(h.shell.url);
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    await expect(page.getByTestId('theme-toggle')).toContainText('dark');
  } finally {
    await h.shell.close();
  }
});

test('a page without the token is refused and says so', async ({ page, shell }) => {
  await page.goto(`http://127.0.0.1:${shell.shell.port}/`);
  await expect(page.getByTestId('link-state')).toContainText('access token');
});

test('the OSI map draws the latest exchange on its layers', async ({ app }) => {
  const pki = createTestPki();
  const server = createTlsServer({ cert: pki.chain(pki.leaf), key: pki.leaf.keyPem }, (s) => s.end());
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await expect(app.getByTestId('osi-exchanges')).toHaveCount(0);
    await app.getByTestId('nav-tls').click();
    await app.getByTestId('tls-target').fill(`localhost:${(server.address() as { port: number }).port}`);
    await app.getByTestId('tls-scan').uncheck();
    await app.getByTestId('tls-inspect').click();
    await expect(app.getByTestId('tls-waterfall')).toBeVisible({ timeout: 20_000 });
    await app.getByTestId('nav-home').click();
    await expect(app.getByTestId('osi-exchange-tls')).toContainText('TLS inspection of localhost');
    await expect(app.getByTestId('osi-waterfall-tls')).toBeVisible();
    await expect(app.getByTestId('osi-layer-4-phases')).toContainText('TCP connect');
    await expect(app.getByTestId('osi-layer-6-phases')).toContainText('TLS handshake');
  } finally {
    server.close();
  }
});

test('an open tab reconnects by itself when the shell restarts on the same data dir', async ({ page }) => {
  const dir = mkdtempSync(join(tmpdir(), 'wirelab-e2e-restart-'));
  let h = await startShell(dir);
  try {
    await page.goto(h.shell.url);
    await expect(page.getByTestId('shell-info')).toContainText('browser shell');
    // The token left the address bar; the tab keeps it.
    await expect(page).not.toHaveURL(/token=/);
    const port = h.shell.port;
    await h.shell.close();
    await expect(page.getByTestId('link-state')).toHaveAttribute('data-state', 'closed');
    await expect(page.getByTestId('link-state')).toContainText('reconnecting');
    h = await startShell(dir);
    expect(h.shell.port).toBe(port);
    await expect(page.getByTestId('link-state')).toHaveCount(0, { timeout: 15_000 });
    // Calls work again on the new shell: start a TCP server from the page.
    await page.getByTestId('nav-tcp-server').click();
    await page.getByTestId('tcp-server-start').click();
    await expect(page.getByTestId('tcp-server-address')).toHaveText(/127\.0\.0\.1:\d+/);
    // A reload finds the token in the tab, not in the URL.
    await page.reload();
    await expect(page.getByTestId('shell-info')).toContainText('browser shell');
    await expect(page.getByTestId('link-state')).toHaveCount(0);
  } finally {
    await h.shell.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a tab whose token is no longer accepted says so and what to do', async ({ page }) => {
  const dir = mkdtempSync(join(tmpdir(), 'wirelab-e2e-token-'));
  let h = await startShell(dir);
  try {
    await page.goto(h.shell.url);
    await expect(page.getByTestId('shell-info')).toContainText('browser shell');
    await h.shell.close();
    rmSync(join(dir, SHELL_TOKEN_FILE));
    h = await startShell(dir);
    await expect(page.getByTestId('link-state')).toHaveAttribute('data-state', 'rejected', {
      timeout: 15_000,
    });
    await expect(page.getByTestId('link-state')).toContainText('no longer accepted');
    await expect(page.getByTestId('link-state')).toContainText('Open the URL');
  } finally {
    await h.shell.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.describe('with the warm spare host, as the shell runs by default', () => {
  test.use({ warmSpare: true });

  test('the engine process dies: the page comes back to working without a reload', async ({ app, shell }) => {
    const pid = shell.shell.enginePid()!;
    process.kill(pid, 'SIGKILL');
    await expect.poll(() => shell.shell.enginePid(), { timeout: 20_000 }).not.toBe(pid);
    await expect(app.getByTestId('link-state')).toHaveCount(0, { timeout: 20_000 });
    await app.getByTestId('nav-tcp-server').click();
    await app.getByTestId('tcp-server-start').click();
    await expect(app.getByTestId('tcp-server-address')).toHaveText(/127\.0\.0\.1:\d+/);
  });
});
