// Path and file fields have a picker, as people pick files (issue 10, item 6). In the browser shell a
// folder is uploaded file by file into one folder the engines serve; a certificate file's text goes into
// its PEM field, read by the page.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect } from './fixtures';

const tempDir = () => mkdtempSync(join(tmpdir(), 'wirelab-pick-'));

test('the mock server serves a static folder chosen with the folder picker', async ({ app }) => {
  const root = tempDir();
  const site = join(root, 'site');
  mkdirSync(join(site, 'css'), { recursive: true });
  writeFileSync(join(site, 'notes.txt'), 'static notes\n');
  writeFileSync(join(site, 'css', 'site.css'), 'h1 { color: teal; }\n');
  try {
    await app.getByTestId('nav-http-server').click();
    await app.getByTestId('http-server-static-picker-input').setInputFiles(site);
    // The page uploaded the folder and put the path the engines read into the field.
    await expect(app.getByTestId('http-server-static')).toHaveValue(/uploads/, { timeout: 30_000 });
    await app.getByTestId('http-server-port').fill('0');
    await app.getByTestId('http-server-start').click();
    const url = app.getByTestId('http-server-url');
    await expect(url).toHaveText(/^http:\/\/127\.0\.0\.1:\d+$/, { timeout: 30_000 });
    const base = (await url.textContent())!.trim();
    expect(await (await fetch(`${base}/css/site.css`)).text()).toBe('h1 { color: teal; }\n');
    expect(await (await fetch(`${base}/notes.txt`)).text()).toBe('static notes\n');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a file dropped on the folder picker is refused with a sentence; the field is unchanged', async ({
  app,
}) => {
  await app.getByTestId('nav-http-server').click();
  const before = await app.getByTestId('http-server-static').inputValue();
  // A dropped folder is walked by lib/dropped-folder.ts (unit-tested); a page cannot synthesise a
  // directory entry, so this checks the drop wiring with the case it can: one plain file.
  const dt = await app.evaluateHandle(() => {
    const t = new DataTransfer();
    t.items.add(new File(['x'], 'one.txt', { type: 'text/plain' }));
    return t;
  });
  await app.getByTestId('http-server-static-picker').dispatchEvent('drop', { dataTransfer: dt });
  await expect(app.getByTestId('http-server-static-picker-error')).toContainText('Drop a folder here');
  await expect(app.getByTestId('http-server-static')).toHaveValue(before);
});

test('a TLS server starts from a certificate and key chosen as files', async ({ app }) => {
  const dir = tempDir();
  const cert = join(dir, 'server.crt');
  const key = join(dir, 'server.key');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=picked.wirelab.test',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  try {
    await app.getByTestId('nav-tls-sockets').click();
    await app.getByTestId('tlssock-cert-source').selectOption('pem');
    await app.getByTestId('tlssock-cert-file-input').setInputFiles(cert);
    await app.getByTestId('tlssock-key-file-input').setInputFiles(key);
    await expect(app.getByTestId('tlssock-cert-pem')).toHaveValue(/BEGIN CERTIFICATE/);
    await expect(app.getByTestId('tlssock-key-pem')).toHaveValue(/BEGIN PRIVATE KEY/);
    await app.getByTestId('tlssock-start').click();
    await expect(app.getByTestId('tlssock-cert')).toContainText('picked.wirelab.test', { timeout: 30_000 });
    await expect(app.getByTestId('tlssock-cert')).toContainText('PEM certificate');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
