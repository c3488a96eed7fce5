// The load balancer end to end: demo backends and the balancer started from the UI, traffic sent from
// the test with node:http, the distribution shown, a backend stopped and marked down, bad input coded.
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { test, expect } from './fixtures';
import type { Page } from '@playwright/test';

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      res.resume();
      res.once('end', () => resolve(String(res.headers['x-backend'])));
    });
    req.once('error', reject);
    req.end();
  });
}

async function startDemoAndBalancer(app: Page): Promise<number> {
  await app.getByTestId('nav-lb').click();
  await app.getByTestId('lb-demo-count').fill('3');
  await app.getByTestId('lb-demo-start').click();
  await expect(app.getByTestId('lb-demo-state-backend-3')).toHaveText('running');
  await expect(app.getByTestId('lb-backends-draft').getByRole('row')).toHaveCount(4);
  await app.getByTestId('lb-check-type').selectOption('http');
  await app.getByTestId('lb-check-interval').fill('200');
  await app.getByTestId('lb-check-fall').fill('2');
  await app.getByTestId('lb-start').click();
  const address = app.getByTestId('lb-address');
  await expect(address).toHaveText(/127\.0\.0\.1:\d+/);
  return Number((await address.textContent())!.split(':')[1]);
}

test('demo backends + balancer from the UI: traffic spreads round robin, a stopped backend is marked down', async ({
  app,
}) => {
  const port = await startDemoAndBalancer(app);
  await expect(app.getByTestId('lb-state')).toHaveText('running');
  for (const n of [1, 2, 3])
    await expect(app.getByTestId(`lb-backend-state-backend-${n}`)).toHaveText(`backend-${n} up`);

  const seen: string[] = [];
  for (let i = 0; i < 30; i++) seen.push(await get(port));
  expect(seen.slice(0, 6)).toEqual([
    'backend-1',
    'backend-2',
    'backend-3',
    'backend-1',
    'backend-2',
    'backend-3',
  ]);
  for (const n of [1, 2, 3]) await expect(app.getByTestId(`lb-total-backend-${n}`)).toHaveText('10');
  await expect(app.getByTestId('lb-distribution-backend-2')).toContainText('33.3 %');
  await expect(app.getByTestId('lb-chart-active')).toBeVisible();
  await app.setViewportSize({ width: 1280, height: 2400 });
  await app.waitForTimeout(1500); // a couple of samples for the charts
  await app.screenshot({ path: 'test-results/lb-running.png' });
  await app.emulateMedia({ colorScheme: 'dark' });
  await app.screenshot({ path: 'test-results/lb-running-dark.png' });
  await app.emulateMedia({ colorScheme: 'light' });
  await app.setViewportSize({ width: 1280, height: 720 });

  // Stop backend-2 like a crash: health checks mark it down, new clients avoid it.
  await app.getByTestId('lb-demo-toggle-backend-2').click();
  await expect(app.getByTestId('lb-demo-state-backend-2')).toHaveText('stopped');
  await expect(app.getByTestId('lb-backend-state-backend-2')).toHaveText('backend-2 down', { timeout: 5000 });
  await expect(app.getByTestId('log')).toContainText('backend-2 is DOWN');
  const after: string[] = [];
  for (let i = 0; i < 6; i++) after.push(await get(port));
  expect(after).not.toContain('backend-2');

  // Start it again: it comes back up.
  await app.getByTestId('lb-demo-toggle-backend-2').click();
  await expect(app.getByTestId('lb-backend-state-backend-2')).toHaveText('backend-2 up', { timeout: 5000 });
});

