// Live settings come from the engine, never from form defaults: for each setting a running session can
// change, the test changes it, leaves the page, comes back, changes another field, and reads the
// engine's configuration back through the API — it must be exactly the old one plus the two changes.
import { test, expect, type ShellHandle } from './fixtures';
import type { Page } from '@playwright/test';
import type { HttpServerInfo, LbInfo, TcpServerInfo, UdpSocketInfo } from '../../src/shared/contract';

async function call<T>(shell: ShellHandle, channel: string, input: unknown = {}): Promise<T> {
  const r = await shell.shell.services.dispatcher.call(channel, input);
  if (!r.ok) throw new Error(`${channel}: ${r.error.code} ${r.error.message}`);
  return r.value as T;
}

/** Leaves the tool for another one and comes back, which unmounts and re-creates the page. */
async function awayAndBack(app: Page, tool: string): Promise<void> {
  await app.getByTestId('nav-home').click();
  await expect(app.getByTestId(`nav-${tool}`)).toBeVisible();
  await app.getByTestId('nav-packets').click();
  await app.getByTestId(`nav-${tool}`).click();
}

async function startBalancer(app: Page): Promise<void> {
  await app.getByTestId('nav-lb').click();
  await app.getByTestId('lb-demo-count').fill('3');
  await app.getByTestId('lb-demo-start').click();
  await expect(app.getByTestId('lb-backends-draft').getByRole('row')).toHaveCount(4);
  await app.getByTestId('lb-check-type').selectOption('http');
  await app.getByTestId('lb-check-interval').fill('500');
  await app.getByTestId('lb-check-fall').fill('2');
  await app.getByTestId('lb-start').click();
  await expect(app.getByTestId('lb-state')).toHaveText('running');
}

const balancer = async (shell: ShellHandle) =>
  (await call<{ balancers: LbInfo[] }>(shell, 'lb.list')).balancers[0]!;
const config = (b: LbInfo) => ({
  strategy: b.strategy,
  proxyProtocol: b.proxyProtocol,
  health: b.health,
  limits: b.limits,
  weights: b.backends.map((x) => [x.name, x.weight, x.drain, x.enabled]),
});

test('LB: checks set at start survive leaving the page; Apply changes only the edited field', async ({
  app,
  shell,
}) => {
  await startBalancer(app);
  const before = await balancer(shell);
  expect(before.health).toMatchObject({ type: 'http', intervalMs: 500, fall: 2 });

  await awayAndBack(app, 'lb');
  // The form shows the balancer's own checks, not the defaults (type none, 2000 ms).
  await expect(app.getByTestId('lb-check-type')).toHaveValue('http');
  await expect(app.getByTestId('lb-check-interval')).toHaveValue('500');
  await expect(app.getByTestId('lb-apply-health')).toBeDisabled();
  await expect(app.getByTestId('lb-port')).toHaveValue(String(before.port));

  await app.getByTestId('lb-check-rise').fill('3');
  await awayAndBack(app, 'lb');
  // An edit not applied yet is still there after the page was left.
  await expect(app.getByTestId('lb-check-rise')).toHaveValue('3');
  await app.getByTestId('lb-apply-health').click();
  await expect(app.getByTestId('lb-apply-health')).toBeDisabled();
  const after = await balancer(shell);
  expect(config(after)).toEqual({ ...config(before), health: { ...before.health, rise: 3 } });

  // Checks are still on: a stopped backend is marked down.
  await app.getByTestId('lb-demo-toggle-backend-2').click();
  await expect(app.getByTestId('lb-backend-state-backend-2')).toHaveText('backend-2 down', {
    timeout: 10_000,
  });

  // Limits likewise: one field edited, the rest as the engine has them.
  await app.getByText('Limits', { exact: true }).click();
  await app.getByLabel('Retries').fill('2');
  await app.getByTestId('lb-apply-limits').click();
  await expect(app.getByTestId('lb-apply-limits')).toBeDisabled();
  const limited = await balancer(shell);
  expect(config(limited)).toEqual({ ...config(after), limits: { ...after.limits, retries: 2 } });
});

test('LB: strategy and weights — change, leave, come back, change another', async ({ app, shell }) => {
  await startBalancer(app);
  await app.getByTestId('lb-strategy').selectOption('wrr');
  await expect.poll(async () => (await balancer(shell)).strategy).toBe('wrr');
  const before = await balancer(shell);

  await awayAndBack(app, 'lb');
  await expect(app.getByTestId('lb-strategy')).toHaveValue('wrr');
  await app.getByTestId('lb-weight-backend-1').fill('4');
  await app.getByTestId('lb-weight-backend-1').press('Enter');
  await expect(app.getByTestId('log')).toContainText('backend backend-1: weight 4');
  const mid = await balancer(shell);
  const weights = config(before).weights.map((w) =>
    w[0] === 'backend-1' ? ['backend-1', 4, w[2], w[3]] : w,
  );
  expect(config(mid)).toEqual({ ...config(before), weights });

  await awayAndBack(app, 'lb');
  await expect(app.getByTestId('lb-weight-backend-1')).toHaveValue('4');
  await app.getByTestId('lb-proxy-protocol').selectOption('v1');
  await expect.poll(async () => (await balancer(shell)).proxyProtocol).toBe('v1');
  expect(config(await balancer(shell))).toEqual({ ...config(mid), proxyProtocol: 'v1' });
});

