// Presence never lies: when the chat host goes away, the joined chat's chip says "reconnecting" and the
// member list says it is unknown instead of listing the last members as online; when the host is back,
// members show again. When the page loses the shell itself, the chip says "unknown", not "open".
import { test, expect, startShell } from './fixtures';
import { joinFromPage } from './fixtures/chat-join';

test('a killed chat host: chip reconnecting, members unknown; back again when the host returns', async ({
  app,
}) => {
  const host = await startShell();
  let hostUp = true;
  try {
    const r = await host.shell.services.dispatcher.call('chat.hostStart', {
      name: 'Presence',
      host: '127.0.0.1',
      port: 0,
      discovery: false,
    });
    if (!r.ok) throw new Error(r.error.message);
    const port = (r.value as { port: number }).port;
    const bob = await host.shell.services.dispatcher.call('chat.connect', {
      host: '127.0.0.1',
      port,
      nick: 'bob',
    });
    expect(bob.ok).toBe(true);

    await app.getByTestId('nav-chat').click();
    await joinFromPage(app, port, 'ann');
    await expect(app.getByTestId('chat-members')).toContainText('bob');

    // The host's whole instance goes away (its server and bob with it).
    await host.shell.close();
    hostUp = false;
    await expect(app.getByTestId('chat-state')).toHaveText(/reconnecting|connecting/);
    await expect(app.getByTestId('chat-members')).toHaveCount(0);
    await expect(app.getByTestId('chat-members-unknown')).toContainText('Unknown');
    await app.screenshot({ path: test.info().outputPath('chat-host-lost.png') });

    // The host comes back on the same data dir and port: the chat reconnects and members show again.
    const again = await startShell(host.dataDir);
    try {
      const r2 = await again.shell.services.dispatcher.call('chat.hostStart', {
        name: 'Presence',
        host: '127.0.0.1',
        port,
        discovery: false,
      });
      expect(r2.ok).toBe(true);
      await expect(app.getByTestId('chat-state')).toHaveText('open', { timeout: 20_000 });
      await expect(app.getByTestId('chat-members')).toContainText('ann');
      await expect(app.getByTestId('chat-members-unknown')).toHaveCount(0);
    } finally {
      await again.shell.close();
    }
  } finally {
    if (hostUp) await host.shell.close();
  }
});

test('the page loses the shell: the chat chip says unknown, never a stale open', async ({ app, shell }) => {
  const r = await shell.shell.services.dispatcher.call('chat.hostStart', {
    name: 'Own',
    host: '127.0.0.1',
    port: 0,
    discovery: false,
  });
  if (!r.ok) throw new Error(r.error.message);
  const port = (r.value as { port: number }).port;
  await app.getByTestId('nav-chat').click();
  await joinFromPage(app, port, 'ann');
  // The shell goes away under the page: the last state the page heard may no longer be true.
  await shell.shell.close();
  await expect(app.getByTestId('link-state')).toBeVisible({ timeout: 15_000 });
  await expect(app.getByTestId('chat-state')).toHaveText('unknown');
  await expect(app.getByTestId('chat-members-unknown')).toContainText('reconnecting to Wirelab');
  await app.screenshot({ path: test.info().outputPath('shell-lost.png') });
});