test('live changes: strategy, weight, drain, export; bad input shows coded errors', async ({ app }) => {
  await app.getByTestId('nav-lb').click();
  // Bad input before start.
  await app.getByTestId('lb-add').fill('not-an-address');
  await app.getByTestId('lb-add-submit').click();
  await expect(app.getByTestId('lb-add-error')).toHaveAttribute('data-code', 'LB_INVALID_BACKEND');
  await app.getByTestId('lb-add').fill('127.0.0.1:9001@999');
  await app.getByTestId('lb-add-submit').click();
  await expect(app.getByTestId('lb-add-error')).toHaveAttribute('data-code', 'LB_WEIGHT_OUT_OF_RANGE');

  const port = await startDemoAndBalancer(app);
  await app.getByTestId('lb-strategy').selectOption('wrr');
  await app.getByTestId('lb-weight-backend-1').fill('4');
  // The table re-renders on each one-second sample; what the user typed must survive it.
  await app.waitForTimeout(1300);
  await expect(app.getByTestId('lb-weight-backend-1')).toHaveValue('4');
  await app.getByTestId('lb-weight-backend-1').press('Enter');
  await expect(app.getByTestId('log')).toContainText('backend backend-1: weight 4');
  await app.getByTestId('lb-drain-backend-3').check();
  await expect(app.getByTestId('lb-backend-state-backend-3')).toHaveText('backend-3 drain');
  const seen: Record<string, number> = {};
  for (let i = 0; i < 10; i++) {
    const b = await get(port);
    seen[b] = (seen[b] ?? 0) + 1;
  }
  expect(seen).toEqual({ 'backend-1': 8, 'backend-2': 2 });

  await app.getByTestId('lb-export-haproxy').click();
  await expect(app.getByTestId('lb-export-text')).toContainText('balance roundrobin');
  await expect(app.getByTestId('lb-export-text')).toContainText('weight 4');
  await app.getByTestId('lb-export-nginx').click();
  await expect(app.getByTestId('lb-export-text')).toContainText('stream {');

  // A port clash on a second balancer is reported with its code.
  await app.getByTestId('lb-stop').click();
  await expect(app.getByTestId('lb-state')).toHaveText('stopped');
  await app.getByTestId('lb-port').fill(String(port));
  const blocker = await new Promise<Server>((resolve) => {
    const s = createServer();
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
  try {
    await app.getByTestId('lb-start').click();
    await expect(app.getByTestId('lb-start-error')).toHaveAttribute('data-code', 'ADDRESS_IN_USE');
  } finally {
    blocker.close();
  }
});

test('under load: 6,000 short connections in a few seconds; the page stays live and every connection is counted', async ({
  app,
}) => {
  // A few seconds on a quiet machine; minutes when the machine is busy, which must not fail the test.
  test.setTimeout(240_000);
  const port = await startDemoAndBalancer(app);
  await expect(app.getByTestId('lb-backend-state-backend-3')).toHaveText('backend-3 up');
  // Bounded in count (6,000) and time (150 s): 40 workers, one HTTP request per connection.
  const TOTAL = 6000;
  let next = 0;
  let ok = 0;
  const started = Date.now();
  const worker = async () => {
    while (next < TOTAL && Date.now() - started < 150_000) {
      next += 1;
      if ((await get(port)).startsWith('backend-')) ok += 1;
    }
  };
  const load = Promise.all(Array.from({ length: 40 }, worker));
  // While the load runs the page keeps answering: the rate shows up, and a control still works.
  await expect(app.getByTestId('lb-now')).toContainText(/now: [1-9]\d* conn\/s/, { timeout: 20_000 });
  await app.getByTestId('lb-window').selectOption('60');
  await expect(app.getByTestId('lb-window')).toHaveValue('60');
  await load;
  expect(next, 'the load did not finish within its 150 s bound').toBe(TOTAL);
  expect(ok).toBe(TOTAL);
  await expect(app.getByTestId('lb-totals')).toContainText(`total ${TOTAL}`);
  const perBackend = () =>
    Promise.all(
      [1, 2, 3].map(async (n) => Number(await app.getByTestId(`lb-total-backend-${n}`).textContent())),
    );
  await expect.poll(async () => (await perBackend()).reduce((a, b) => a + b, 0)).toBe(TOTAL);
  await app.screenshot({ path: 'test-results/lb-under-load.png' });
});
