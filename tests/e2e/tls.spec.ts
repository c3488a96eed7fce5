// The TLS inspector end to end: a real node:tls server with a fresh test PKI, inspected from the form;
// the grade, the problems, the chain, the scan table and the weaknesses are on screen; the report is
// exported; the history lists the host; a bad host gets its coded error.
import { readFileSync } from 'node:fs';
import { test, expect } from './fixtures';
import { createTestPki } from '../helpers/pki';
import { tlsServer } from './fixtures/tls-server';
import { hasOpenssl, startOpensslServer } from '../helpers/openssl-server';

test('inspect a local server: grade, problems, chain, scan table, weaknesses, export, history', async ({
  app,
}) => {
  const pki = createTestPki();
  const { server, port } = await tlsServer({ cert: pki.chain(pki.wrongHost), key: pki.wrongHost.keyPem });
  try {
    await app.getByTestId('nav-tls').click();
    await app.getByTestId('tls-target').fill(`localhost:${port}`);
    await app.getByText('Options').click();
    await app.getByTestId('tls-ca').fill(pki.root.certPem);
    await app.getByTestId('tls-http').selectOption('never');
    await expect(app.getByTestId('tls-scan')).toBeChecked();
    await expect(app.getByTestId('tls-check-revocation')).toBeChecked();
    await app.getByTestId('tls-inspect').click();

    await expect(app.getByTestId('tls-grade')).toHaveText('T', { timeout: 20_000 });
    await expect(app.getByTestId('tls-grade-card')).toContainText('A if the certificate were trusted');
    await expect(app.getByTestId('tls-problems').locator('[data-code="name-mismatch"]')).toContainText(
      'not valid for "localhost"',
    );
    await expect(app.getByTestId('tls-trusted')).toHaveText('not trusted');
    await expect(app.getByTestId('tls-protocol')).toHaveText('TLSv1.3');
    await expect(app.getByTestId('tls-waterfall')).toBeVisible();
    // The leaf names its OCSP responder and CRL on the loopback discard port: both lookups are listed.
    await expect(app.getByTestId('tls-revocation').locator('[data-method="ocsp"]')).toContainText(
      'no answer',
    );
    await expect(app.getByTestId('tls-revocation').locator('[data-method="crl"]')).toContainText('no answer');
    await expect(app.getByTestId('tls-scts')).toHaveText('none');

    await app.getByTestId('tls-tab-certificates').click();
    await expect(app.getByTestId('tls-sent-0')).toContainText('wrong.example');
    await expect(app.getByTestId('tls-path').locator('> li')).toHaveCount(3);
    await app.getByTestId('tls-sent-0').locator('summary').click();
    await expect(app.getByTestId('tls-sent-0')).toContainText('DNS:wrong.example');

    await app.getByTestId('tls-tab-scan').click();
    await expect(app.getByTestId('tls-scan-TLSv1.3')).toHaveAttribute('data-supported', 'true');
    await expect(app.getByTestId('tls-scan-TLSv1.2')).toHaveAttribute('data-supported', 'true');
    await expect(app.getByTestId('tls-scan-TLSv1')).toHaveAttribute('data-supported', 'false');
    await expect(app.getByTestId('tls-scan-TLSv1.3')).toContainText('TLS_AES_256_GCM_SHA384');
    await expect(app.getByTestId('tls-weakness-heartbleed')).toHaveAttribute('data-status', 'ok');
    await expect(app.getByTestId('tls-weakness-fallback-scsv')).toHaveAttribute('data-status', 'ok');
    await expect(app.getByTestId('tls-weakness-ticketbleed')).toHaveAttribute('data-status', 'ok');
    await expect(app.getByTestId('tls-weakness-poodle-tls')).toHaveAttribute('data-status', 'ok');
    await expect(app.getByTestId('tls-scan-stats')).toContainText('handshakes');

    // Client simulation (on by default): a TLS 1.2/1.3 server is out of reach for IE 8, not for Chromium.
    await app.getByTestId('tls-tab-clients').click();
    await expect(app.getByTestId('tls-client-chromium_137_win11')).toHaveAttribute('data-ok', 'true');
    await expect(app.getByTestId('tls-client-chromium_137_win11')).toContainText('TLSv1.3');
    await expect(app.getByTestId('tls-client-ie_8_win7')).toHaveAttribute('data-ok', 'false');
    await expect(app.getByTestId('tls-client-ie_8_win7')).toContainText('cannot connect');
    await app.getByTestId('tls-clients-filter').fill('java');
    await expect(app.getByTestId('tls-client-chromium_137_win11')).toHaveCount(0);
    await expect(app.getByTestId('tls-client-java_1703_2106')).toBeVisible();

    const download = app.waitForEvent('download');
    await app.getByTestId('tls-export-markdown').click();
    const md = await download;
    expect(md.suggestedFilename()).toMatch(/^tls-localhost-\d+-.*\.md$/);
    const text = readFileSync((await md.path())!, 'utf8');
    expect(text).toContain(`# TLS report for localhost:${port}`);
    expect(text).toContain('`name-mismatch`');

    const jsonDownload = app.waitForEvent('download');
    await app.getByTestId('tls-export-json').click();
    const json = JSON.parse(readFileSync((await (await jsonDownload).path())!, 'utf8'));
    expect(json.grade.grade).toBe('T');

    await app.getByTestId('tls-tab-history').click();
    await expect(app.getByTestId(`tls-history-localhost-${port}`)).toContainText('T');

    await app.getByTestId('tls-tab-request').click();
    await app.getByTestId('tls-request-send').click();
    await expect(app.getByTestId('tls-request-response')).toContainText('HTTP/1.1 200 OK');
  } finally {
    server.close();
    pki.cleanup();
  }
});

