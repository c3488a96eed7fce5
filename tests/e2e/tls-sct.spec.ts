// Certificate transparency on the TLS page: a real node:tls server whose certificate embeds SCTs from
// two CT logs made in the test (so not in the bundled CT log list), trusted through a pasted CA. The
// summary shows the CT verdict for a private CA and each SCT with its source and "unknown log".
import { createServer } from 'node:tls';
import { test, expect } from './fixtures';
import { buildCertificate } from '../../src/main/engines/common/x509-builder';
import { createTestLog, withEmbeddedScts } from '../helpers/ct-log';
import { createTestPki, leafSpec } from '../helpers/pki';

test('SCTs and the CT verdict are listed on the summary', async ({ app }) => {
  const pki = createTestPki();
  const at = Date.now() - 86_400_000;
  const leaf = withEmbeddedScts(buildCertificate(leafSpec(pki.intermediate)), pki.intermediate, [
    { log: createTestLog('E2E Log A', 'Operator A'), at },
    { log: createTestLog('E2E Log B', 'Operator B'), at },
  ]);
  const server = createServer({ cert: pki.chain(leaf), key: leaf.keyPem }, (s) => {
    s.on('error', () => undefined);
    s.end();
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    await app.getByTestId('nav-tls').click();
    await app.getByTestId('tls-target').fill(`localhost:${port}`);
    await app.getByText('Options').click();
    await app.getByTestId('tls-ca').fill(pki.root.certPem);
    await app.getByTestId('tls-http').selectOption('never');
    await app.getByTestId('tls-scan').uncheck();
    await app.getByTestId('tls-inspect').click();

    const ct = app.getByTestId('tls-ct');
    await expect(ct).toHaveAttribute('data-verdict', 'not-required', { timeout: 30_000 });
    await expect(ct).toContainText('private CA');
    await expect(app.getByTestId('tls-ct-list')).toContainText('CT log list of 2026-');
    const scts = app.getByTestId('tls-scts').getByRole('listitem');
    await expect(scts).toHaveCount(2);
    await expect(scts.first()).toHaveAttribute('data-verification', 'unknown-log');
    await expect(scts.first()).toContainText('unknown log');
    await expect(scts.first()).toContainText('embedded');
    await expect(scts.first()).toContainText('not in the bundled CT log list');
  } finally {
    server.close();
    pki.cleanup();
  }
});
