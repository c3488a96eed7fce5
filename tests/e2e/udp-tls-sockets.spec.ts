// TLS sockets end to end (issue 7): the app's TLS server with its own certificate, the app's TLS client
// with verification off and then trusting the app certificate as CA; bad certificates are coded.
import { test, expect } from './fixtures';

test('TLS server and client: version, cipher, trust, SNI and data both ways', async ({ app }) => {
  await app.getByTestId('nav-tls-sockets').click();
  await expect(app.getByText('No TLS server')).toBeVisible();
  await app.getByTestId('tlssock-start').click();
  await expect(app.getByTestId('tlssock-server-address')).toHaveText(/127\.0\.0\.1:\d+/);
  await expect(app.getByTestId('tlssock-cert')).toContainText('App certificate');

  // Verification off: connects, and says why the certificate is not trusted.
  await app.getByTestId('tlssock-connect').click();
  await expect(app.getByTestId('tlssock-client-state')).toHaveText('open');
  await expect(app.getByTestId('tlssock-negotiated')).toContainText('TLSv1.3');
  await expect(app.getByTestId('tlssock-trust')).toContainText('SELF_SIGNED');
  const logs = app.getByTestId('log');
  await expect(logs.nth(1)).toContainText('Welcome to the TLS server!');
  await app.getByTestId('tlssock-client-payload').fill('Hello, TLS Server!');
  await app.getByTestId('tlssock-client-send').click();
  await expect(logs.nth(0)).toContainText('Hello, TLS Server!');
  await expect(app.getByTestId('tlssock-server-clients')).toContainText('TLSv1.3');

  // Trust the app certificate as CA, with SNI localhost: verified.
  await app.getByTestId('tlssock-use-app-ca').click();
  await expect(app.getByTestId('tlssock-ca')).toHaveValue(/BEGIN CERTIFICATE/);
  await app.getByTestId('tlssock-sni').fill('localhost');
  await app.getByTestId('tlssock-connect').click();
  await expect(app.getByTestId('tlssock-trust')).toHaveText('trusted');
  await expect(app.getByTestId('tlssock-negotiated')).toContainText('SNI localhost');
  await expect(app.getByTestId('tlssock-server-clients')).toContainText('localhost');
  await app.screenshot({ path: 'test-results/tls-sockets-page.png' });
});

test('bad certificates and refused verification are coded errors', async ({ app }) => {
  await app.getByTestId('nav-tls-sockets').click();
  await app.getByTestId('tlssock-cert-source').selectOption('pem');
  await app
    .getByTestId('tlssock-cert-pem')
    .fill('-----BEGIN CERTIFICATE-----\nnot really\n-----END CERTIFICATE-----');
  await app.getByTestId('tlssock-key-pem').fill('nope');
  await app.getByTestId('tlssock-start').click();
  await expect(app.getByTestId('tlssock-start-error')).toHaveAttribute('data-code', 'INVALID_CERTIFICATE');

  await app.getByTestId('tlssock-cert-source').selectOption('app');
  await app.getByTestId('tlssock-start').click();
  await expect(app.getByTestId('tlssock-server-address')).toHaveText(/127\.0\.0\.1:\d+/);
  await app.getByTestId('tlssock-verify').check();
  await app.getByTestId('tlssock-connect').click();
  await expect(app.getByTestId('tlssock-connect-error')).toHaveAttribute('data-code', 'TLS_ERROR');
  await app.getByTestId('tlssock-ca').fill('garbage');
  await app.getByTestId('tlssock-connect').click();
  await expect(app.getByTestId('tlssock-connect-error')).toHaveAttribute('data-code', 'INVALID_CERTIFICATE');
});