test('bad input: an unresolvable host shows HOST_NOT_FOUND; a trusted server shows no problems', async ({
  app,
}) => {
  await app.getByTestId('nav-tls').click();
  await app.getByTestId('tls-target').fill('no-such-host.invalid');
  await app.getByTestId('tls-scan').uncheck();
  await app.getByTestId('tls-inspect').click();
  await expect(app.getByTestId('tls-error')).toHaveAttribute('data-code', 'HOST_NOT_FOUND');

  const pki = createTestPki();
  const { server, port } = await tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem });
  try {
    await app.getByTestId('tls-target').fill(`localhost:${port}`);
    await app.getByText('Options').click();
    await app.getByTestId('tls-ca').fill(pki.root.certPem);
    await app.getByTestId('tls-http').selectOption('always');
    await app.getByTestId('tls-inspect').click();
    await expect(app.getByTestId('tls-no-problems')).toBeVisible({ timeout: 15_000 });
    await expect(app.getByTestId('tls-trusted')).toHaveText('trusted');
    await expect(app.getByTestId('tls-error')).toHaveCount(0);
    // The bare HTTP answer: the security headers it lacks are listed.
    const headers = app.getByTestId('tls-security-headers');
    await expect(headers.locator('[data-id="nosniff"]')).toHaveAttribute('data-status', 'missing');
    await expect(headers.locator('[data-id="hsts"]')).toContainText('Strict-Transport-Security');
  } finally {
    server.close();
    pki.cleanup();
  }
});

test('a failed inspection leaves no report of the previous host; the form survives leaving the page', async ({
  app,
}) => {
  const pki = createTestPki();
  const { server, port } = await tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem });
  try {
    await app.getByTestId('nav-tls').click();
    await app.getByTestId('tls-target').fill(`localhost:${port}`);
    await app.getByTestId('tls-scan').uncheck();
    await app.getByText('Options').click();
    await app.getByTestId('tls-ca').fill(pki.root.certPem);
    await app.getByTestId('tls-inspect').click();
    await expect(app.getByTestId('tls-trusted')).toHaveText('trusted', { timeout: 15_000 });

    // Another tool and back: the form and the report are as they were.
    await app.getByTestId('nav-tcp-server').click();
    await app.getByTestId('nav-tls').click();
    await expect(app.getByTestId('tls-target')).toHaveValue(`localhost:${port}`);
    await expect(app.getByTestId('tls-scan')).not.toBeChecked();
    await expect(app.getByTestId('tls-trusted')).toHaveText('trusted');

    await app.getByTestId('tls-target').fill('no-such-host.invalid');
    await app.getByTestId('tls-inspect').click();
    await expect(app.getByTestId('tls-error')).toHaveAttribute('data-code', 'HOST_NOT_FOUND');
    await expect(app.getByTestId('tls-trusted')).toHaveCount(0);
    await expect(app.getByTestId('tls-grade')).toHaveCount(0);
    await expect(app.getByText('No report yet')).toBeVisible();
  } finally {
    server.close();
    pki.cleanup();
  }
});