test('UDP: multicast TTL and broadcast of a bound socket', async ({ app, shell }) => {
  await app.getByTestId('nav-udp').click();
  await app.getByTestId('udp-port').fill('0');
  await app.getByTestId('udp-bind').click();
  await expect(app.getByTestId('udp-state')).toHaveText('bound');
  const sock = async () => (await call<{ sockets: UdpSocketInfo[] }>(shell, 'udp.list')).sockets[0]!;
  const before = await sock();
  await app.getByText('Multicast and broadcast').click();
  await app.getByTestId('udp-mttl').fill('7');
  await app.getByTestId('udp-mttl').press('Enter');
  await expect.poll(async () => (await sock()).multicastTtl).toBe(7);

  await awayAndBack(app, 'udp');
  await app.getByText('Multicast and broadcast').click();
  await expect(app.getByTestId('udp-mttl')).toHaveValue('7');
  await app.getByTestId('udp-broadcast-live').check();
  await expect.poll(async () => (await sock()).broadcast).toBe(true);
  const { bytesIn: _a, bytesOut: _b, datagramsIn: _c, datagramsOut: _d, ...rest } = await sock();
  const { bytesIn: _e, bytesOut: _f, datagramsIn: _g, datagramsOut: _h, ...old } = before;
  expect(rest).toEqual({ ...old, multicastTtl: 7, broadcast: true });
});

test('TCP: echo and welcome (with its line ending) of a running server', async ({ app, shell }) => {
  await app.getByTestId('nav-tcp-server').click();
  await app.getByTestId('tcp-server-welcome').fill('220 ready');
  await app.getByTestId('tcp-server-welcome-ending').selectOption('crlf');
  await app.getByTestId('tcp-server-start').click();
  await expect(app.getByTestId('tcp-server-state')).toHaveText('listening');
  const server = async () => (await call<{ servers: TcpServerInfo[] }>(shell, 'tcp.list')).servers[0]!;
  const before = await server();
  expect(before.welcome).toBe('220 ready\r\n');
  expect(before.echo).toBe(false);

  await app.getByTestId('tcp-server-echo-live').check();
  await expect.poll(async () => (await server()).echo).toBe(true);
  await awayAndBack(app, 'tcp-server');
  await expect(app.getByTestId('tcp-server-echo-live')).toBeChecked();
  // The welcome is shown as the engine has it, its \r\n visible as escapes.
  await expect(app.getByTestId('tcp-server-welcome-live')).toHaveValue('220 ready\\r\\n');
  await app.getByTestId('tcp-server-welcome-live').fill('hello\\n');
  await app.getByTestId('tcp-server-welcome-live').press('Enter');
  await expect.poll(async () => (await server()).welcome).toBe('hello\n');
  const { clients: _c, ...rest } = await server();
  const { clients: _d, ...old } = before;
  expect(rest).toEqual({ ...old, echo: true, welcome: 'hello\n' });
  // The start form kept what was typed.
  await expect(app.getByTestId('tcp-server-welcome')).toHaveValue('220 ready');
  await expect(app.getByTestId('tcp-server-welcome-ending')).toHaveValue('crlf');
});

test('HTTP mock server: switches of a running server', async ({ app, shell }) => {
  await app.getByTestId('nav-http-server').click();
  await app.getByTestId('http-server-start').click();
  await expect(app.getByTestId('http-server-state')).toHaveText('listening');
  const server = async () =>
    (await call<{ servers: HttpServerInfo[] }>(shell, 'httpServer.list')).servers[0]!;
  const before = await server();
  await app.getByTestId('http-server-cors-live').check();
  await expect.poll(async () => (await server()).cors).toBe(true);
  await awayAndBack(app, 'http-server');
  await expect(app.getByTestId('http-server-cors-live')).toBeChecked();
  await app.getByTestId('http-server-echo-live').check();
  await expect.poll(async () => (await server()).echo).toBe(true);
  const { connections: _a, requests: _b, ...rest } = await server();
  const { connections: _c, requests: _d, ...old } = before;
  expect(rest).toEqual({ ...old, cors: true, echo: true });
});
