// The TCP-vs-UDP lab end to end: run under 10 % loss, see both columns, the explanations and the chart.
import { test, expect } from './fixtures';

test('run the lab: both columns, explanations and the latency chart', async ({ app }) => {
  await app.getByTestId('nav-lab').click();
  await expect(app.getByText('No run yet')).toBeVisible();
  await app.getByTestId('lab-count').fill('500');
  await app.getByTestId('lab-rate').fill('2000');
  await app.getByTestId('lab-lossPct').fill('10');
  await app.getByTestId('lab-dupPct').fill('0');
  await app.getByTestId('lab-reorderPct').fill('0');
  await app.getByTestId('lab-delayMs').fill('1');
  await app.getByTestId('lab-rtoMs').fill('40');
  await app.getByTestId('lab-run').click();
  await expect(app.getByTestId('lab-results')).toBeVisible({ timeout: 30_000 });

  await expect(app.getByTestId('lab-col-tcp')).toHaveText('TCP');
  await expect(app.getByTestId('lab-col-udp')).toHaveText('UDP');
  await expect(app.getByTestId('lab-tcp-delivered')).toHaveText('500 / 500');
  const udpDelivered = Number(
    ((await app.getByTestId('lab-udp-delivered').textContent()) ?? '').split(' / ')[0],
  );
  expect(udpDelivered).toBeGreaterThan(400);
  expect(udpDelivered).toBeLessThan(490);
  await expect(app.getByTestId('lab-tcp-outOfOrder')).toHaveText('0');
  await expect(app.getByTestId('lab-udp-handshake')).toHaveText('none');
  await expect(app.getByTestId('lab-tcp-handshake')).toContainText('ms');
  await expect(app.getByTestId('lab-row-boundaries')).toContainText('stream vs datagrams');

  const chart = app.getByTestId('lab-chart');
  await expect(chart.getByRole('img')).toHaveAttribute('aria-label', /TCP \d+ points.*UDP \d+ points/);
  await expect(chart.locator('path[data-series="TCP"]')).toHaveAttribute('d', /^M/);
  await expect(chart.locator('path[data-series="UDP"]')).toHaveAttribute('d', /^M/);
  await app.screenshot({ path: 'test-results/lab-page.png', fullPage: true });
  await chart.screenshot({ path: 'test-results/lab-chart.png' });
});

test('bad settings are refused with their code', async ({ app }) => {
  await app.getByTestId('nav-lab').click();
  await app.getByTestId('lab-lossPct').fill('90');
  await app.getByTestId('lab-run').click();
  await expect(app.getByTestId('lab-error')).toHaveAttribute('data-code', 'INVALID_INPUT');
  await app.getByTestId('lab-count').fill('abc');
  await app.getByTestId('lab-lossPct').fill('5');
  await app.getByTestId('lab-run').click();
  await expect(app.getByTestId('lab-error')).toHaveAttribute('data-code', 'INVALID_INPUT');
});