test('mass scan: pasted targets, progress, sortable table, CSV export, changes since the previous scan', async ({
  app,
}) => {
  const pki = createTestPki();
  const a = await tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem });
  const b = await tlsServer({ cert: pki.chain(), key: pki.leaf.keyPem });
  const expired = await tlsServer({ cert: pki.chain(pki.expired), key: pki.expired.keyPem });
  try {
    await app.getByTestId('nav-tls').click();
    await app.getByTestId('tls-tab-mass').click();
    await app
      .getByTestId('tls-mass-targets')
      .fill(`localhost:${a.port}, localhost:${b.port}\n# the expired one\nlocalhost:${expired.port}\n`);
    await app.getByTestId('tls-mass-ca-toggle').click();
    await app.getByTestId('tls-mass-ca').fill(pki.root.certPem);
    await app.getByTestId('tls-mass-start').click();
    await expect(app.getByTestId('tls-mass-progress')).toContainText('3 / 3 (100 %)', { timeout: 30_000 });
    await expect(app.getByTestId('tls-mass-table').locator('tbody tr')).toHaveCount(3);

    await app.getByTestId('tls-mass-sort-grade').click();
    await expect(app.getByTestId('tls-mass-table').locator('tbody tr').first()).toContainText(
      `localhost:${expired.port}`,
    );
    await expect(
      app.getByTestId('tls-mass-table').locator('tbody tr').first().getByTestId('tls-mass-grade'),
    ).toHaveText('T');

    const download = app.waitForEvent('download');
    await app.getByTestId('tls-mass-export-csv').click();
    const csv = readFileSync((await (await download).path())!, 'utf8');
    expect(csv.split('\n')[0]).toBe(
      'target,ok,grade,trusted,problems,problem_codes,protocol,not_after,days_left,subject,issuer,error',
    );
    expect(csv).toContain(`localhost:${expired.port},true,T,false,1,expired,TLSv1.3`);

    // A second scan after one server went away: the change is listed.
    await new Promise<void>((r) => b.server.close(() => r()));
    await app.getByTestId('tls-mass-start').click();
    await expect(app.getByTestId('tls-mass-change-changed')).toContainText(
      `localhost:${b.port}: now fails: CONNECTION_REFUSED`,
      { timeout: 30_000 },
    );
    await expect(app.getByTestId('tls-mass-change-changed')).toHaveCount(1);
  } finally {
    a.server.close();
    b.server.close();
    expired.server.close();
    pki.cleanup();
  }
});

test('a server with only anonymous suites: reported with no certificate, not failed', async ({ app }) => {
  test.skip(!hasOpenssl, 'needs openssl s_server');
  const pki = createTestPki();
  const server = startOpensslServer(pki, ['-www', '-no_tls1_3', '-cipher', 'ADH-AES128-SHA:@SECLEVEL=0']);
  try {
    const port = await server.port;
    await app.getByTestId('nav-tls').click();
    await app.getByTestId('tls-target').fill(`localhost:${port}`);
    await app.getByTestId('tls-inspect').click();
    await expect(app.getByTestId('tls-grade')).toHaveText('T', { timeout: 30_000 });
    await expect(app.getByTestId('tls-problems').locator('[data-code="no-certificate"]')).toContainText(
      'the server sent no certificate',
    );
    await expect(app.getByTestId('tls-problems').locator('[data-code="anonymous"]')).toBeVisible();
    await expect(app.getByTestId('tls-runtime-error')).toContainText('alert handshake failure');
    await app.getByTestId('tls-tab-certificates').click();
    await expect(app.getByTestId('tls-no-certificates')).toContainText('the server sent no certificate');
    await expect(app.getByTestId('tls-sent-0')).toHaveCount(0);
  } finally {
    server.child.kill('SIGKILL');
    pki.cleanup();
  }
});
